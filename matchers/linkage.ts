// Fellegi-Sunter record linkage run as generated SQL in DuckDB (modelled on Splink).
// Each stage is one or a few statements over whole tables; JavaScript only loops over EM iterations
// and label-propagation rounds, never over record pairs.
import { ident, lit, queryRows, type Db } from '../pipeline/store/db.js';
import { levelIndices, parseSettings, type BlockingRule, type ComparisonSettings, type LinkageSettings } from './settings.js';
import {
  blockingSql,
  bucketKeysSql,
  gammaCol,
  nodesSql,
  num,
  pairFilter,
  ruleLabel,
  ruleUsesComparison,
  rulePairsSql,
  tableNames,
  tfColumns,
  vectorsSelect,
} from './sql.js';

export interface LevelParams {
  label: string;
  /** Level index in comparison vectors (−1 null level, 0 the ELSE level). */
  index: number;
  m: number | null;
  u: number | null;
  /** log2(m/u); null for the null level. */
  weight: number | null;
  /** Number of EM sessions that estimated m (0 = starting/settings value). */
  mSessions: number;
}

export interface ComparisonParams {
  name: string;
  levels: LevelParams[];
}

export interface EmSessionReport {
  rule: string | null;
  pairs: number;
  trained: string[];
  iterations: number;
  converged: boolean;
  lambda: number;
}

export interface TrainedParams {
  /** Prior probability that two random records (over all possible pairs) match. */
  lambda: number;
  comparisons: ComparisonParams[];
  em: EmSessionReport[];
  uSample: { pairs: number; fraction: number; seed: number } | null;
  totalPairs: number;
}

export interface Evaluation {
  truePairs: number;
  blockingRecall: number;
  linkedPairs: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface RunLinkageOptions {
  /** Settings object (validated here). */
  settings: unknown;
  /** Input table or view name (quoted as an identifier), or a parenthesised sub-query. */
  inputTable: string;
  /** Prefix of every output table, e.g. 'febrl4_'. */
  outputPrefix: string;
  /** Column holding a true entity label: used for blocking recall and P/R/F1 only, never for training. */
  labelsColumn?: string;
  /** Estimate u, m and λ (default true). When false, every non-null level needs m and u and λ must be set. */
  train?: boolean;
  /** Write the per-pair, per-comparison explanation table (default true). */
  explain?: boolean;
}

export interface RunLinkageResult {
  /** The validated settings the run used (store them with the run; see settingsWithParams). */
  settings: LinkageSettings;
  tables: {
    nodes: string;
    candidates: string;
    comparisonVectors: string;
    pairs: string;
    explanations: string | null;
    links: string;
    clusters: string;
  };
  counts: { records: number; candidatePairs: number; candidatesPerRule: number[]; linkedPairs: number; clusters: number };
  params: TrainedParams;
  /** Seconds per stage. */
  timings: Record<string, number>;
  evaluation?: Evaluation;
}

const M_FLOOR = 1e-9;

async function one<T = Record<string, unknown>>(db: Db, sql: string): Promise<T> {
  const rows = await queryRows<T>(db, sql);
  if (!rows[0]) throw new Error('query returned no rows');
  return rows[0];
}

function defaultM(c: ComparisonSettings): number[] {
  const idx = levelIndices(c);
  const K = idx.filter((i) => i >= 0).length;
  const total = 2 ** K - 1;
  return idx.map((i) => (i < 0 ? NaN : 2 ** i / total));
}

/** Splink-style: returns a copy of the settings with trained m, u and λ written in (for storing with a run). */
export function settingsWithParams(settings: LinkageSettings, params: TrainedParams): LinkageSettings {
  const copy: LinkageSettings = JSON.parse(JSON.stringify(settings));
  copy.probabilityTwoRandomRecordsMatch = params.lambda;
  copy.comparisons.forEach((c, ci) => {
    c.levels.forEach((l, li) => {
      const p = params.comparisons[ci]!.levels[li]!;
      if (p.m != null) l.m = p.m;
      if (p.u != null) l.u = p.u;
    });
  });
  return copy;
}

/**
 * A linkage between its stages: the nodes are built, and the comparison vectors of the candidates are
 * computed either here (`compareCandidates` over all buckets) or elsewhere, bucket by bucket, and read back
 * (`mergeVectorsSql`), before `finishLinkage` trains, scores and clusters.
 */
export interface LinkageState {
  settings: LinkageSettings;
  train: boolean;
  explain: boolean;
  labelsColumn?: string;
  prefix: string;
  records: number;
  totalPairs: number;
  timings: Record<string, number>;
}

/**
 * One share of the blocking work: bucket `index`, with its keys (a table or sub-query over that bucket's rows
 * of bucketKeysSql: rule, __rid, __src, __k).
 */
export interface Bucket {
  index: number;
  keys: string;
}

/** Runs blocking, comparison, estimation, scoring, explanation and clustering; all results are DuckDB tables. */
export async function runLinkage(db: Db, opts: RunLinkageOptions): Promise<RunLinkageResult> {
  const state = await prepareLinkage(db, opts);
  const compared = await compareCandidates(db, state.settings, state.prefix);
  Object.assign(state.timings, compared.timings);
  return finishLinkage(db, state);
}

/** Stage 1: the nodes table (internal ids, source, uid, term frequencies over all records). */
export async function prepareLinkage(db: Db, opts: RunLinkageOptions): Promise<LinkageState> {
  const s = parseSettings(opts.settings);
  const T = tableNames(opts.outputPrefix);
  const t0 = performance.now();
  const input = opts.inputTable.trim().startsWith('(') ? opts.inputTable : ident(opts.inputTable);
  await db.run(nodesSql(s, input, T.nodes));
  const rc = await one<{ n: number; dupes: number }>(
    db,
    `SELECT count(*)::BIGINT::DOUBLE AS n, (count(*) - count(DISTINCT (__src, __uid)))::DOUBLE AS dupes FROM ${T.nodes}`,
  );
  if (rc.dupes > 0) throw new Error(`${rc.dupes} duplicate values of ${s.uniqueIdColumn}${s.sourceColumn ? ` within ${s.sourceColumn}` : ''}`);
  return {
    settings: s,
    train: opts.train ?? true,
    explain: opts.explain ?? true,
    labelsColumn: opts.labelsColumn,
    prefix: opts.outputPrefix,
    records: rc.n,
    totalPairs: await countAllPairs(db, s, T.nodes),
    timings: { nodes: Math.round(performance.now() - t0) / 1000 },
  };
}

/**
 * Stage 2: candidate pairs and their comparison vectors (tables `<prefix>candidates`, `<prefix>comparison_vectors`),
 * for every pair or for one bucket's share. Buckets together give every candidate pair of the whole run: a key
 * rule's pairs come from the bucket of their key's hash (bucketKeysSql: each block, and its size guard, stays
 * whole), a condition rule's pairs from bucket 0. A pair two keys produce can come from two buckets:
 * mergeVectors keeps it once, with the first rule that produced it, as the unbucketed run does.
 */
export async function compareCandidates(
  db: Db,
  s: LinkageSettings,
  prefix: string,
  bucket?: Bucket,
): Promise<{ candidatePairs: number; timings: Record<string, number> }> {
  const T = tableNames(prefix);
  const t0 = performance.now();
  await db.run(blockingSql(s, T.nodes, T.candidates, bucket));
  const t1 = performance.now();
  await db.run(`CREATE OR REPLACE TABLE ${T.vectors} AS ${vectorsSelect(s, T.nodes, T.candidates, true)}`);
  const { n } = await one<{ n: number }>(db, `SELECT count(*)::DOUBLE AS n FROM ${T.vectors}`);
  const secs = (a: number, b: number) => Math.round(b - a) / 1000;
  return { candidatePairs: n, timings: { blocking: secs(t0, t1), comparison_vectors: secs(t1, performance.now()) } };
}

/** Stage 2, shared out: the query giving every key rule's keys of every node with its bucket (of `count`). */
export function bucketKeysQuery(s: LinkageSettings, prefix: string, count: number): string {
  return bucketKeysSql(s, tableNames(prefix).nodes, count);
}

/** Stage 2, merged: the comparison vectors of every bucket (a query over their files), each pair once. */
export async function mergeVectors(db: Db, prefix: string, source: string): Promise<void> {
  const T = tableNames(prefix);
  await db.run(`CREATE OR REPLACE TABLE ${T.vectors} AS
SELECT DISTINCT ON (rid_l, rid_r) * FROM (${source}) ORDER BY rid_l, rid_r, match_key`);
  await db.run(`CREATE OR REPLACE TABLE ${T.candidates} AS SELECT rid_l, rid_r, match_key FROM ${T.vectors}`);
}

/** Stage 3: estimation, scoring, explanations, the one-to-one filter and clusters over the comparison vectors. */
export async function finishLinkage(db: Db, state: LinkageState): Promise<RunLinkageResult> {
  const s = state.settings;
  const { train, explain } = state;
  const p = state.prefix;
  const T = tableNames(p);
  const timings: Record<string, number> = { ...state.timings };
  const t0 = performance.now();
  let tPrev = t0;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - tPrev) / 1000;
    tPrev = now;
  };
  const totalPairs = state.totalPairs;

  const perRule = await queryRows<{ k: number; n: number }>(
    db,
    `SELECT match_key AS k, count(*)::DOUBLE AS n FROM ${T.candidates} GROUP BY 1 ORDER BY 1`,
  );
  const nRules = Math.max(1, s.blockingRules.length);
  const candidatesPerRule = Array.from({ length: nRules }, (_, i) => perRule.find((r) => r.k === i)?.n ?? 0);
  const candidatePairs = candidatesPerRule.reduce((a, b) => a + b, 0);

  // Estimation.
  const params = initialParams(s, totalPairs);
  if (train) {
    await estimateU(db, s, T.nodes, params);
    lap('estimate_u');
    await estimateM(db, s, T.nodes, T.vectors, params, p);
    lap('estimate_m');
    if (s.probabilityTwoRandomRecordsMatch == null) await estimateLambda(db, s, T.vectors, params, totalPairs);
    else params.lambda = s.probabilityTwoRandomRecordsMatch;
    lap('estimate_lambda');
  } else {
    if (s.probabilityTwoRandomRecordsMatch == null) throw new Error('train: false needs probabilityTwoRandomRecordsMatch');
    params.lambda = s.probabilityTwoRandomRecordsMatch;
  }
  finaliseWeights(s, params);

  await db.run(scoreSql(s, params, T));
  lap('scoring');

  if (explain) {
    await db.run(explanationSql(s, params, T));
    lap('explanations');
  }

  // One-to-one filter, then clusters.
  await db.run(linksSql(s, T));
  const linkedPairs = (await one<{ n: number }>(db, `SELECT count(*)::DOUBLE AS n FROM ${T.links}`)).n;
  const nClusters = await clusterSql(db, s, T, p);
  lap('clustering');

  let evaluation: Evaluation | undefined;
  if (state.labelsColumn) {
    evaluation = await evaluate(db, s, T, state.labelsColumn);
    lap('evaluation');
  }
  timings.total = Object.entries(timings).reduce((a, [k, v]) => (k === 'total' ? a : a + v), 0);

  return {
    settings: s,
    tables: {
      nodes: p + 'nodes',
      candidates: p + 'candidates',
      comparisonVectors: p + 'comparison_vectors',
      pairs: p + 'pairs',
      explanations: explain ? p + 'match_explanations' : null,
      links: p + 'links',
      clusters: p + 'clusters',
    },
    counts: { records: state.records, candidatePairs, candidatesPerRule, linkedPairs, clusters: nClusters },
    params,
    timings,
    evaluation,
  };
}

async function countAllPairs(db: Db, s: LinkageSettings, nodes: string): Promise<number> {
  if (s.linkType !== 'link_only') {
    const { n } = await one<{ n: number }>(db, `SELECT count(*)::DOUBLE AS n FROM ${nodes}`);
    return (n * (n - 1)) / 2;
  }
  const rows = await queryRows<{ n: number }>(db, `SELECT count(*)::DOUBLE AS n FROM ${nodes} GROUP BY __src`);
  let sum = 0;
  let sq = 0;
  for (const r of rows) {
    sum += r.n;
    sq += r.n * r.n;
  }
  return (sum * sum - sq) / 2;
}

function initialParams(s: LinkageSettings, totalPairs: number): TrainedParams {
  return {
    lambda: s.probabilityTwoRandomRecordsMatch ?? 1e-4,
    comparisons: s.comparisons.map((c) => {
      const idx = levelIndices(c);
      const dm = defaultM(c);
      return {
        name: c.name,
        levels: c.levels.map((l, i) => ({
          label: l.label,
          index: idx[i]!,
          m: idx[i]! < 0 ? null : (l.m ?? dm[i]!),
          u: idx[i]! < 0 ? null : (l.u ?? null),
          weight: null,
          mSessions: 0,
        })),
      };
    }),
    em: [],
    uSample: null,
    totalPairs,
  };
}

/** u from random record pairs: a hash-based (deterministic) record sample, all allowed pairs within it. */
async function estimateU(db: Db, s: LinkageSettings, nodes: string, params: TrainedParams): Promise<void> {
  const need = params.comparisons.some((c) => c.levels.some((l) => l.index >= 0 && l.u == null));
  if (!need) return;
  const maxPairs = s.uSampling?.maxPairs ?? 1_000_000;
  const seed = s.uSampling?.seed ?? 42;
  const fraction = Math.min(1, Math.sqrt(maxPairs / Math.max(1, params.totalPairs)));
  const cut = Math.floor(fraction * 1_000_000);
  // Materialised first: inlined, the planner may join the whole table with itself before sampling.
  const sample = ident(`${nodes.replaceAll('"', '')}__u_sample`);
  await db.run(`CREATE OR REPLACE TEMP TABLE ${sample} AS SELECT * FROM ${nodes} WHERE hash(__rid, ${seed}::INTEGER) % 1000000 < ${cut}`);
  const pairs = `(${rulePairsSql(s, sample, 'TRUE')})`;
  const counts = s.comparisons.flatMap((c, ci) =>
    levelIndices(c)
      .filter((k) => k >= 0)
      .map((k) => `count(*) FILTER (WHERE ${gammaCol(c)} = ${k})::DOUBLE AS "c${ci}_${k}"`),
  );
  const row = await one<Record<string, number>>(
    db,
    `WITH v AS (${vectorsSelect(s, sample, pairs, false)}) SELECT count(*)::DOUBLE AS __n, ${counts.join(', ')} FROM v`,
  );
  await db.run(`DROP TABLE IF EXISTS ${sample}`);
  params.uSample = { pairs: row.__n!, fraction, seed };
  s.comparisons.forEach((c, ci) => {
    const levels = params.comparisons[ci]!.levels;
    const nonNull = levels.filter((l) => l.index >= 0);
    const total = nonNull.reduce((a, l) => a + (row[`c${ci}_${l.index}`] ?? 0), 0);
    for (const l of nonNull) {
      if (l.u != null) continue; // given in settings
      const n = row[`c${ci}_${l.index}`] ?? 0;
      // Never 0: a level absent from the sample gets half a pair's worth.
      l.u = total > 0 ? Math.max(n, 0.5) / (total + 0.5) : 1 / nonNull.length;
    }
  });
}

/** log2 Bayes-factor CASE for a comparison with the current parameters. */
function weightCase(ci: number, c: ComparisonSettings, params: TrainedParams): string {
  const whens = params.comparisons[ci]!.levels
    .filter((l) => l.index >= 0)
    .map((l) => `WHEN ${l.index} THEN ${num(Math.log2(Math.max(l.m!, M_FLOOR) / l.u!))}`);
  return `CASE ${gammaCol(c)} ${whens.join(' ')} ELSE 0::DOUBLE END`;
}

const posterior = (logOdds: string) => `1.0 / (1.0 + pow(2.0, -greatest(least(${logOdds}, 1000.0), -1000.0)))`;
const logit2 = (x: number) => Math.log2(x / (1 - x));

/**
 * m by expectation-maximisation with u fixed: one session per training rule over the pairs that rule
 * produces; comparisons whose columns the rule uses are left out of that session. m = mean over sessions.
 * Without training rules the blocking rules serve (one session each); with neither, one session over all
 * pairs. (One session over the union of blocked candidates would be biased: its non-matches share blocking
 * keys, so they are neither random pairs nor conditionally independent.)
 */
async function estimateM(db: Db, s: LinkageSettings, nodes: string, vectors: string, params: TrainedParams, prefix: string): Promise<void> {
  const sessions: (BlockingRule | null)[] = s.em.trainingBlockingRules.length
    ? s.em.trainingBlockingRules
    : s.blockingRules.length
      ? s.blockingRules
      : [null];
  const sums = params.comparisons.map((c) => c.levels.map(() => 0));
  const alpha = s.em.mPriorPairs ?? 0;
  const priorM = params.comparisons.map((c) => c.levels.map((l) => l.m ?? 0));
  const patterns = ident(prefix + 'em_patterns');
  const gcols = s.comparisons.map(gammaCol).join(', ');
  for (const rule of sessions) {
    const source = rule == null ? vectors : `(${vectorsSelect(s, nodes, `(${rulePairsSql(s, nodes, rule)})`, false)})`;
    await db.run(`CREATE OR REPLACE TEMP TABLE ${patterns} AS SELECT ${gcols}, count(*)::DOUBLE AS n FROM ${source} GROUP BY ALL`);
    const active = s.comparisons.map((c, i) => ({ c, i })).filter(({ c }) => rule == null || !ruleUsesComparison(rule, c));
    if (!active.length) continue;
    const local: TrainedParams = JSON.parse(JSON.stringify(params));
    let lambda = 0.3;
    let iterations = 0;
    let converged = false;
    let pairs = 0;
    for (; iterations < s.em.maxIterations && !converged; ) {
      iterations++;
      const logOdds = [num(logit2(lambda)), ...active.map(({ c, i }) => weightCase(i, c, local))].join(' + ');
      const aggs = active.flatMap(({ c, i }) => [
        `sum(n * p) FILTER (WHERE ${gammaCol(c)} >= 0) AS "nn${i}"`,
        ...local.comparisons[i]!.levels.filter((l) => l.index >= 0).map((l) => `sum(n * p) FILTER (WHERE ${gammaCol(c)} = ${l.index}) AS "m${i}_${l.index}"`),
      ]);
      const row = await one<Record<string, number | null>>(
        db,
        `WITH w AS (SELECT *, ${posterior(logOdds)} AS p FROM ${patterns}) SELECT sum(n * p) AS __sp, sum(n) AS __sn, ${aggs.join(', ')} FROM w`,
      );
      pairs = row.__sn ?? 0;
      let delta = 0;
      const newLambda = Math.min(Math.max((row.__sp ?? 0) / Math.max(pairs, 1), 1e-9), 1 - 1e-9);
      delta = Math.abs(newLambda - lambda);
      lambda = newLambda;
      for (const { i } of active) {
        const nn = row[`nn${i}`] ?? 0;
        if (!(nn > 0)) continue;
        local.comparisons[i]!.levels.forEach((l, li) => {
          if (l.index < 0 || s.comparisons[i]!.levels[li]!.fixed) return;
          const m = Math.max(((row[`m${i}_${l.index}`] ?? 0) + alpha * priorM[i]![li]!) / (nn + alpha), M_FLOOR);
          delta = Math.max(delta, Math.abs(m - l.m!));
          l.m = m;
        });
      }
      converged = delta < s.em.tolerance;
    }
    for (const { i } of active)
      local.comparisons[i]!.levels.forEach((l, li) => {
        if (l.index >= 0) sums[i]![li]! += l.m!;
      });
    for (const { i } of active) for (const l of params.comparisons[i]!.levels) l.mSessions++;
    params.em.push({ rule: rule == null ? null : ruleLabel(rule), pairs, trained: active.map(({ c }) => c.name), iterations, converged, lambda });
  }
  params.comparisons.forEach((c, ci) =>
    c.levels.forEach((l, li) => {
      if (l.index >= 0 && l.mSessions > 0 && !s.comparisons[ci]!.levels[li]!.fixed) l.m = sums[ci]![li]! / l.mSessions;
    }),
  );
  await db.run(`DROP TABLE IF EXISTS ${patterns}`);
}

/**
 * λ over all record pairs: EM on λ alone with m and u fixed, treating pairs outside the candidates as
 * certain non-matches: λ ← Σ posterior(candidates) / (all pairs).
 */
async function estimateLambda(db: Db, s: LinkageSettings, vectors: string, params: TrainedParams, totalPairs: number): Promise<void> {
  const gcols = s.comparisons.map(gammaCol).join(', ');
  const bf = s.comparisons.map((c, i) => weightCase(i, c, params)).join(' + ');
  const pat = `(SELECT ${gcols}, count(*)::DOUBLE AS n, ${bf} AS w FROM ${vectors} GROUP BY ALL)`;
  let lambda = params.lambda;
  for (let it = 0; it < 200; it++) {
    const { sp } = await one<{ sp: number | null }>(db, `SELECT sum(n * ${posterior(`w + ${num(logit2(lambda))}`)}) AS sp FROM ${pat}`);
    const next = Math.min(Math.max((sp ?? 0) / totalPairs, 1e-12), 0.5);
    const done = Math.abs(next - lambda) <= 1e-7 * lambda;
    lambda = next;
    if (done) break;
  }
  params.lambda = lambda;
}

function finaliseWeights(s: LinkageSettings, params: TrainedParams): void {
  s.comparisons.forEach((c, ci) => {
    for (const l of params.comparisons[ci]!.levels) {
      if (l.index < 0) continue;
      if (l.m == null || l.u == null) throw new Error(`comparison ${c.name} level '${l.label}' has no m or u`);
      l.weight = Math.log2(Math.max(l.m, M_FLOOR) / l.u);
    }
  });
}

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

function scoreSql(s: LinkageSettings, params: TrainedParams, T: ReturnType<typeof tableNames>): string {
  const prior = logit2(params.lambda);
  const ws = s.comparisons.flatMap((c, ci) => [`${weightCase(ci, c, params)} AS "w_${c.name}"`, `${tfWeightExpr(s, ci, params)} AS "tfw_${c.name}"`]);
  const sum = s.comparisons.map((c) => `"w_${c.name}" + "tfw_${c.name}"`).join(' + ');
  const { link, review } = s.thresholds;
  return `CREATE OR REPLACE TABLE ${T.pairs} AS
WITH w AS (SELECT v.*, ${ws.join(', ')} FROM ${T.vectors} AS v),
mw AS (SELECT w.*, ${num(prior)} + ${sum} AS match_weight FROM w)
SELECT l.__uid AS uid_l, r.__uid AS uid_r, l.__src AS src_l, r.__src AS src_r, mw.*,
  ${posterior('match_weight')} AS match_probability,
  CASE WHEN ${posterior('match_weight')} >= ${num(link)} THEN 'linked' WHEN ${posterior('match_weight')} >= ${num(review)} THEN 'review' ELSE 'not_linked' END AS match_class
FROM mw JOIN ${T.nodes} AS l ON l.__rid = mw.rid_l JOIN ${T.nodes} AS r ON r.__rid = mw.rid_r`;
}

/** One row per pair and step (prior, then each comparison): the data behind a waterfall chart. */
function explanationSql(s: LinkageSettings, params: TrainedParams, T: ReturnType<typeof tableNames>): string {
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
  return `CREATE OR REPLACE TABLE ${T.explanations} AS ${parts.join('\nUNION ALL\n')}`;
}

/** Linked pairs (probability ≥ link threshold), with the one-to-one filter for the listed sources. */
function linksSql(s: LinkageSettings, T: ReturnType<typeof tableNames>): string {
  const linked = `SELECT rid_l, rid_r, src_l, src_r, uid_l, uid_r, match_probability, match_weight FROM ${T.pairs} WHERE match_probability >= ${num(s.thresholds.link)}`;
  const oto = s.oneToOne ?? [];
  if (!oto.length) return `CREATE OR REPLACE TABLE ${T.links} AS ${linked}`;
  const list = oto.map(lit).join(', ');
  // Each directed edge a→b: a keeps only its best link into b's source (ties: smaller rid) when a's source is listed.
  return `CREATE OR REPLACE TABLE ${T.links} AS
WITH linked AS (${linked}),
dir AS (
  SELECT rid_l AS a, rid_r AS b, src_l AS sa, src_r AS sb, match_weight, rid_l, rid_r FROM linked
  UNION ALL SELECT rid_r, rid_l, src_r, src_l, match_weight, rid_l, rid_r FROM linked),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY a, sb ORDER BY match_weight DESC, b) AS rk FROM dir),
ok AS (
  SELECT rid_l, rid_r, bool_and(sa IS NOT DISTINCT FROM sb OR sa NOT IN (${list}) OR rk = 1) AS keep FROM ranked GROUP BY rid_l, rid_r)
SELECT linked.* FROM linked JOIN ok USING (rid_l, rid_r) WHERE keep`;
}

/** Connected components by iterative label propagation (min rid) with pointer jumping; cluster id = smallest (source, uid). */
async function clusterSql(db: Db, s: LinkageSettings, T: ReturnType<typeof tableNames>, prefix: string): Promise<number> {
  const lab = ident(prefix + 'cc_labels');
  const next = ident(prefix + 'cc_next');
  const edges = ident(prefix + 'cc_edges');
  await db.run(`CREATE OR REPLACE TEMP TABLE ${edges} AS SELECT rid_l AS a, rid_r AS b FROM ${T.links} UNION ALL SELECT rid_r, rid_l FROM ${T.links}`);
  await db.run(`CREATE OR REPLACE TEMP TABLE ${lab} AS SELECT DISTINCT a AS rid, a AS label FROM ${edges}`);
  for (let round = 0; round < 10_000; round++) {
    await db.run(`CREATE OR REPLACE TEMP TABLE ${next} AS
WITH nb AS (SELECT e.a AS rid, min(x.label) AS ml FROM ${edges} e JOIN ${lab} x ON x.rid = e.b GROUP BY e.a),
step AS (SELECT c.rid, least(c.label, nb.ml) AS label FROM ${lab} c JOIN nb USING (rid))
SELECT s1.rid, least(s1.label, s2.label) AS label FROM step s1 JOIN step s2 ON s2.rid = s1.label`);
    const { changed } = await one<{ changed: number }>(
      db,
      `SELECT count(*)::DOUBLE AS changed FROM ${next} n JOIN ${lab} c USING (rid) WHERE n.label <> c.label`,
    );
    await db.run(`CREATE OR REPLACE TEMP TABLE ${lab} AS SELECT * FROM ${next}`);
    if (changed === 0) break;
  }
  const key = s.sourceColumn ? `n0.__src || ':' || CAST(n0.__uid AS VARCHAR)` : 'n0.__uid';
  await db.run(`CREATE OR REPLACE TABLE ${T.clusters} AS
WITH comp AS (SELECT n.__rid AS rid, coalesce(c.label, n.__rid) AS root FROM ${T.nodes} n LEFT JOIN ${lab} c ON c.rid = n.__rid)
SELECT n.__rid, n.__uid AS uid, n.__src AS source, ${key} AS cluster_id, (count(*) OVER (PARTITION BY comp.root))::INTEGER AS cluster_size
FROM comp JOIN ${T.nodes} n ON n.__rid = comp.rid JOIN ${T.nodes} n0 ON n0.__rid = comp.root`);
  await db.run(`DROP TABLE IF EXISTS ${lab}; DROP TABLE IF EXISTS ${next}; DROP TABLE IF EXISTS ${edges}`);
  return (await one<{ n: number }>(db, `SELECT count(DISTINCT cluster_id)::DOUBLE AS n FROM ${T.clusters}`)).n;
}

async function evaluate(db: Db, s: LinkageSettings, T: ReturnType<typeof tableNames>, labelsColumn: string): Promise<Evaluation> {
  const lc = ident(labelsColumn);
  const truth = `SELECT l.__rid AS rid_l, r.__rid AS rid_r FROM ${T.nodes} l JOIN ${T.nodes} r ON l.${lc} = r.${lc} AND ${pairFilter(s)}`;
  const row = await one<{ t: number; blocked: number; linked: number; tp: number }>(
    db,
    `WITH truth AS (${truth})
SELECT (SELECT count(*) FROM truth)::DOUBLE AS t,
  (SELECT count(*) FROM truth JOIN ${T.candidates} USING (rid_l, rid_r))::DOUBLE AS blocked,
  (SELECT count(*) FROM ${T.pairs} WHERE match_probability >= ${num(s.thresholds.link)})::DOUBLE AS linked,
  (SELECT count(*) FROM truth JOIN ${T.pairs} p USING (rid_l, rid_r) WHERE p.match_probability >= ${num(s.thresholds.link)})::DOUBLE AS tp`,
  );
  const precision = row.linked ? row.tp / row.linked : 0;
  const recall = row.t ? row.tp / row.t : 0;
  return {
    truePairs: row.t,
    blockingRecall: row.t ? row.blocked / row.t : 1,
    linkedPairs: row.linked,
    truePositives: row.tp,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
  };
}
