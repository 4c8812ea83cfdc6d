// review/: decisions on flags (confirm, reject, needs info, the four-eyes approval), the audit log,
// and the runs a reviewer works on.
export { decide, approve, answerNeedsInfo, latestDecisions, reviewQueue, ApprovalRefused } from './decisions.js';
export type { DecideInput, ApproveInput, AnswerInput, Decision, QueueItem } from './decisions.js';
export { appendAudit, type AuditEntry, type AuditAction } from './audit.js';
export { resolveRun, getRun, latestCompleteRun, profileName, type RunInfo } from './runs.js';
export { UserError } from './errors.js';
export { applyRetention, type RetentionOptions, type RetentionResult } from './retention.js';
export { registerReviewCommands, registerRetentionCommands, retentionLine } from './cli.js';
