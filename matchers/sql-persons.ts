// SQL generation, part 4: person linkage's own statements around the engine (the mentions' labels, persons,
// person_links, match_runs, the evaluation after clustering). Pure: each function returns a Stage;
// identity.ts runs them. The mentions table itself is built by mentions.ts.
import { quoteIdent, lit } from '../pipeline/store/index.js';
import { levelIndices, type LinkageSettings } from './settings.js';
import type { Stage } from './stage.js';

/** The mentions with their true identity (`true_label`) from a table of (mention_key, label): for evaluation only. */
export function labelledMentionsStage(labelsTable: string): Stage {
  return {
    name: 'mentions_labels',
    outputTable: 'mentions',
    sql: `CREATE OR REPLACE TABLE mentions AS SELECT m.*, lb.label AS true_label FROM mentions m LEFT JOIN ${quoteIdent(labelsTable)} lb USING (mention_key)`,
  };
}

/**
 * One row per mention with its person: person_id is a hash of the smallest mention_key of the cluster
 * (stable while the members are). A hash, not the key itself: the key names a feed, and a person id
 * (flags.child_person_id, in files and on screens) must not tell that the person has an HIV or a
 * criminal record (RULES.md §4).
 */
export function personsStage(prefix: string): Stage {
  return {
    name: 'persons',
    outputTable: 'persons',
    sql: `CREATE OR REPLACE TABLE persons AS
SELECT m.uid, m.mention_key, m.feed, m.role, m.batch_id, m.src_row,
  'P' || left(md5(min(m.mention_key) OVER (PARTITION BY c.cluster_id)), 15) AS person_id, c.cluster_size
FROM mentions m JOIN ${quoteIdent(prefix + 'clusters')} c ON c.uid = m.uid AND c.source = m.feed`,
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
JOIN mentions ml ON ml.uid = p.uid_l AND ml.feed = p.src_l
JOIN mentions mr ON mr.uid = p.uid_r AND mr.feed = p.src_r
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

/** Pairs after clustering against mentions.true_label: true pairs (t), pairs in one person (l), both (tp). */
export function clusterEvaluationStage(): Stage {
  return {
    name: 'cluster_evaluation',
    sql: `WITH j AS (SELECT p.person_id, m.true_label FROM persons p JOIN mentions m USING (uid, feed))
SELECT (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n FROM j WHERE true_label IS NOT NULL GROUP BY true_label))::DOUBLE AS t,
  (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n FROM j WHERE true_label IS NOT NULL GROUP BY person_id))::DOUBLE AS l,
  (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n FROM j WHERE true_label IS NOT NULL GROUP BY person_id, true_label))::DOUBLE AS tp`,
  };
}
