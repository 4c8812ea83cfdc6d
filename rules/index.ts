// rules/: the rules of RULES.md as pure functions of the gathered facts and the rule profile.
export { RuleContext, evaluateChild, type RaisedFlag, type ParentState } from './evaluate.js';
export * from './vocabulary.js';
export { gatherFacts, gatherFactsInBatches, prepareFacts, readFactsBatch, readFactsBatches, type GatheredFacts } from './gather.js';
export * from './facts.js';
export { evidenceItemSchema, parseEvidence, EVIDENCE_BASES, type EvidenceItem, type EvidenceBasis } from './evidence.js';
export { explainChild, explainFlagLines, paramValue } from './explain.js';
export { exchangeSummaries, exchangeTraceLines, type ExchangeSummary } from './exchange.js';
