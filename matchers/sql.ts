// SQL generation from linkage settings. Every function returns text; nothing here touches a database.
import { ident } from '../pipeline/store/db.js';
import { levelIndices, type BlockingRule, type ComparisonSettings, type KeyRule, type LinkageSettings } from './settings.js';

/** Table names used by one run, all under the caller's prefix. */
export interface TableNames {
  nodes: string;
  candidates: string;
  vectors: string;
  pairs: string;
  explanations: string;
  links: string;
  clusters: string;
}

export function tableNames(prefix: string): TableNames {
  const t = (s: string) => ident(prefix + s);
  return {
    nodes: t('nodes'),
    candidates: t('candidates'),
    vectors: t('comparison_vectors'),
    pairs: t('pairs'),
    explanations: t('match_explanations'),
    links: t('links'),
    clusters: t('clusters'),
  };
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

/** Creates the nodes table: internal integer id ordered by (source, uid), source, uid, term frequencies, all input columns. */
export function nodesSql(s: LinkageSettings, inputTable: string, nodes: string): string {
  const src = s.sourceColumn ? `CAST(${ident(s.sourceColumn)} AS VARCHAR)` : 'NULL::VARCHAR';
  const uid = ident(s.uniqueIdColumn);
  const tf = tfColumns(s)
    .map(
      ({ column, tfCol }) =>
        `CASE WHEN ${ident(column)} IS NULL THEN NULL ELSE (count(*) OVER (PARTITION BY ${ident(column)}))::DOUBLE / count(${ident(column)}) OVER () END AS ${tfCol}`,
    )
    .join(', ');
  return `CREATE OR REPLACE TABLE ${nodes} AS
SELECT (row_number() OVER (ORDER BY ${src}, ${uid}))::INTEGER AS __rid, ${src} AS __src, ${uid} AS __uid${tf ? ', ' + tf : ''}, *
FROM ${inputTable}`;
}

/**
 * Candidate pairs from the blocking rules: rule i excludes pairs any earlier rule produced (Splink's scheme).
 * With a bucket: the key rules read their keys from `bucket.keys` (one bucket's share of bucketKeysSql), and
 * the condition rules run in bucket 0 only (see compareCandidates).
 */
export function blockingSql(s: LinkageSettings, nodes: string, candidates: string, bucket?: { index: number; keys: string }): string {
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

/** The keys of key rule `index` for every node (non-null). */
const ruleKeysSql = (nodes: string, rule: KeyRule) =>
  `SELECT __rid, __src, __k FROM (SELECT __rid, __src, unnest(${rule.keys}) AS __k FROM ${nodes}) WHERE __k IS NOT NULL`;

/**
 * Every key rule's keys of every node with the bucket of `count` each key hashes into: computed once and
 * shared out by bucket, so that a block (and its size guard) stays whole in one bucket.
 */
export function bucketKeysSql(s: LinkageSettings, nodes: string, count: number): string {
  const parts = s.blockingRules.flatMap((rule, i) => (typeof rule === 'string' ? [] : [`SELECT ${i} AS rule, * FROM (${ruleKeysSql(nodes, rule)})`]));
  if (!parts.length) return `SELECT 0 AS rule, __rid, __src, NULL::VARCHAR AS __k, 0 AS bucket FROM ${nodes} WHERE FALSE`;
  return `SELECT *, (hash(__k) % ${count})::INTEGER AS bucket FROM (${parts.join(' UNION ALL ')})`;
}

/**
 * Pairs sharing a generated key (each pair once), with the rule's optional extra condition. `keysFrom`: a
 * table of (rule, __rid, __src, __k) to read the keys from instead of computing them.
 */
export function keyRulePairsSql(s: LinkageSettings, nodes: string, rule: KeyRule, matchKey: number, keysFrom?: string): string {
  const ab = pairFilter(s).replace(/\bl\./g, 'a.').replace(/\br\./g, 'b.');
  const keys = keysFrom ? `SELECT __rid, __src, __k FROM ${keysFrom} WHERE rule = ${matchKey}` : ruleKeysSql(nodes, rule);
  const kept = rule.maxBlockSize
    ? `SELECT * FROM k0 WHERE __k NOT IN (SELECT __k FROM k0 GROUP BY __k HAVING count(*) > ${rule.maxBlockSize})`
    : 'SELECT * FROM k0';
  const pairs = `SELECT DISTINCT a.__rid AS rid_l, b.__rid AS rid_r FROM k AS a JOIN k AS b ON a.__k = b.__k AND ${ab}`;
  const body = rule.where
    ? `SELECT p.rid_l, p.rid_r, ${matchKey} AS match_key FROM kp AS p JOIN ${nodes} AS l ON l.__rid = p.rid_l JOIN ${nodes} AS r ON r.__rid = p.rid_r WHERE ${rule.where}`
    : `SELECT rid_l, rid_r, ${matchKey} AS match_key FROM kp`;
  return `SELECT * FROM (WITH k0 AS (${keys}), k AS (${kept}), kp AS (${pairs}) ${body})`;
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
export function gammaCase(c: ComparisonSettings): string {
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

/** Whether a rule mentions any of a comparison's columns as l.col / r.col (then EM cannot train it on that rule's pairs). */
export function ruleUsesComparison(rule: BlockingRule, c: ComparisonSettings): boolean {
  return c.columns.some((col) => {
    const esc = col.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const qualified = new RegExp(`\\b[lr]\\s*\\.\\s*("${esc}"|${esc}\\b)`, 'i');
    if (typeof rule === 'string') return qualified.test(rule);
    return new RegExp(`(^|[^A-Za-z0-9_."])("${esc}"|${esc})\\b`, 'i').test(rule.keys) || (rule.where != null && qualified.test(rule.where));
  });
}

/** A numeric literal DuckDB reads exactly as a DOUBLE. */
export function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`non-finite parameter ${x}`);
  return `${x.toPrecision(17)}::DOUBLE`;
}
