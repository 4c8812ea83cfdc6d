// SQL generation, part 4: person linkage's own statements around the engine (the mentions' labels, persons,
// person_links, match_runs, the evaluation after clustering). Pure: each function returns a Stage;
// identity.ts runs them. The mentions table itself is built by mentions.ts.
import { quoteIdent, lit } from '../pipeline/store/index.js';
import { levelIndices, type KeyRule, type LinkageSettings } from './settings.js';
import { oneSideSql } from './sql.js';
import type { Stage } from './stage.js';

/** The feeds on either side of the link-only step (FEED_SPECS: `linkOnly`), as SQL text lists. */
export interface InterestFeeds {
  /** Feeds whose people are persons of interest: deduplicated by the engine. */
  anchors: string[];
  /** Large rosters linked to the persons of interest only (link-only). */
  linkOnly: string[];
}

const inList = (xs: string[]) => (xs.length ? xs.map(lit).join(', ') : 'NULL');

/**
 * Persons of interest, linked to anchors (issue 14; Splink's link_only idea): which mentions the engine
 * deduplicates. Every mention of an anchor feed, and of a link-only feed (the school registry) only the rows
 * one of whose people could link to an anchor: a mention whose ID equals an anchor's (a hash join, first),
 * else one that shares a key of one of the settings' key blocking rules with an anchor and meets the rule's
 * condition (the pairs the engine itself would block; each rule only for the mentions no earlier test kept).
 * A row is kept whole (the student whose guardian links to a subject, the guardians of a registered child's
 * record), so that a student delivered twice is still one person. Everything else is never compared: no
 * block, no vector, no training pair. Writes `interest_hits` (feed, uid of the link-only mentions kept and
 * the test that kept them: 'id' or the rule's index) and `mention_interest` (feed, uid of every mention the
 * engine reads).
 */
export function interestStages(s: LinkageSettings, feeds: InterestFeeds): Stage[] {
  const anchor = `SELECT * FROM mentions WHERE feed IN (${inList(feeds.anchors)})`;
  const link = `SELECT * FROM mentions WHERE feed IN (${inList(feeds.linkOnly)})`;
  const rest = `SELECT r.* FROM (${link}) r ANTI JOIN interest_hits h ON h.uid = r.uid AND h.feed = r.feed`;
  const stages: Stage[] = [
    {
      name: 'interest_id',
      outputTable: 'interest_hits',
      sql: `CREATE OR REPLACE TABLE interest_hits AS
SELECT r.feed, r.uid, 'id' AS test FROM (${link}) r SEMI JOIN (SELECT DISTINCT id FROM (${anchor}) WHERE id IS NOT NULL) a ON a.id = r.id
WHERE r.id IS NOT NULL`,
    },
  ];
  s.blockingRules.forEach((rule, i) => {
    if (typeof rule === 'string') throw new Error('person linkage: the link-only step needs key blocking rules');
    stages.push({ name: `interest_rule_${i}`, outputTable: 'interest_hits', sql: `INSERT INTO interest_hits ${ruleHitsSql(rule, i, anchor, rest)}` });
  });
  stages.push({
    name: 'interest',
    outputTable: 'mention_interest',
    sql: `CREATE OR REPLACE TABLE mention_interest AS
SELECT feed, uid FROM mentions WHERE feed IN (${inList(feeds.anchors)})
UNION ALL
SELECT m.feed, m.uid FROM (${link}) m SEMI JOIN (SELECT DISTINCT h.feed, l.batch_id, l.src_row FROM interest_hits h JOIN mentions l ON l.uid = h.uid AND l.feed = h.feed) k
  ON k.feed = m.feed AND k.batch_id = m.batch_id AND k.src_row = m.src_row`,
  });
  return stages;
}

/**
 * The link-only mentions (of `rest`) sharing a key of `rule` with an anchor, in a block no larger than the
 * rule allows (counted over both sides) and, with the rule's condition, meeting it (l: the anchor, r: the
 * link-only mention; the identity rules' conditions are symmetric). With oneSide, one of the two meets it, and
 * only the keys of such mentions are looked for among the others (the millions of school records with a valid ID
 * are not joined with each other's keys).
 */
function ruleHitsSql(rule: KeyRule, index: number, anchor: string, rest: string): string {
  // The columns the rule's condition reads travel with the keys: the pairs need no join back to the mentions.
  const cols = rule.where ? [...new Set([...rule.where.matchAll(/\b[lr]\.("?)([A-Za-z_][A-Za-z0-9_]*)\1/g)].map((m) => m[2]!))] : [];
  const carried = cols.map((c) => `, ${quoteIdent(c)}`).join('');
  const keys = (from: string, one: boolean) =>
    `SELECT feed, uid, __k, ${one} AS __one${carried} FROM (SELECT feed, uid, unnest(${rule.keys}) AS __k${carried} FROM (${from})) WHERE __k IS NOT NULL`;
  // With oneSide, the keys of the mentions meeting it are computed once and kept (a1, b1; they were computed twice).
  // For the one-edit rule they are most of its cost (bidui_id_one_edits, ~15 µs a bad ID): 13 of the step's 26 s on
  // two million mentions, 12.7 s once computed once.
  const meets = (from: string, yes: boolean) => `SELECT * FROM (${from}) WHERE ${yes ? rule.oneSide : `NOT ${oneSideSql(rule)}`}`;
  const oneKeys = rule.oneSide
    ? `a1 AS MATERIALIZED (${keys(meets(anchor, true), true)}),
b1 AS MATERIALIZED (${keys(meets(rest, true), true)}),
k1 AS (SELECT __k FROM a1 UNION SELECT __k FROM b1),\n`
    : '';
  const anchorKeys = rule.oneSide
    ? `SELECT * FROM a1 UNION ALL SELECT * FROM (${keys(meets(anchor, false), false)}) SEMI JOIN k1 USING (__k)`
    : keys(anchor, true);
  const restKeys = rule.oneSide ? `SELECT * FROM b1 UNION ALL ${keys(meets(rest, false), false)}` : keys(rest, true);
  const size = rule.maxBlockSize ? `WHERE ka.na + kb.nb <= ${rule.maxBlockSize}` : '';
  const cond = [rule.where, rule.oneSide ? 'l.__one OR r.__one' : null].filter(Boolean).map((c) => `(${c})`).join(' AND ');
  const [r, l] = ['(SELECT * FROM kb0 SEMI JOIN kc USING (__k))', '(SELECT * FROM ka0 SEMI JOIN kc USING (__k))'];
  // Only oneSide (no where): a link-only mention meeting it needs any anchor of its key, else an anchor meeting it.
  // Two semi joins on the key, not the pairs: the county + reading rule has no block size, and at province size its
  // pairs (every school record of a common name beside every anchor of it) did not fit a 2.5 GB memory limit.
  const pairs = !rule.where && rule.oneSide
    ? `SELECT DISTINCT feed, uid FROM (SELECT r.feed, r.uid FROM ${r} AS r SEMI JOIN ${l} AS l USING (__k) WHERE r.__one
        UNION ALL SELECT r.feed, r.uid FROM ${r} AS r SEMI JOIN (SELECT __k FROM ${l} WHERE __one) AS l USING (__k))`
    : cond
      ? `SELECT DISTINCT r.feed, r.uid FROM ${r} AS r JOIN ${l} AS l USING (__k) WHERE ${cond}`
      : `SELECT DISTINCT kb0.feed, kb0.uid FROM kb0 SEMI JOIN kc USING (__k)`;
  return `WITH ${oneKeys}ka0 AS (${anchorKeys}),
ka AS (SELECT __k, count(*) AS na FROM ka0 GROUP BY __k),
kb0 AS (SELECT b.* FROM (${restKeys}) b SEMI JOIN ka USING (__k)),
kb AS (SELECT __k, count(*) AS nb FROM kb0 GROUP BY __k),
kc AS (SELECT __k FROM ka JOIN kb USING (__k) ${size})
SELECT feed, uid, ${lit(String(index))} AS test FROM (${pairs})`;
}

/** The mentions with their true identity (`true_label`) from a table of (mention_key, label): for evaluation only. */
export function labelledMentionsStage(labelsTable: string): Stage {
  return {
    name: 'mentions_labels',
    outputTable: 'mentions',
    sql: `CREATE OR REPLACE TABLE mentions AS SELECT m.*, lb.label AS true_label FROM mentions m LEFT JOIN ${quoteIdent(labelsTable)} lb USING (mention_key)`,
  };
}

/** The person id of a person whose smallest mention_key is `smallestKey` (SQL); see personsStage. */
export const personIdSql = (smallestKey: string) => `'P' || left(md5(${smallestKey}), 15)`;

/**
 * One row per mention with its person: person_id is a hash of the smallest mention_key of the cluster
 * (stable while the members are). A hash, not the key itself: the key names a feed, and a person id
 * (flags.child_person_id, in files and on screens) must not tell that the person has an HIV or a
 * criminal record (RULES.md §4). A mention's uid names it across feeds (mentions.ts). A mention the engine did not read (a link-only mention that could
 * link to no person of interest, interestStages) is a person of its own.
 */
export function personsStage(prefix: string): Stage {
  return {
    name: 'persons',
    outputTable: 'persons',
    sql: `CREATE OR REPLACE TABLE persons AS
SELECT m.uid, m.mention_key, m.feed, m.role, m.batch_id, m.src_row,
  ${personIdSql('min(m.mention_key) OVER (PARTITION BY c.cluster_id)')} AS person_id, c.cluster_size
FROM mentions m JOIN ${quoteIdent(prefix + 'clusters')} c ON c.uid = m.uid
UNION ALL
SELECT m.uid, m.mention_key, m.feed, m.role, m.batch_id, m.src_row, ${personIdSql('m.mention_key')} AS person_id, 1 AS cluster_size
FROM mentions m ANTI JOIN ${quoteIdent(prefix + 'clusters')} c ON c.uid = m.uid`,
  };
}

/**
 * Linked and review pairs with their explanation: for each comparison its level (`level`: the settings'
 * label; `level_zh`: the caseworker's Chinese label beside it in the settings) and weight (bits), as a list
 * and as text.
 */
export function personLinksStage(s: LinkageSettings, prefix: string): Stage {
  const pairs = quoteIdent(prefix + 'pairs');
  const links = quoteIdent(prefix + 'links');
  const items = s.comparisons.map((c) => {
    const idx = levelIndices(c);
    const gamma = `p.${quoteIdent('gamma_' + c.name)}`;
    const label = `CASE ${gamma} ${c.levels.map((l, i) => `WHEN ${idx[i]} THEN ${lit(l.label)}`).join(' ')} END`;
    const labelZh = `CASE ${gamma} ${c.levels.map((l, i) => `WHEN ${idx[i]} THEN ${lit(l.labelZh)}`).join(' ')} END`;
    const w = `round(p.${quoteIdent('w_' + c.name)} + p.${quoteIdent('tfw_' + c.name)}, 2)`;
    return { c, label, labelZh, w };
  });
  const struct = `[${items.map(({ c, label, labelZh, w }) => `{'comparison': ${lit(c.name)}, 'level': ${label}, 'level_zh': ${labelZh}, 'weight': ${w}}`).join(', ')}]`;
  const text = items.map(({ c, label, w }) => `${lit(c.name + ': ')} || ${label} || ' (' || CASE WHEN ${w} >= 0 THEN '+' ELSE '' END || ${w} || ')'`).join(` || '; ' || `);
  const sql = `CREATE OR REPLACE TABLE person_links AS
SELECT ml.mention_key AS mention_key_l, mr.mention_key AS mention_key_r, p.uid_l, p.uid_r, p.src_l AS feed_l, p.src_r AS feed_r,
  p.match_weight, p.match_probability, p.match_class,
  (k.rid_l IS NOT NULL) AS kept,
  ${struct} AS explanation,
  ${text} AS explanation_text,
  -- 'model': the engine's link; 'name_only': a guardian linked by name alone (name-only.ts).
  'model' AS basis
FROM ${pairs} p
JOIN mentions ml ON ml.uid = p.uid_l
JOIN mentions mr ON mr.uid = p.uid_r
LEFT JOIN ${links} k ON k.rid_l = p.rid_l AND k.rid_r = p.rid_r
WHERE p.match_class <> 'not_linked'`;
  return { name: 'person_links', outputTable: 'person_links', sql };
}

/** Linked pairs kept by the one-to-one rule (linked), review pairs (review) and persons. */
export function personCountsStage(): Stage {
  return {
    name: 'person_counts',
    sql: `SELECT (SELECT count(*) FROM person_links WHERE match_class = 'linked' AND kept)::DOUBLE AS linked,
        (SELECT count(*) FROM person_links WHERE match_class = 'review')::DOUBLE AS review,
        (SELECT count(DISTINCT person_id) FROM persons)::DOUBLE AS persons`,
  };
}

/** The run's record in match_runs (created when missing): settings with the parameters used, counts and timings, as JSON. */
export function matchRunStages(run: { runId: string; train: boolean; settings: unknown; counts: unknown; timings: unknown }): Stage[] {
  return [
    {
      name: 'match_runs_table',
      outputTable: 'match_runs',
      sql: `CREATE TABLE IF NOT EXISTS match_runs (run_id VARCHAR PRIMARY KEY, created_at TIMESTAMP, trained BOOLEAN, settings JSON, counts JSON, timings JSON)`,
    },
    {
      name: 'match_run',
      outputTable: 'match_runs',
      sql: `INSERT OR REPLACE INTO match_runs VALUES (${lit(run.runId)}, now(), ${run.train}, ${lit(JSON.stringify(run.settings))}, ${lit(JSON.stringify(run.counts))}, ${lit(JSON.stringify(run.timings))})`,
    },
  ];
}

/**
 * Pairs after clustering against mentions.true_label: true pairs (t), pairs in one person (l), both (tp). Pairs
 * of two mentions of link-only feeds (`linkOnly`) are not counted: the linkage links those rosters to the
 * persons of interest, not among themselves (interestStages).
 */
export function clusterEvaluationStage(linkOnly: string[] = []): Stage {
  // Pairs of a group of n mentions, k of them link-only, with at least one person of interest: C(n,2) - C(k,2).
  const pairs = (group: string) =>
    `SELECT sum(n * (n - 1) / 2 - k * (k - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n, count(*) FILTER (WHERE link)::DOUBLE AS k FROM j WHERE true_label IS NOT NULL GROUP BY ${group})`;
  return {
    name: 'cluster_evaluation',
    sql: `WITH j AS (SELECT p.person_id, m.true_label, m.feed IN (${inList(linkOnly)}) AS link FROM persons p JOIN mentions m USING (uid, feed))
SELECT (${pairs('true_label')})::DOUBLE AS t, (${pairs('person_id')})::DOUBLE AS l, (${pairs('person_id, true_label')})::DOUBLE AS tp`,
  };
}
