// Pulled sources (FEEDS.md "Pulled sources"): the data-sharing platform's HTTP endpoints, pulled
// into `<inbox>/<feed>/` as JSON Lines files that the ordinary ingest then loads.
export { pullSource, pullSources, pulledSources, type PullReport, type PullOptions } from './pull.js';
export { pullStates, type PullState } from './state.js';
export { PullError, type PullErrorCode } from './errors.js';
export { signature, stringToSign } from './sign.js';
