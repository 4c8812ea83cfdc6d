// Answers of the exchange (FEEDS.md "Exchange"): a row of an agency's answer file that carries the
// request_id of a query list links to the person that request asked about — request_id first, identity
// second. After the clustering (like the name-only stage, never inside a match partition) the answer
// row's mention joins the person of the registry row the request was made from, and the link is kept
// in person_links with basis 'request_id'. Rows without a known request_id keep their identity links.
import { FEED_SPECS } from '../pipeline/feeds.js';
import { ANSWER_DATE_HEADERS, REQUEST_ID_HEADERS, rawFieldSql } from '../pipeline/exchange.js';
import { lit } from '../pipeline/store/index.js';
import type { Stage, StageRunner } from './stage.js';

/** The probability a request_id link carries: the agency says the record is about the person asked for. */
export const REQUEST_LINK_PROBABILITY = 0.99;

/**
 * `exchange_answer_rows` (exchange_id, request_id, feed, batch_id, src_row, answered_on): the feed rows
 * that answer a request, read from the batches of the request's feed loaded after it was made. Needs the
 * store's exchange_requests and exchange_request_rows (migration 9).
 */
export function exchangeAnswersStage(): Stage {
  const parts = Object.values(FEED_SPECS)
    .filter((spec) => spec.feed !== 'registry')
    .map(
      (spec) => `SELECT ${lit(spec.feed)} AS feed, t.batch_id, t.src_row, ${rawFieldSql('t.raw', REQUEST_ID_HEADERS)} AS request_id,
    coalesce(try_cast(${rawFieldSql('t.raw', ANSWER_DATE_HEADERS)} AS DATE), timezone('Asia/Shanghai', b.started_at::TIMESTAMPTZ)::DATE) AS answered_on
  FROM ${spec.table} t JOIN ingest_batches b USING (batch_id)
  WHERE b.started_at >= (SELECT min(created_at) FROM exchange_requests WHERE feed = ${lit(spec.feed)})`,
    );
  return {
    name: 'exchange_answer_rows',
    outputTable: 'exchange_answer_rows',
    sql: `CREATE OR REPLACE TABLE exchange_answer_rows AS
SELECT r.exchange_id, a.request_id, a.feed, a.batch_id, a.src_row, a.answered_on
FROM (${parts.join('\nUNION ALL\n')}) a
JOIN (SELECT DISTINCT q.exchange_id, q.request_id, x.feed, x.created_at FROM exchange_request_rows q JOIN exchange_requests x USING (exchange_id)) r
  ON r.request_id = a.request_id AND r.feed = a.feed`,
  };
}

/** `request_links`: each answer row's subject mention (a_uid) and the person of the registry mention its request asked about. */
export function requestLinksStage(): Stage {
  const subjectRole = Object.fromEntries(Object.values(FEED_SPECS).map((s) => [s.feed, s.people[0]!.role]));
  const roleCase = `CASE a.feed ${Object.entries(subjectRole).map(([f, r]) => `WHEN ${lit(f)} THEN ${lit(r)}`).join(' ')} END`;
  return {
    name: 'request_links',
    outputTable: 'request_links',
    sql: `CREATE OR REPLACE TABLE request_links AS
SELECT am.uid AS a_uid, am.mention_key AS a_key, am.feed, a.request_id,
  arg_min(rm.uid, rm.mention_key) AS r_uid, min(rm.mention_key) AS r_key, arg_min(rp.person_id, rm.mention_key) AS person_id
FROM exchange_answer_rows a
JOIN exchange_request_rows q ON q.request_id = a.request_id
JOIN mentions am ON am.feed = a.feed AND am.batch_id = a.batch_id AND am.src_row = a.src_row AND am.role = ${roleCase}
JOIN mentions rm ON rm.feed = 'registry' AND rm.batch_id = q.reg_batch_id AND rm.src_row = q.reg_src_row AND rm.role = q.role
JOIN persons rp ON rp.uid = rm.uid AND rp.feed = 'registry'
GROUP BY ALL`,
  };
}

/** The answer mentions join the requested persons; cluster sizes follow (of the persons they left and joined). */
export function requestPersonsStages(): Stage[] {
  return [
    {
      name: 'request_persons_sizes_before',
      outputTable: 'request_touched',
      sql: `CREATE OR REPLACE TEMP TABLE request_touched AS
SELECT p.person_id FROM persons p JOIN request_links l ON p.uid = l.a_uid AND p.feed = l.feed UNION SELECT person_id FROM request_links`,
    },
    {
      name: 'request_persons',
      outputTable: 'persons',
      sql: `UPDATE persons SET person_id = l.person_id FROM request_links l WHERE persons.uid = l.a_uid AND persons.feed = l.feed`,
    },
    {
      name: 'request_cluster_sizes',
      outputTable: 'persons',
      sql: `UPDATE persons SET cluster_size = c.n
FROM (SELECT person_id, count(*)::INTEGER AS n FROM persons WHERE person_id IN (SELECT person_id FROM request_touched) GROUP BY person_id) c
WHERE persons.person_id = c.person_id`,
    },
  ];
}

/** The links in person_links (basis 'request_id', kept, linked), explained in English and Chinese. */
export function requestLinksPersonLinksStage(): Stage {
  const p = REQUEST_LINK_PROBABILITY;
  const w = Math.round(Math.log2(p / (1 - p)) * 100) / 100;
  return {
    name: 'request_person_links',
    outputTable: 'person_links',
    sql: `INSERT INTO person_links BY NAME
SELECT l.a_key AS mention_key_l, l.r_key AS mention_key_r, l.a_uid AS uid_l, l.r_uid AS uid_r, l.feed AS feed_l, 'registry' AS feed_r,
  ${w}::DOUBLE AS match_weight, ${p}::DOUBLE AS match_probability, 'linked' AS match_class, true AS kept,
  [{'comparison': 'request_id', 'level': 'answer to request ' || l.request_id, 'level_zh': '信息查询答复（查询编号 ' || l.request_id || '）', 'weight': ${w}::DOUBLE}] AS explanation,
  'request_id: answer to request ' || l.request_id || ' (+${w})' AS explanation_text, 'request_id' AS basis
FROM request_links l
ORDER BY l.a_key`,
  };
}

/**
 * An answer row the request links is about the requested person: a name-only link of the same row
 * (a guess from the name alone) gives way, so the row has one explanation and one person.
 */
export function requestSupersedesNameOnlyStage(): Stage {
  return {
    name: 'request_supersedes_name_only',
    outputTable: 'person_links',
    sql: `DELETE FROM person_links WHERE basis = 'name_only' AND EXISTS (
  SELECT 1 FROM request_links l WHERE (l.a_uid = person_links.uid_l AND l.feed = person_links.feed_l) OR (l.a_uid = person_links.uid_r AND l.feed = person_links.feed_r))`,
  };
}

/** Whether the store has query lists (exchange_requests, migration 9; a bare linkage database has none). */
export async function hasExchangeRequests(runner: StageRunner): Promise<boolean> {
  const table = await runner.one<{ n: number }>({
    name: 'exchange_requests_table',
    sql: `SELECT count(*)::DOUBLE AS n FROM duckdb_tables() WHERE table_name = 'exchange_requests' AND NOT temporary`,
  });
  if (!table.n) return false;
  return (await runner.one<{ n: number }>({ name: 'exchange_requests_count', sql: `SELECT count(*)::DOUBLE AS n FROM exchange_requests` })).n > 0;
}
