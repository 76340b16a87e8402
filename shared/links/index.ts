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
export { explainIceFailure, hasRelay, NO_RELAY_MESSAGE } from './ice-failure.js';
export {
  countPaths,
  isCandidateType,
  LINK_PATHS,
  pathOf,
  relayUploadCap,
  type CandidateType,
  type LinkPath,
  type LinkRoute,
} from './link-path.js';
