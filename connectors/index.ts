export { ingestFile, ingestInbox, sourceFiles, sha256File, unreadFolders, workDirOf, type BatchReport, type IngestOptions } from './ingest.js';
export { readFile, formatOf, type ReadResult, type FileFormat } from './readers/index.js';
export { storeStatus, findingLabel, quarantineReasonLabel, type StoreStatus } from './status.js';
export { pullSource, pullSources, pulledSources, pullStates, PullError, signature, stringToSign, type PullReport, type PullState } from './pull/index.js';
