export {
  LINK_ADMISSION_DEFAULTS,
  LinkAdmission,
  type Admission,
  type LinkAdmissionOptions,
  type LinkAdmissionStats,
  type LinkCloseOutput,
  type LinkDirection,
  type LinkRefusal,
} from './link-admission.js';
export { isSdpOffer, MAX_OFFER_SDP_CHARS } from './offer-shape.js';
export { RemoteBackoff, type BackoffOptions } from './remote-backoff.js';
