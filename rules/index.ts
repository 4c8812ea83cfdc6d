export { runQuarter, beginRun, evaluateFacts, finishRun, uniqueFlags, runIdFor, flagRows, EVIDENCE_TEXT, type QuarterOptions, type QuarterResult, type FlagRow } from './run.js';
export { RuleContext, evaluateChild, CATEGORY_RANK, FLAG_PRIORITY, type RaisedFlag, type ParentState, type Category, type FlagType } from './evaluate.js';
export { gatherFacts, type GatheredFacts } from './gather.js';
export * from './facts.js';
export { evidenceItemSchema, parseEvidence, type EvidenceItem } from './evidence.js';
export { explainChild, explainFlagLines } from './explain.js';
