export {
  partitionOf, stepFiles,
  type StepTask, type StepName, type StepDone, type StepProgress,
} from './steps.js';
export {
  runQuarter, embeddedExecutor, resultsRoot, previousQuarterEnd, QUARTER_STAGES, ingestProgressOf, ingestDone,
  type StepExecutor, type StepOutcome, type QuarterOptions, type QuarterRunResult, type QuarterProgress, type QuarterProgressEvent, type QuarterStage,
} from './quarter.js';
export {
  queueExecutor, startWorkers, registerSchedules, queueStatus, formatQueueStatus, queueNames, queueUrl, connect,
  type WorkerOptions, type RunningWorkers, type ScheduleReport, type QueueStatus,
} from './queue.js';
export { beginRun, finishRun, type QuarterResult, type FinishOptions } from './run.js';
export { previewProfile, loadCandidateProfile, parseCandidateProfile, formatPreview, ProfileError, type PreviewOptions, type PreviewResult, type PreviewGroup, type PreviewFlag } from './preview.js';
