// SQL generation from linkage settings, part 1: the pieces every stage shares (table names, the pair filter,
// level CASEs, weights, numbers) and the stages up to the comparison vectors (nodes, blocking, vectors).
// Every function returns text or a Stage; nothing here touches a database (stage.ts runs the stages).
import { quoteIdent } from '../pipeline/store/index.js';
import { M_FLOOR, type LevelParams } from './params.js';
import { levelIndices, type BlockingRule, type ComparisonSettings, type KeyRule, type LinkageSettings } from './settings.js';
import type { Stage } from './stage.js';

/** Table names used by one run, all under the caller's prefix (quoted identifiers). */
export interface TableNames {
  nodes: string;
  candidates: string;
  vectors: string;
  pairs: string;
  explanations: string;
  links: string;
  clusters: string;
  /** Temporary: the record sample u is estimated on. */
  uSample: string;
  /** Temporary: comparison-vector patterns and their counts for one EM session. */
  emPairs: string;
  emPatterns: string;
  /** Temporary: the graph and labels of connected-components rounds. */
  ccEdges: string;
  ccLabels: string;
  ccNext: string;
}

export function tableNames(prefix: string): TableNames {
  const t = (s: string) => quoteIdent(prefix + s);
  return {
    nodes: t('nodes'),
    candidates: t('candidates'),
    vectors: t('comparison_vectors'),
    pairs: t('pairs'),
    explanations: t('match_explanations'),
    links: t('links'),
    clusters: t('clusters'),
    uSample: t('nodes__u_sample'),
    emPairs: t('em_pairs'),
    emPatterns: t('em_patterns'),
    ccEdges: t('cc_edges'),
    ccLabels: t('cc_labels'),
    ccNext: t('cc_next'),
  };
}

/** `SELECT count(*)` of a table as a DOUBLE `n`. */
export function countStage(name: string, table: string): Stage {
  return { name, sql: `SELECT count(*)::DOUBLE AS n FROM ${table}` };
}

/** Drops tables (temporary ones a stage left). */
export function dropStage(name: string, ...tables: string[]): Stage {
  return { name, sql: tables.map((t) => `DROP TABLE IF EXISTS ${t}`).join('; ') };
}

/** Condition restricting a self-join on the nodes table to the pairs the link type allows (each pair once). */
export function pairFilter(s: LinkageSettings): string {
  switch (s.linkType) {
    case 'dedupe_only':
    case 'link_and_dedupe':
      return 'l.__rid < r.__rid';
    case 'link_only':
      return 'l.__src < r.__src';
  }
}

/** Distinct columns that carry a term-frequency adjustment, with the internal column holding their frequency. */
export function tfColumns(s: LinkageSettings): { column: string; tfCol: string }[] {
  const cols: string[] = [];
  for (const c of s.comparisons) for (const l of c.levels) if (l.tfAdjustColumn && !cols.includes(l.tfAdjustColumn)) cols.push(l.tfAdjustColumn);
  return cols.map((column, i) => ({ column, tfCol: `__tf${i}` }));
}

/**
 * Creates the nodes table: internal integer id ordered by (source, uid), source, uid, term frequencies, all input
 * columns. The id and each frequency are computed on their own narrow columns and joined back: a window function
 * over the whole input (`row_number() OVER (ORDER BY …)`, `count(*) OVER (PARTITION BY …)`) sorts every column of
 * every row: 15 s of 19 on two million mentions, where copying them takes 4. The table is not sorted by __rid either
 * (3.5 s more): what reads it joins or groups by __rid, and samples by its hash.
 */
export function nodesStage(s: LinkageSettings, inputTable: string, nodes: string): Stage {
  const src = s.sourceColumn ? `CAST(${quoteIdent(s.sourceColumn)} AS VARCHAR)` : 'NULL::VARCHAR';
  const uid = quoteIdent(s.uniqueIdColumn);
  const tfs = tfColumns(s).map(({ column, tfCol }, i) => ({ column: quoteIdent(column), tfCol, cte: `__tf_values${i}` }));
  const tfCtes = tfs.map(
    ({ column, tfCol, cte }) => `${cte} AS (
  SELECT ${column} AS __value, count(*)::DOUBLE / sum(count(*)) OVER () AS ${tfCol} FROM ${inputTable} WHERE ${column} IS NOT NULL GROUP BY ${column}
)`,
  );
  const sql = `CREATE OR REPLACE TABLE ${nodes} AS
WITH __ids AS (
  SELECT (row_number() OVER (ORDER BY __src, __uid))::INTEGER AS __rid, __src, __uid FROM (SELECT ${src} AS __src, ${uid} AS __uid FROM ${inputTable})
)${tfCtes.map((c) => ',\n' + c).join('')}
SELECT ids.__rid, ids.__src, ids.__uid${tfs.map(({ tfCol, cte }) => `, ${cte}.${tfCol}`).join('')}, i.*
FROM ${inputTable} i
JOIN __ids ids ON ids.__src IS NOT DISTINCT FROM ${s.sourceColumn ? `CAST(i.${quoteIdent(s.sourceColumn)} AS VARCHAR)` : 'NULL::VARCHAR'} AND ids.__uid = i.${uid}
${tfs.map(({ column, cte }) => `LEFT JOIN ${cte} ON ${cte}.__value = i.${column}`).join('\n')}`;
  // The input appears three times (ids, frequencies, rows). As one common subplan, DuckDB materialised every
  // column of every input row before reading two of them twice (the persons of interest at province size: 74 of the
  // statement's 169 s of operator time); evaluated three times, the two narrow reads cost little.
  return { name: 'nodes', outputTable: nodes, sql, disabledOptimizers: ['common_subplan'] };
}

/** The number of nodes (n) and of duplicate (source, uid) among them (dupes: must be 0). */
export function nodesCheckStage(nodes: string): Stage {
  return {
    name: 'nodes_check',
    sql: `SELECT count(*)::BIGINT::DOUBLE AS n, (count(*) - count(DISTINCT (__src, __uid)))::DOUBLE AS dupes FROM ${nodes}`,
  };
}

/**
 * The record counts all possible pairs follow from (allPairs): one row, the number of nodes, or with
 * link_only one row per source.
 */
export function pairSpaceStage(s: LinkageSettings, nodes: string): Stage {
  return {
    name: 'pair_space',
    sql: s.linkType !== 'link_only' ? `SELECT count(*)::DOUBLE AS n FROM ${nodes}` : `SELECT count(*)::DOUBLE AS n FROM ${nodes} GROUP BY __src`,
  };
}

/** The number of record pairs the link type allows, from pairSpaceStage's rows. */
export function allPairs(s: LinkageSettings, rows: { n: number }[]): number {
  if (s.linkType !== 'link_only') {
    const n = rows[0]!.n;
    return (n * (n - 1)) / 2;
  }
  let sum = 0;
  let sq = 0;
  for (const r of rows) {
    sum += r.n;
    sq += r.n * r.n;
  }
  return (sum * sum - sq) / 2;
}

/**
 * Candidate pairs from the blocking rules: rule i excludes pairs any earlier rule produced (Splink's scheme).
 * With a bucket: the key rules read their keys from `bucket.keys` (one bucket's share of bucketKeysSql), and
 * the condition rules run in bucket 0 only (see compareCandidates).
 */
export function blockingStage(s: LinkageSettings, nodes: string, candidates: string, bucket?: { index: number; keys: string }): Stage {
  return { name: 'blocking', outputTable: candidates, sql: blockingSql(s, nodes, candidates, bucket) };
}

function blockingSql(s: LinkageSettings, nodes: string, candidates: string, bucket?: { index: number; keys: string }): string {
  const rules: BlockingRule[] = s.blockingRules.length ? s.blockingRules : ['TRUE'];
  const anyKeys = rules.some((r) => typeof r !== 'string');
  const parts: string[] = [];
  rules.forEach((rule, i) => {
    if (typeof rule !== 'string') {
      parts.push(keyRulePairsSql(s, nodes, rule, i, bucket?.keys));
      return;
    }
    if (bucket && bucket.index !== 0) return;
    const earlier = rules
      .slice(0, i)
      .filter((p): p is string => typeof p === 'string')
      .map((p) => `NOT coalesce((${p}), FALSE)`)
      .join(' AND ');
    parts.push(`SELECT l.__rid AS rid_l, r.__rid AS rid_r, ${i} AS match_key
FROM ${nodes} AS l JOIN ${nodes} AS r ON (${rule}) AND ${pairFilter(s)}${earlier ? ' AND ' + earlier : ''}`);
  });
  if (!parts.length) return `CREATE OR REPLACE TABLE ${candidates} AS SELECT __rid AS rid_l, __rid AS rid_r, 0 AS match_key FROM ${nodes} WHERE FALSE`;
  if (!anyKeys) return `CREATE OR REPLACE TABLE ${candidates} AS\n${parts.join('\nUNION ALL\n')}`;
  // Key rules cannot be negated per pair cheaply: a pair produced by several rules keeps the first.
  return `CREATE OR REPLACE TABLE ${candidates} AS
SELECT rid_l, rid_r, min(match_key) AS match_key FROM (
${parts.join('\nUNION ALL\n')}
) GROUP BY rid_l, rid_r`;
}

/**
 * The keys of key rule `rule` for every node (non-null), with __one: the node meets the rule's oneSide (true without
 * one). With oneSide, only the keys that some node meeting it has: a semi-join on those few keys, so the keys of
 * every other node stream past and are not kept.
 */
const ruleKeysSql = (nodes: string, rule: KeyRule) => {
  const keys = (from: string, one: boolean) =>
    `SELECT __rid, __src, __k, ${one} AS __one FROM (SELECT __rid, __src, unnest(${rule.keys}) AS __k FROM ${from}) WHERE __k IS NOT NULL`;
  if (!rule.oneSide) return keys(nodes, true);
  // The keys of the nodes meeting oneSide are computed once and kept (they were computed twice: for the key set,
  // then among every node's keys). For the one-edit rule they are the costly part: bidui_id_one_edits, ~15 µs a bad ID.
  return `WITH __one_keys AS MATERIALIZED (${keys(`(SELECT * FROM ${nodes} WHERE ${rule.oneSide})`, true)})
SELECT * FROM __one_keys
UNION ALL
SELECT * FROM (${keys(`(SELECT * FROM ${nodes} WHERE NOT ${oneSideSql(rule)})`, false)}) SEMI JOIN (SELECT DISTINCT __k FROM __one_keys) USING (__k)`;
};

/** Whether a record meets key rule `rule`'s oneSide, as SQL over its columns (true when the rule has none). */
export const oneSideSql = (rule: KeyRule) => (rule.oneSide ? `coalesce((${rule.oneSide}), false)` : 'true');

/**
 * Every key rule's keys of every node with the bucket of `count` each key hashes into: computed once and
 * shared out by bucket, so that a block (and its size guard) stays whole in one bucket.
 */
export function bucketKeysSql(s: LinkageSettings, nodes: string, count: number): string {
  const parts = s.blockingRules.flatMap((rule, i) => (typeof rule === 'string' ? [] : [`SELECT ${i} AS rule, * FROM (${ruleKeysSql(nodes, rule)})`]));
  if (!parts.length) return `SELECT 0 AS rule, __rid, __src, NULL::VARCHAR AS __k, true AS __one, 0 AS bucket FROM ${nodes} WHERE FALSE`;
  return `SELECT *, (hash(__k) % ${count})::INTEGER AS bucket FROM (${parts.join(' UNION ALL ')})`;
}

/**
 * Pairs sharing a generated key (each pair once), with the rule's optional extra condition. `keysFrom`: a
 * table of (rule, __rid, __src, __k) to read the keys from instead of computing them.
 */
function keyRulePairsSql(s: LinkageSettings, nodes: string, rule: KeyRule, matchKey: number, keysFrom?: string): string {
  const ab = pairFilter(s).replace(/\bl\./g, 'a.').replace(/\br\./g, 'b.');
  const keys = keysFrom ? `SELECT __rid, __src, __k, __one FROM ${keysFrom} WHERE rule = ${matchKey}` : ruleKeysSql(nodes, rule);
  const kept = rule.maxBlockSize
    ? `SELECT * FROM k0 WHERE __k NOT IN (SELECT __k FROM k0 GROUP BY __k HAVING count(*) > ${rule.maxBlockSize})`
    : 'SELECT * FROM k0';
  const pairs = rule.oneSide ? oneSidePairsSql(ab) : `SELECT DISTINCT a.__rid AS rid_l, b.__rid AS rid_r FROM k AS a JOIN k AS b ON a.__k = b.__k AND ${ab}`;
  const body = rule.where
    ? `SELECT p.rid_l, p.rid_r, ${matchKey} AS match_key FROM kp AS p JOIN ${nodes} AS l ON l.__rid = p.rid_l JOIN ${nodes} AS r ON r.__rid = p.rid_r WHERE ${rule.where}`
    : `SELECT rid_l, rid_r, ${matchKey} AS match_key FROM kp`;
  return `SELECT * FROM (WITH k0 AS (${keys}), k AS (${kept}), kp AS (${pairs}) ${body})`;
}

/**
 * The pairs of a oneSide rule's blocks (table k: __rid, __src, __k, __one) with a node meeting oneSide on at least one
 * side, each once, ordered by the pair filter `ab` (over a. and b.). Only the nodes meeting oneSide probe: a self-join
 * of the whole blocks made every pair of namesakes in a county and then dropped all but a few (at province size
 * 202M pairs kept 7.7M for the county + reading rule, 158M kept 17M for the ID-segment rule). The second branch
 * orients a pair by `ab`, which must be a strict order (pairFilter's are): with a non-strict one a pair would be lost.
 */
function oneSidePairsSql(ab: string): string {
  const ba = ab.replace(/\ba\./g, '__x.').replace(/\bb\./g, 'a.').replace(/__x\./g, 'b.');
  return `SELECT DISTINCT rid_l, rid_r FROM (
  SELECT a.__rid AS rid_l, b.__rid AS rid_r FROM (SELECT * FROM k WHERE __one) AS a JOIN (SELECT * FROM k WHERE __one) AS b ON a.__k = b.__k AND ${ab}
  UNION ALL
  SELECT CASE WHEN ${ab} THEN a.__rid ELSE b.__rid END, CASE WHEN ${ab} THEN b.__rid ELSE a.__rid END
  FROM (SELECT * FROM k WHERE __one) AS a JOIN (SELECT * FROM k WHERE NOT __one) AS b ON a.__k = b.__k AND (${ab} OR ${ba})
)`;
}

/** Pairs satisfying one rule (for an EM training session). */
export function rulePairsSql(s: LinkageSettings, nodes: string, rule: BlockingRule): string {
  if (typeof rule !== 'string') return keyRulePairsSql(s, nodes, rule, 0);
  return `SELECT l.__rid AS rid_l, r.__rid AS rid_r, 0 AS match_key FROM ${nodes} AS l JOIN ${nodes} AS r ON (${rule}) AND ${pairFilter(s)}`;
}

/** A rule's text as shown in reports. */
export function ruleLabel(rule: BlockingRule): string {
  return typeof rule === 'string' ? rule : rule.name;
}

/** SQL CASE giving a comparison's level index (−1 for the null level). */
function gammaCase(c: ComparisonSettings): string {
  const idx = levelIndices(c);
  const whens = c.levels.map((l, i) => (l.sql.trim().toUpperCase() === 'ELSE' ? `ELSE ${idx[i]}` : `WHEN (${l.sql}) THEN ${idx[i]}`));
  return `CASE ${whens.join(' ')} END`;
}

export const gammaCol = (c: ComparisonSettings) => `gamma_${c.name}`;

/** Comparison vectors for every pair in `pairsFrom` (a table or sub-query with rid_l, rid_r, match_key), one statement. */
export function vectorsSelect(s: LinkageSettings, nodes: string, pairsFrom: string, withTf: boolean): string {
  const gammas = s.comparisons.map((c) => `(${gammaCase(c)})::TINYINT AS ${gammaCol(c)}`);
  const tf = withTf ? tfColumns(s).flatMap(({ tfCol }) => [`l.${tfCol} AS ${tfCol}_l`, `r.${tfCol} AS ${tfCol}_r`]) : [];
  return `SELECT c.rid_l, c.rid_r, c.match_key, ${[...gammas, ...tf].join(', ')}
FROM ${pairsFrom} AS c JOIN ${nodes} AS l ON l.__rid = c.rid_l JOIN ${nodes} AS r ON r.__rid = c.rid_r`;
}

/** Creates the comparison vectors of the candidates, with the term frequencies of both sides. */
export function vectorsStage(s: LinkageSettings, T: TableNames): Stage {
  return { name: 'comparison_vectors', outputTable: T.vectors, sql: `CREATE OR REPLACE TABLE ${T.vectors} AS ${vectorsSelect(s, T.nodes, T.candidates, true)}` };
}

/** The comparison vectors of every bucket (`source`: a query over their files), each pair once, and the candidates they hold. */
export function mergeVectorsStages(T: TableNames, source: string): Stage[] {
  return [
    {
      name: 'merge_vectors',
      outputTable: T.vectors,
      sql: `CREATE OR REPLACE TABLE ${T.vectors} AS
SELECT DISTINCT ON (rid_l, rid_r) * FROM (${source}) ORDER BY rid_l, rid_r, match_key`,
    },
    { name: 'merge_candidates', outputTable: T.candidates, sql: `CREATE OR REPLACE TABLE ${T.candidates} AS SELECT rid_l, rid_r, match_key FROM ${T.vectors}` },
  ];
}

/** Candidate pairs per blocking rule (k: the rule's index, n: its pairs). */
export function candidatesPerRuleStage(T: TableNames): Stage {
  return { name: 'candidates_per_rule', sql: `SELECT match_key AS k, count(*)::DOUBLE AS n FROM ${T.candidates} GROUP BY 1 ORDER BY 1` };
}

/** log2 Bayes-factor CASE for a comparison with the given level parameters (m floored at M_FLOOR). */
export function weightCase(c: ComparisonSettings, levels: LevelParams[]): string {
  const whens = levels.filter((l) => l.index >= 0).map((l) => `WHEN ${l.index} THEN ${num(Math.log2(Math.max(l.m!, M_FLOOR) / l.u!))}`);
  return `CASE ${gammaCol(c)} ${whens.join(' ')} ELSE 0::DOUBLE END`;
}

/** The match probability of a log2-odds expression (clamped so that pow cannot overflow). */
export const posterior = (logOdds: string) => `1.0 / (1.0 + pow(2.0, -greatest(least(${logOdds}, 1000.0), -1000.0)))`;

/** Whether a rule mentions any of a comparison's columns as l.col / r.col (then EM cannot train it on that rule's pairs). */
export function ruleUsesComparison(rule: BlockingRule, c: ComparisonSettings): boolean {
  return c.columns.some((col) => {
    const esc = col.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const qualified = new RegExp(`\\b[lr]\\s*\\.\\s*("${esc}"|${esc}\\b)`, 'i');
    if (typeof rule === 'string') return qualified.test(rule);
    const bare = new RegExp(`(^|[^A-Za-z0-9_."])("${esc}"|${esc})\\b`, 'i');
    return bare.test(rule.keys) || (rule.where != null && qualified.test(rule.where)) || (rule.oneSide != null && bare.test(rule.oneSide));
  });
}

/** A numeric literal DuckDB reads exactly as a DOUBLE. */
export function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`non-finite parameter ${x}`);
  return `${x.toPrecision(17)}::DOUBLE`;
}
