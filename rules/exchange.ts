// The exchange in the rule trace (FEEDS.md "Exchange"): for each query list that asked about a child or
// its parents and carer, what the answer said — records found (they are linked through request_id and
// count as evidence like any feed record), or, for a request the answer does not mention, "no record as
// of the answer date". Read from the store's requests and the answer rows the last linkage found
// (matchers: exchange_answer_rows), so the trace agrees with the persons the rules evaluated.
import { z } from 'zod';
import type { FeedName } from '../config/index.js';
import { FEED_LABELS } from '../pipeline/feeds.js';
import { queryAll, sql, textList, type Db, type Sql } from '../pipeline/store/index.js';
import type { ChildFacts } from './facts.js';
import { EVIDENCE_ROLE_LABELS, RESTRICTED_FEEDS } from './vocabulary.js';

const requestRow = z.object({
  exchange_id: z.string(),
  request_id: z.string(),
  role: z.string(),
  feed: z.string(),
  sent_on: z.string(),
  hits: z.number(),
  answered_on: z.string().nullable(),
});

const ROLE_ORDER = ['child', 'father', 'mother', 'carer'];

// Times in the store are the session's local time (now()::TIMESTAMP, as ingest writes them); a caseworker's
// day is Beijing's.

/**
 * Per exchange, when it was answered: by its answer rows (as the last linkage found them: table `a`), or by a
 * file of its feed loaded after it that names it (an answer without any record). Unanswered exchanges have no row.
 */
const ANSWERED = sql`SELECT x.exchange_id, coalesce(max(a.answered_on), max(timezone('Asia/Shanghai', b.started_at::TIMESTAMPTZ))::DATE) AS answered_on
  FROM exchange_requests x
  LEFT JOIN a ON a.exchange_id = x.exchange_id
  LEFT JOIN ingest_batches b ON b.feed = x.feed AND b.status = 'loaded' AND b.started_at >= x.created_at AND contains(b.file_name, x.exchange_id)
  GROUP BY x.exchange_id HAVING count(a.exchange_id) > 0 OR count(b.batch_id) > 0`;

/** The answer rows of the last linkage, or none when no linkage has looked for them. */
async function answerRows(db: Db): Promise<Sql | null> {
  const tables = await queryAll(db, z.object({ table_name: z.string() }), sql`SELECT table_name FROM duckdb_tables() WHERE table_name IN ('exchange_requests', 'exchange_answer_rows') AND NOT temporary`);
  if (!tables.some((t) => t.table_name === 'exchange_requests')) return null;
  return tables.some((t) => t.table_name === 'exchange_answer_rows')
    ? sql`SELECT exchange_id, request_id, answered_on FROM exchange_answer_rows`
    : sql`SELECT NULL::VARCHAR AS exchange_id, NULL::VARCHAR AS request_id, NULL::DATE AS answered_on WHERE false`;
}

export const exchangeSummary = z.object({
  exchange_id: z.string(),
  feed: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  persons: z.number(),
  answered_on: z.string().nullable(),
  /** Requests the answer has records for (the others: no record as of the answer date). */
  with_records: z.number(),
});
export type ExchangeSummary = z.infer<typeof exchangeSummary>;

/** Every query list sent, newest first, with its answer (`bidui exchange list`). */
export async function exchangeSummaries(db: Db): Promise<ExchangeSummary[]> {
  const answers = await answerRows(db);
  if (!answers) return [];
  return queryAll(
    db,
    exchangeSummary,
    sql`WITH a AS (${answers}), answered AS (${ANSWERED})
      SELECT x.exchange_id, x.feed, strftime(timezone('UTC', x.created_at::TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%SZ') AS created_at, x.created_by, x.persons,
        w.answered_on::VARCHAR AS answered_on, (SELECT count(DISTINCT request_id) FROM a WHERE a.exchange_id = x.exchange_id)::INTEGER AS with_records
      FROM exchange_requests x LEFT JOIN answered w USING (exchange_id)
      ORDER BY x.created_at DESC, x.exchange_id DESC`,
  );
}

/** Lines for `rules explain`: one per request about the child's registry rows (by row or child ref). */
export async function exchangeTraceLines(db: Db, child: ChildFacts, opts: { needToKnow?: boolean } = {}): Promise<string[]> {
  if (!child.registry.length) return [];
  const answers = await answerRows(db);
  if (!answers) return [];
  const rows = child.registry.map((r) => `${r.batchId}:${r.srcRow}`);
  const refs = child.registry.flatMap((r) => (r.childRef ? [r.childRef] : []));
  const found = await queryAll(
    db,
    requestRow,
    sql`WITH a AS (${answers}),
      answered AS (${ANSWERED}),
      mine AS (
        SELECT DISTINCT q.exchange_id, q.request_id, q.role FROM exchange_request_rows q
        WHERE list_contains(${textList(rows)}, q.reg_batch_id || ':' || q.reg_src_row) OR list_contains(${textList(refs)}, q.child_ref)
      )
      SELECT m.exchange_id, m.request_id, m.role, x.feed, strftime(timezone('Asia/Shanghai', x.created_at::TIMESTAMPTZ), '%Y-%m-%d') AS sent_on,
        (SELECT count(*) FROM a WHERE a.request_id = m.request_id)::INTEGER AS hits, w.answered_on::VARCHAR AS answered_on
      FROM mine m JOIN exchange_requests x USING (exchange_id) LEFT JOIN answered w USING (exchange_id)
      ORDER BY x.created_at, m.exchange_id, m.request_id`,
  );
  found.sort((a, b) => a.exchange_id.localeCompare(b.exchange_id) || ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
  return found.filter((r) => opts.needToKnow || !RESTRICTED_FEEDS.includes(r.feed)).map((r) => {
    const head = `信息查询 ${r.exchange_id}（${FEED_LABELS[r.feed as FeedName] ?? r.feed}，${r.sent_on} 发出）${EVIDENCE_ROLE_LABELS[r.role] ?? r.role}：`;
    if (r.answered_on === null) return `${head}尚未答复（查询编号 ${r.request_id}）`;
    if (r.hits > 0) return `${head}有记录 ${r.hits} 条（查询编号 ${r.request_id}，答复日期 ${r.answered_on}）`;
    return `${head}无记录（截至答复日期 ${r.answered_on}，查询编号 ${r.request_id}）`;
  });
}
