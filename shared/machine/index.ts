export type { Machine } from './machine.js';
export { Outbox } from './machine.js';
export { TimerTable, type DueTimer, type TimerSubject } from './timer-table.js';
export { MachineDriver, realScheduler, type DriverOptions, type Scheduler } from './driver.js';
