export {
  runStep, exportMatchInputs, mergeMatches, exportEvaluateInputs, mergeFlags, partitionOf, stepFiles, readDone, NO_REGION,
  type StepTask, type StepName, type StepDone, type StepProgress,
} from './steps.js';
export {
  runQuarter, embeddedExecutor, resultsRoot, partitionLength, scanSource, sourceByName, ingestFileStep, previousQuarterEnd,
  type StepExecutor, type StepOutcome, type QuarterOptions, type QuarterRunResult,
} from './quarter.js';
export {
  queueExecutor, startWorkers, registerSchedules, queueStatus, formatQueueStatus, queueNames, queueUrl, connect, jobOptions,
  type WorkerOptions, type RunningWorkers, type ScheduleReport, type QueueStatus,
} from './queue.js';
export { beginRun, finishRun, runIdFor, type QuarterResult, type FinishOptions } from './run.js';
