export { generateAdversarial, FAMILIES, DECOY_RATE, DEFECTS, EVENT_DEFECT_RATE, GUARDIAN_NO_ID_RATE, type AdversarialSize, type AdversarialOptions, type AdversarialSummary } from './generate.js';
export { scoreAdversarial, classRecall, reasonScores, formatClassRecall, formatReasons } from './score.js';
