// SQL generation, part 3: the statements after estimation (scores, explanations, the one-to-one filter,
// clusters, evaluation against labels). Pure: each function returns a Stage; linkage.ts runs them.
import { quoteIdent, lit } from '../pipeline/store/index.js';
import { logit2, type TrainedParams } from './params.js';
import { gammaCol, num, pairFilter, posterior, tfColumns, weightCase, type TableNames } from './sql.js';
import type { LinkageSettings } from './settings.js';
import type { Stage } from './stage.js';

/** Term-frequency log2 adjustment for one comparison: log2(u_level / max(tf_l, tf_r)) on levels marked tfAdjustColumn. */
function tfWeightExpr(s: LinkageSettings, ci: number, params: TrainedParams): string {
  const c = s.comparisons[ci]!;
  const tfc = tfColumns(s);
  const parts: string[] = [];
  c.levels.forEach((l, li) => {
    if (!l.tfAdjustColumn || l.isNull) return;
    const lp = params.comparisons[ci]!.levels[li]!;
    const col = tfc.find((t) => t.column === l.tfAdjustColumn)!.tfCol;
    const w = l.tfAdjustWeight ?? 1;
    parts.push(
      `WHEN ${gammaCol(c)} = ${lp.index} AND greatest(${col}_l, ${col}_r) IS NOT NULL THEN ${num(w)} * log2(${num(lp.u!)} / greatest(${col}_l, ${col}_r))`,
    );
  });
  return parts.length ? `CASE ${parts.join(' ')} ELSE 0::DOUBLE END` : '0::DOUBLE';
}

/**
 * Every candidate pair scored: per comparison its weight (`w_<name>`) and term-frequency weight (`tfw_<name>`),
 * the match weight (prior + all of them), the probability and the class (linked / review / not_linked).
 */
export function scoreStage(s: LinkageSettings, params: TrainedParams, T: TableNames): Stage {
  const prior = logit2(params.lambda);
  const ws = s.comparisons.flatMap((c, ci) => [
    `${weightCase(c, params.comparisons[ci]!.levels)} AS "w_${c.name}"`,
    `${tfWeightExpr(s, ci, params)} AS "tfw_${c.name}"`,
  ]);
  const sum = s.comparisons.map((c) => `"w_${c.name}" + "tfw_${c.name}"`).join(' + ');
  const { link, review } = s.thresholds;
  const sql = `CREATE OR REPLACE TABLE ${T.pairs} AS
WITH w AS (SELECT v.*, ${ws.join(', ')} FROM ${T.vectors} AS v),
mw AS (SELECT w.*, ${num(prior)} + ${sum} AS match_weight FROM w)
SELECT l.__uid AS uid_l, r.__uid AS uid_r, l.__src AS src_l, r.__src AS src_r, mw.*,
  ${posterior('match_weight')} AS match_probability,
  CASE WHEN ${posterior('match_weight')} >= ${num(link)} THEN 'linked' WHEN ${posterior('match_weight')} >= ${num(review)} THEN 'review' ELSE 'not_linked' END AS match_class
FROM mw JOIN ${T.nodes} AS l ON l.__rid = mw.rid_l JOIN ${T.nodes} AS r ON r.__rid = mw.rid_r`;
  return { name: 'scoring', outputTable: T.pairs, sql };
}

/** One row per pair and step (prior, then each comparison): the data behind a waterfall chart. */
export function explanationsStage(s: LinkageSettings, params: TrainedParams, T: TableNames): Stage {
  const prior = logit2(params.lambda);
  const parts = [
    `SELECT rid_l, rid_r, uid_l, uid_r, 0 AS step, 'prior' AS comparison, NULL::VARCHAR AS level_label, NULL::TINYINT AS gamma, NULL::DOUBLE AS m, NULL::DOUBLE AS u, ${num(prior)} AS weight, 0::DOUBLE AS tf_weight, ${num(prior)} AS cumulative_weight FROM ${T.pairs}`,
  ];
  let cumulative = num(prior);
  s.comparisons.forEach((c, ci) => {
    const lv = params.comparisons[ci]!.levels;
    const label = `CASE ${gammaCol(c)} ${lv.map((l) => `WHEN ${l.index} THEN ${lit(l.label)}`).join(' ')} END`;
    const m = `CASE ${gammaCol(c)} ${lv.filter((l) => l.index >= 0).map((l) => `WHEN ${l.index} THEN ${num(l.m!)}`).join(' ')} END`;
    const u = `CASE ${gammaCol(c)} ${lv.filter((l) => l.index >= 0).map((l) => `WHEN ${l.index} THEN ${num(l.u!)}`).join(' ')} END`;
    cumulative += ` + "w_${c.name}" + "tfw_${c.name}"`;
    parts.push(
      `SELECT rid_l, rid_r, uid_l, uid_r, ${ci + 1} AS step, ${lit(c.name)} AS comparison, ${label} AS level_label, ${gammaCol(c)} AS gamma, ${m} AS m, ${u} AS u, "w_${c.name}" AS weight, "tfw_${c.name}" AS tf_weight, ${cumulative} AS cumulative_weight FROM ${T.pairs}`,
    );
  });
  return { name: 'explanations', outputTable: T.explanations, sql: `CREATE OR REPLACE TABLE ${T.explanations} AS ${parts.join('\nUNION ALL\n')}` };
}

/** Linked pairs (probability ≥ link threshold), with the one-to-one filter for the listed sources. */
export function linksStage(s: LinkageSettings, T: TableNames): Stage {
  const linked = `SELECT rid_l, rid_r, src_l, src_r, uid_l, uid_r, match_probability, match_weight FROM ${T.pairs} WHERE match_probability >= ${num(s.thresholds.link)}`;
  const oto = s.oneToOne ?? [];
  if (!oto.length) return { name: 'links', outputTable: T.links, sql: `CREATE OR REPLACE TABLE ${T.links} AS ${linked}` };
  const list = oto.map(lit).join(', ');
  // Each directed edge a→b: a keeps only its best link into b's source (ties: smaller rid) when a's source is listed.
  const sql = `CREATE OR REPLACE TABLE ${T.links} AS
WITH linked AS (${linked}),
dir AS (
  SELECT rid_l AS a, rid_r AS b, src_l AS sa, src_r AS sb, match_weight, rid_l, rid_r FROM linked
  UNION ALL SELECT rid_r, rid_l, src_r, src_l, match_weight, rid_l, rid_r FROM linked),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY a, sb ORDER BY match_weight DESC, b) AS rk FROM dir),
ok AS (
  SELECT rid_l, rid_r, bool_and(sa IS NOT DISTINCT FROM sb OR sa NOT IN (${list}) OR rk = 1) AS keep FROM ranked GROUP BY rid_l, rid_r)
SELECT linked.* FROM linked JOIN ok USING (rid_l, rid_r) WHERE keep`;
  return { name: 'links', outputTable: T.links, sql };
}

/**
 * Connected components of the links, by label propagation (min rid) with pointer jumping: the edges (both
 * directions) and every linked node labelled with itself. Then ccRoundStages until no label changes.
 */
export function ccStartStages(T: TableNames): Stage[] {
  return [
    { name: 'cc_edges', outputTable: T.ccEdges, sql: `CREATE OR REPLACE TEMP TABLE ${T.ccEdges} AS SELECT rid_l AS a, rid_r AS b FROM ${T.links} UNION ALL SELECT rid_r, rid_l FROM ${T.links}` },
    { name: 'cc_labels', outputTable: T.ccLabels, sql: `CREATE OR REPLACE TEMP TABLE ${T.ccLabels} AS SELECT DISTINCT a AS rid, a AS label FROM ${T.ccEdges}` },
  ];
}

/**
 * One round: the next labels (each node the least label among itself and its neighbours, then one pointer
 * jump), the number of labels that changed (`changed`, read before the labels are replaced), the replacement.
 */
export function ccRoundStages(T: TableNames): { next: Stage; changed: Stage; replace: Stage } {
  return {
    next: {
      name: 'cc_round',
      outputTable: T.ccNext,
      sql: `CREATE OR REPLACE TEMP TABLE ${T.ccNext} AS
WITH nb AS (SELECT e.a AS rid, min(x.label) AS ml FROM ${T.ccEdges} e JOIN ${T.ccLabels} x ON x.rid = e.b GROUP BY e.a),
step AS (SELECT c.rid, least(c.label, nb.ml) AS label FROM ${T.ccLabels} c JOIN nb USING (rid))
SELECT s1.rid, least(s1.label, s2.label) AS label FROM step s1 JOIN step s2 ON s2.rid = s1.label`,
    },
    changed: { name: 'cc_changed', sql: `SELECT count(*)::DOUBLE AS changed FROM ${T.ccNext} n JOIN ${T.ccLabels} c USING (rid) WHERE n.label <> c.label` },
    replace: { name: 'cc_replace', outputTable: T.ccLabels, sql: `CREATE OR REPLACE TEMP TABLE ${T.ccLabels} AS SELECT * FROM ${T.ccNext}` },
  };
}

/** Every node with its cluster: the id is the smallest (source, uid) of the component; singletons are their own. */
export function clustersStage(s: LinkageSettings, T: TableNames): Stage {
  const key = s.sourceColumn ? `n0.__src || ':' || CAST(n0.__uid AS VARCHAR)` : 'n0.__uid';
  const sql = `CREATE OR REPLACE TABLE ${T.clusters} AS
WITH comp AS (SELECT n.__rid AS rid, coalesce(c.label, n.__rid) AS root FROM ${T.nodes} n LEFT JOIN ${T.ccLabels} c ON c.rid = n.__rid)
SELECT n.__rid, n.__uid AS uid, n.__src AS source, ${key} AS cluster_id, (count(*) OVER (PARTITION BY comp.root))::INTEGER AS cluster_size
FROM comp JOIN ${T.nodes} n ON n.__rid = comp.rid JOIN ${T.nodes} n0 ON n0.__rid = comp.root`;
  return { name: 'clusters', outputTable: T.clusters, sql };
}

/** The number of clusters (n). */
export function clusterCountStage(T: TableNames): Stage {
  return { name: 'cluster_count', sql: `SELECT count(DISTINCT cluster_id)::DOUBLE AS n FROM ${T.clusters}` };
}

/**
 * Scored pairs against true labels (never used to train): true pairs (t), those blocked (blocked), pairs at
 * or above the link threshold (linked) and the true ones among them (tp).
 */
export function evaluationStage(s: LinkageSettings, T: TableNames, labelsColumn: string): Stage {
  const lc = quoteIdent(labelsColumn);
  const truth = `SELECT l.__rid AS rid_l, r.__rid AS rid_r FROM ${T.nodes} l JOIN ${T.nodes} r ON l.${lc} = r.${lc} AND ${pairFilter(s)}`;
  const sql = `WITH truth AS (${truth})
SELECT (SELECT count(*) FROM truth)::DOUBLE AS t,
  (SELECT count(*) FROM truth JOIN ${T.candidates} USING (rid_l, rid_r))::DOUBLE AS blocked,
  (SELECT count(*) FROM ${T.pairs} WHERE match_probability >= ${num(s.thresholds.link)})::DOUBLE AS linked,
  (SELECT count(*) FROM truth JOIN ${T.pairs} p USING (rid_l, rid_r) WHERE p.match_probability >= ${num(s.thresholds.link)})::DOUBLE AS tp`;
  return { name: 'evaluation', sql };
}
