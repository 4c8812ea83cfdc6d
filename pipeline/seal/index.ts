// Protection at rest (RULES.md §4, docs/protection.md): the bureau's key, field sealing (SM4 with
// an HMAC-SM3 synthetic IV) and its DuckDB functions.
export { SEALED_PREFIX, SealError, sealKeys, seal, open, sealMany, openMany, sealCost, type SealKeys } from './cipher.js';
export { KeyError, loadKey, createKeyFile, defaultKeyFile, type LoadedKey } from './key.js';
export { registerSealFunctions } from './udf.js';
export { sealFile, openFile, openFileBytes, isSealedFile, SEALED_FILE_SUFFIX } from './file.js';
