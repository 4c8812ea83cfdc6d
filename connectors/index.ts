export { attemptKey, ingestFile, ingestInbox, prepareWorkDir, sourceFiles, sha256File, workDirOf, type BatchReport, type IngestOptions } from './ingest.js';
export { InputError, LIMITS, scrubMessage } from './limits.js';
export { readFile, formatOf, detectEncoding, type ReadResult, type FileFormat } from './readers/index.js';
export { storeStatus, type StoreStatus } from './status.js';
