// The exchange (FEEDS.md "Exchange"): the columns an agency's answer file carries besides the feed's
// own, shared by the request writer (exports/exchange.ts), the linkage (matchers: request_id first)
// and the rule trace (rules: "no record as of the answer date"). An answer's extra columns are kept
// in each feed row's `raw` JSON under the header as written, where these are read.
import { lit } from './store/index.js';

/** Headers of the request id column: the request file writes the first, an answer may use any. */
export const REQUEST_ID_HEADERS = ['查询编号', 'request_id', '请求编号'] as const;

/** Headers of the optional answer date column (else the day the answer was loaded). */
export const ANSWER_DATE_HEADERS = ['答复日期', 'answer_date'] as const;

/** SQL: the first non-empty of `headers` in the JSON column `raw`, trimmed, or NULL. */
export function rawFieldSql(raw: string, headers: readonly string[]): string {
  return `coalesce(${headers.map((h) => `nullif(trim(json_extract_string(${raw}, ${lit('$."' + h + '"')})), '')`).join(', ')})`;
}
