// Fellegi-Sunter record linkage run as generated SQL in DuckDB (modelled on Splink). This file assembles
// the stages and runs them: every statement comes from a pure builder (sql.ts: nodes, blocking, comparison
// vectors; sql-train.ts: estimation; sql-score.ts: scores, links, clusters) and runs through one StageRunner,
// which times and logs it. JavaScript only loops over EM iterations (estimate.ts) and label-propagation
// rounds, never over record pairs.
import { quoteIdent, type Db } from '../pipeline/store/index.js';
import { estimateLambda, estimateM, estimateU } from './estimate.js';
import { finaliseWeights, initialParams, type TrainedParams } from './params.js';
import { parseSettings, type LinkageSettings } from './settings.js';
import {
  allPairs,
  blockingStage,
  bucketKeysSql,
  candidatesPerRuleStage,
  countStage,
  dropStage,
  mergeVectorsStages,
  nodesCheckStage,
  nodesStage,
  pairSpaceStage,
  tableNames,
  vectorsStage,
  type TableNames,
} from './sql.js';
import { ccRoundStages, ccStartStages, clusterCountStage, clustersStage, evaluationStage, explanationsStage, linksStage, scoreStage } from './sql-score.js';
import { StageRunner } from './stage.js';

interface Evaluation {
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
  /** Seconds per phase (nodes, blocking, comparison_vectors, estimate_u, …, total). */
  timings: Record<string, number>;
  evaluation?: Evaluation;
}

/**
 * A linkage between its stages: the nodes are built, and the comparison vectors of the candidates are
 * computed either here (`compareCandidates` over all buckets) or elsewhere, bucket by bucket, and read back
 * (`mergeVectors`), before `finishLinkage` trains, scores and clusters.
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
 * of bucketKeysSql: rule, __rid, __src, __k, __one).
 */
interface Bucket {
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
  const runner = new StageRunner(db);
  const input = opts.inputTable.trim().startsWith('(') ? opts.inputTable : quoteIdent(opts.inputTable);
  await runner.run(nodesStage(s, input, T.nodes));
  const rc = await runner.one<{ n: number; dupes: number }>(nodesCheckStage(T.nodes));
  if (rc.dupes > 0) throw new Error(`${rc.dupes} duplicate values of ${s.uniqueIdColumn}${s.sourceColumn ? ` within ${s.sourceColumn}` : ''}`);
  const totalPairs = allPairs(s, await runner.rows<{ n: number }>(pairSpaceStage(s, T.nodes)));
  await runner.lap('nodes');
  return {
    settings: s,
    train: opts.train ?? true,
    explain: opts.explain ?? true,
    labelsColumn: opts.labelsColumn,
    prefix: opts.outputPrefix,
    records: rc.n,
    totalPairs,
    timings: runner.timings,
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
  const runner = new StageRunner(db);
  await runner.run(blockingStage(s, T.nodes, T.candidates, bucket));
  await runner.lap('blocking');
  await runner.run(vectorsStage(s, T));
  const { n } = await runner.one<{ n: number }>(countStage('comparison_vectors_count', T.vectors));
  await runner.lap('comparison_vectors');
  return { candidatePairs: n, timings: runner.timings };
}

/** Stage 2, shared out: the query giving every key rule's keys of every node with its bucket (of `count`). */
export function bucketKeysQuery(s: LinkageSettings, prefix: string, count: number): string {
  return bucketKeysSql(s, tableNames(prefix).nodes, count);
}

/** Stage 2, merged: the comparison vectors of every bucket (a query over their files), each pair once. */
export async function mergeVectors(db: Db, prefix: string, source: string): Promise<void> {
  await new StageRunner(db).run(...mergeVectorsStages(tableNames(prefix), source));
}

/** Stage 3: estimation, scoring, explanations, the one-to-one filter and clusters over the comparison vectors. */
export async function finishLinkage(db: Db, state: LinkageState): Promise<RunLinkageResult> {
  const s = state.settings;
  const { train, explain } = state;
  const p = state.prefix;
  const T = tableNames(p);
  const runner = new StageRunner(db);
  const timings = runner.timings;
  Object.assign(timings, state.timings);
  const totalPairs = state.totalPairs;

  const perRule = await runner.rows<{ k: number; n: number }>(candidatesPerRuleStage(T));
  const nRules = Math.max(1, s.blockingRules.length);
  const candidatesPerRule = Array.from({ length: nRules }, (_, i) => perRule.find((r) => r.k === i)?.n ?? 0);
  const candidatePairs = candidatesPerRule.reduce((a, b) => a + b, 0);

  // Estimation.
  const params = initialParams(s, totalPairs);
  if (train) {
    await estimateU(runner, s, T, params);
    await runner.lap('estimate_u');
    await estimateM(runner, s, T, params);
    await runner.lap('estimate_m');
    if (s.probabilityTwoRandomRecordsMatch == null) await estimateLambda(runner, s, T, params, totalPairs);
    else params.lambda = s.probabilityTwoRandomRecordsMatch;
    await runner.lap('estimate_lambda');
  } else {
    if (s.probabilityTwoRandomRecordsMatch == null) throw new Error('train: false needs probabilityTwoRandomRecordsMatch');
    params.lambda = s.probabilityTwoRandomRecordsMatch;
  }
  finaliseWeights(s, params);

  await runner.run(scoreStage(s, params, T));
  await runner.lap('scoring');

  if (explain) {
    await runner.run(explanationsStage(s, params, T));
    await runner.lap('explanations');
  }

  // One-to-one filter, then clusters.
  await runner.run(linksStage(s, T));
  const linkedPairs = (await runner.one<{ n: number }>(countStage('links_count', T.links))).n;
  const nClusters = await cluster(runner, s, T);
  await runner.lap('clustering');

  let evaluation: Evaluation | undefined;
  if (state.labelsColumn) {
    evaluation = evaluationFrom(await runner.one(evaluationStage(s, T, state.labelsColumn)));
    await runner.lap('evaluation');
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

/** Connected components of the links (rounds of label propagation until no label changes), then the clusters table; returns their number. */
async function cluster(runner: StageRunner, s: LinkageSettings, T: TableNames): Promise<number> {
  await runner.run(...ccStartStages(T));
  const round = ccRoundStages(T);
  for (let i = 0; i < 10_000; i++) {
    await runner.run(round.next);
    const { changed } = await runner.one<{ changed: number }>(round.changed);
    await runner.run(round.replace);
    if (changed === 0) break;
  }
  await runner.run(clustersStage(s, T), dropStage('cc_drop', T.ccLabels, T.ccNext, T.ccEdges));
  return (await runner.one<{ n: number }>(clusterCountStage(T))).n;
}

/** Precision, recall and F1 from evaluationStage's counts. */
function evaluationFrom(row: { t: number; blocked: number; linked: number; tp: number }): Evaluation {
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
