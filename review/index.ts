// Review decisions on flags: the data model under the (later) web review queue.
export { decide, latestDecisions, latestDecisionsSql, suppressionFor, suppressionIndex, reviewQueue, SUPPRESSION_SQL, DECISION_KINDS } from './decisions.js';
export type { DecideInput, Decision, Suppression, QueueItem } from './decisions.js';
export { appendAudit, type AuditEntry, type AuditAction } from './audit.js';
export { resolveRun, getRun, latestCompleteRun, profileName, EXPORTABLE_STATUSES, type RunInfo } from './runs.js';
export { UserError } from './errors.js';
export * from './labels.js';
