// The public entry of matchers/: code outside this folder imports from here only.
export { runLinkage, compareCandidates, bucketKeysQuery, mergeVectors } from './linkage.js';
export type { RunLinkageOptions, RunLinkageResult } from './linkage.js';
export { settingsWithParams } from './params.js';
export { parseSettings, SettingsError } from './settings.js';
export { linkPersons, preparePersonLinkage, finishPersonLinkage, dropLinkageScratch, identitySettings, ensureMatchFunctions } from './identity.js';
export type { LinkPersonsOptions, LinkPersonsResult, PreparedPersonLinkage } from './identity.js';
export { storedMentionText } from './mentions.js';
