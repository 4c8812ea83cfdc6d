// flags/: what a flag is — the vocabulary the rules raise (types, reasons, categories, labels),
// the flag row (one zod schema), its review status and the four-eyes rule, suppression, and
// storing a run's flags. Review, exports and web read flags through this entry only.
export {
  FLAG_TYPES, FLAG_LABELS, FLAG_PRIORITY, NEEDS_APPROVAL, CHANGE_TYPE_LABELS, REASON_CODES, REASON_LABELS, CATEGORY_RANK, RESTRICTED_CATEGORIES,
  EVIDENCE_ROLE_LABELS, flagLabel, reasonLabel, categoryLabel, type FlagType, type Category,
} from '../rules/index.js';
export { parseEvidence, evidenceItemSchema, type EvidenceItem } from '../rules/index.js';
export { flagRowSchema, FLAG_COLUMNS, flagRows, raiseFlags, uniqueFlags, monthlyBenefit, type FlagRow } from './row.js';
export {
  DECISION_KINDS, STORED_DECISIONS, FLAG_STATUSES, STATUS_LABELS, OPEN_STATUSES, CONFIRMED_STATUSES, WAITING_STATUSES,
  FOLLOW_UPS, FOLLOW_UP_LABELS, NEEDS_INFO_DAYS,
  statusLabel, latestDecisionsSql, flagsWithStatus, flagRecordSchema, loadFlags, approvalRefusal,
  type FlagRecord, type DecisionKind, type StoredDecision, type FlagStatus, type FollowUp,
} from './status.js';
export { suppressions, clearRaisedFlags, appendRaisedFlags, dropRaisedFlags, storeRunFlags, writeFlagsCsv, type Suppression } from './store.js';
export {
  RESTRICTED_REASONS, RESTRICTED_REASON_LABEL, RESTRICTED_CODE, RESTRICTED_FEEDS, RESTRICTED_ROW_FEEDS, RESTRICTED_CATEGORY_REASONS,
  isRestrictedCategory, isRestrictedFlag, isRestrictedReason, flagVisibleSql, visibleReasonSql, visibleEvidenceSql,
} from './privacy.js';
export { DEFAULT_SLA, dueOnSql, type SlaSettings } from './sla.js';
