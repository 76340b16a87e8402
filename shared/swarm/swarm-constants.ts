/**
 * The swarm's tunables, each defined beside the part that uses it, gathered here so hosts and
 * tests import them from one place (`swarm.ts` re-exports this file).
 */
export { SEND_CHUNK_SIZE } from './swarm-core.js';
export {
  BUSY_SPEEDUP,
  INITIAL_PIPELINE,
  MAX_ALLOWED_FAST,
  MAX_PIPELINE,
  MIN_PIPELINE,
  PIPELINE_SECONDS,
  REJECTED_RETRY_MS,
  SNUB_TIMEOUT,
  TAKEOVER_SENT_SECONDS,
  UNMEASURED_RATE,
  WITHDRAWN_REMEMBERED,
} from './download-pipeline.js';
export {
  DRAINED_TIMEOUT,
  IDLE_SLOT_MS,
  MAX_QUEUED_REQUESTS,
  MAX_QUEUED_REQUEST_BYTES,
  MIN_UPLOAD_WINDOW,
  UPLOAD_FOCUS,
  UPLOAD_WINDOW,
  UPLOAD_WINDOW_FALLBACK,
  UPLOAD_WINDOW_SECONDS,
} from './upload-scheduler.js';
export { SEED_TURN_BYTES, UPLOAD_SLOTS } from './choke-glue.js';
export {
  INITIAL_SEEDING_MIN_PIECES,
  INITIAL_SEEDING_SECONDS,
  INITIAL_SEEDING_SHOW_ALL_AFTER,
} from './seeding-reveal.js';
export { METADATA_REQUEST_TIMEOUT, METADATA_RETRY_AFTER, UT_METADATA_ID } from './metadata-exchange.js';
export { LT_DONTHAVE_ID } from './lt-donthave.js';
export { RECEIVE_BUFFER_BUDGET } from './receive-budget.js';
export { DEADLINE_STEP_MS, DEADLINE_WINDOW_BYTES } from './deadline-window.js';
