export { runLinkage, settingsWithParams } from './linkage.js';
export type { RunLinkageOptions, RunLinkageResult, TrainedParams, ComparisonParams, LevelParams, Evaluation, EmSessionReport } from './linkage.js';
export { parseSettings, settingsSchema, levelIndices, SettingsError } from './settings.js';
export type { LinkageSettings, LinkageSettingsInput, ComparisonSettings, LevelSettings } from './settings.js';
export { registerMatchFunctions, idRelation } from './functions.js';
export type { IdRelation } from './functions.js';
