export { ingestFile, ingestInbox, sourceFiles, sha256File, type BatchReport } from './ingest.js';
export { readFile, formatOf, type ReadResult, type FileFormat } from './readers/index.js';
export { storeStatus, type StoreStatus } from './status.js';
