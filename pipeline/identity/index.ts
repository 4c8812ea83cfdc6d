// Identity normalisation used by every connector, matcher and rule: ID numbers, names, dates, codes.
export * from './id.js';
export * from './name.js';
export * from './text.js';
export * from './date.js';
export * from './codes.js';
export * from './udf.js';
export * from './sql.js';
export { neutraliseFormula, neutraliseFormulaSql } from './formula.js';
