export type { JobEndEvent, JobOutcome, JobStartEvent } from "./job-runner.js";
export type {
  SourceFactory,
  SyncQueueOptions,
  SyncQueueOptionsInput,
  SyncWorkerOptions,
  SyncWorkerOptionsInput,
} from "./options.js";
export { FAIL_FAST_CODES, syncQueueOptionsSchema, syncWorkerOptionsSchema } from "./options.js";
export type { EnqueueResult, SourceSchedule, SyncJobData } from "./queue.js";
export { createSyncQueue, SyncQueue } from "./queue.js";
export type { QueuedSyncRequest, QueuedSyncRunnerOptions } from "./queued-runner.js";
export { createQueuedSyncRunner } from "./queued-runner.js";
export { PgTokenBucket, RateLimitedSource, siteKey } from "./rate-limit.js";
export type { ScheduleInput } from "./schedule.js";
export { intervalToCron, scheduleInputSchema } from "./schedule.js";
export type { SourceState, SourceStatus, SyncRun, SyncTrigger } from "./tables.js";
export type { SyncWorkerEvents } from "./worker.js";
export { SyncWorker, startSyncWorker } from "./worker.js";
