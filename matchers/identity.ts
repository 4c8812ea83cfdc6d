// Person linkage over every feed of the store: builds the mentions table, runs the Fellegi-Sunter engine
// with the identity settings (settings/identity.json) and writes persons, links with explanations, and
// the run (settings with the parameters it used).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ident, lit, queryRows, type Db } from '../pipeline/store/db.js';
import { registerMatchFunctions } from './functions.js';
import { compareCandidates, finishLinkage, prepareLinkage, settingsWithParams, type LinkageState, type RunLinkageResult, type TrainedParams } from './linkage.js';
import { mentionsSql } from './mentions.js';
import { levelIndices, parseSettings, type LinkageSettings } from './settings.js';
import { stopwatch } from '../pipeline/timing.js';

const registered = new WeakSet<Db>();

/** Registers the matcher UDFs once per connection (bidui_char_damerau may already exist from ingest). */
export function ensureMatchFunctions(db: Db): void {
  if (registered.has(db)) return;
  registerMatchFunctions(db);
  registered.add(db);
}

/** The shipped identity settings (validated), with hand-set m and u that serve when a run does not train. */
export function identitySettings(): LinkageSettings {
  const here = dirname(fileURLToPath(import.meta.url));
  // From matchers/ and from dist/matchers/ (the JSON is not compiled).
  const candidates = [join(here, 'settings', 'identity.json'), join(here, '..', '..', 'matchers', 'settings', 'identity.json')];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`identity settings not found (looked for ${candidates.join(', ')})`);
  return parseSettings(readFileSync(file, 'utf8'));
}

export interface LinkPersonsOptions {
  /** Settings object (defaults to settings/identity.json). */
  settings?: unknown;
  /**
   * Estimate u (random pairs), m (EM) and λ from this data. Default 'auto': train when there are at least
   * `minTrainMentions` mentions, else use the m and u of the settings (small stores cannot train).
   */
  train?: boolean | 'auto';
  minTrainMentions?: number;
  /** Prefix of the engine's tables (default 'match_'). */
  prefix?: string;
  /** Restrict the feed rows, as SQL over t.batch_id / t.src_row (default: every row). */
  where?: string;
  /** Table with (mention_key, label): true identities, for evaluation only (never used to train). */
  labelsTable?: string;
  /** Also write the engine's per-pair, per-comparison explanation table for every candidate pair (default false: large). */
  explainAllPairs?: boolean;
  /** Identifier of the run (default: a timestamp). */
  runId?: string;
}

export interface PairEvaluation {
  truePairs: number;
  linkedPairs: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface LinkPersonsResult {
  runId: string;
  /** The settings with the parameters the run used (stored in match_runs). */
  settings: LinkageSettings;
  trained: boolean;
  counts: {
    mentions: number;
    candidatePairs: number;
    candidatesPerRule: number[];
    linkedPairs: number;
    reviewPairs: number;
    persons: number;
  };
  params: TrainedParams;
  /** Seconds per stage (mentions, the engine's stages, persons, links). */
  timings: Record<string, number>;
  tables: { mentions: string; persons: string; links: string; runs: string } & RunLinkageResult['tables'];
  /** With labelsTable: blocking recall and the engine's scored-pair figures ... */
  evaluation?: RunLinkageResult['evaluation'];
  /** ... and pair figures after clustering (two mentions in one person = a linked pair). */
  clusterEvaluation?: PairEvaluation;
}

/** λ for an untrained run: about one other mention of the same person per mention. */
export function defaultLambda(mentions: number): number {
  return Math.min(0.25, Math.max(1e-12, 1.5 / Math.max(1, mentions - 1)));
}

/**
 * Links every person mention of the store into persons. Tables written:
 * - `mentions`: one row per person mention (see mentions.ts);
 * - `persons`: uid, mention_key, feed, role, batch_id, src_row, person_id (the smallest mention_key of the
 *   cluster: stable across runs while the members are the same), cluster_size;
 * - `person_links`: every pair classed linked or review, with probability, weight, the one-to-one verdict
 *   and the explanation (each comparison's level and weight);
 * - `match_runs`: the run id, time, settings with parameters (JSON), counts and timings;
 * - the engine's tables under `prefix` (candidates, comparison vectors, pairs, links, clusters).
 */
export async function linkPersons(db: Db, opts: LinkPersonsOptions = {}): Promise<LinkPersonsResult> {
  const prepared = await preparePersonLinkage(db, opts);
  const compared = await compareCandidates(db, prepared.state.settings, prepared.state.prefix);
  Object.assign(prepared.state.timings, compared.timings);
  return finishPersonLinkage(db, prepared);
}

/** A person linkage between its stages (see LinkageState): what the owner of the store keeps while buckets are compared. */
export interface PreparedPersonLinkage {
  runId: string;
  mentions: number;
  train: boolean;
  labelled: boolean;
  state: LinkageState;
  /** Seconds of the stages before the engine's (mentions). */
  timings: Record<string, number>;
}

/**
 * The first stage of linkPersons: the mentions table (unless it exists), the training decision (over all
 * mentions) and the engine's nodes. The candidates are then compared here or bucket by bucket elsewhere
 * (compareCandidates), and finishPersonLinkage does the rest.
 */
export async function preparePersonLinkage(db: Db, opts: LinkPersonsOptions = {}): Promise<PreparedPersonLinkage> {
  ensureMatchFunctions(db);
  const prefix = opts.prefix ?? 'match_';
  const runId = opts.runId ?? new Date().toISOString();
  const { timings, lap } = stopwatch();

  await db.run(mentionsSql('mentions', { where: opts.where }));
  if (opts.labelsTable) {
    await db.run(`CREATE OR REPLACE TABLE mentions AS SELECT m.*, lb.label AS true_label FROM mentions m LEFT JOIN ${ident(opts.labelsTable)} lb USING (mention_key)`);
  }
  const mentions = (await queryRows<{ n: number }>(db, 'SELECT count(*)::DOUBLE AS n FROM mentions'))[0]!.n;
  lap('mentions');

  const base = opts.settings === undefined ? identitySettings() : parseSettings(opts.settings);
  const train = opts.train === undefined || opts.train === 'auto' ? mentions >= (opts.minTrainMentions ?? 50_000) : opts.train;
  const settings: LinkageSettings = JSON.parse(JSON.stringify(base));
  if (train) {
    // u from random pairs, m by EM (the settings' m are its starting values), λ estimated.
    for (const c of settings.comparisons) for (const l of c.levels) if (!l.fixed && !l.fixedU) delete l.u;
    delete settings.probabilityTwoRandomRecordsMatch;
  } else {
    settings.probabilityTwoRandomRecordsMatch ??= defaultLambda(mentions);
  }

  const state = await prepareLinkage(db, {
    settings,
    inputTable: 'mentions',
    outputPrefix: prefix,
    train,
    explain: opts.explainAllPairs ?? false,
    labelsColumn: opts.labelsTable ? 'true_label' : undefined,
  });
  return { runId, mentions, train, labelled: !!opts.labelsTable, state, timings };
}

/** The last stage of linkPersons, once the comparison vectors of every candidate exist: persons, person_links, match_runs. */
export async function finishPersonLinkage(db: Db, prepared: PreparedPersonLinkage): Promise<LinkPersonsResult> {
  const { runId, mentions, train } = prepared;
  const prefix = prepared.state.prefix;
  const r = await finishLinkage(db, prepared.state);
  const { timings, lap } = stopwatch();
  Object.assign(timings, prepared.timings);
  for (const [k, v] of Object.entries(r.timings)) if (k !== 'total') timings[k] = v;

  const P = (s: string) => ident(prefix + s);
  await db.run(`CREATE OR REPLACE TABLE persons AS
SELECT m.uid, m.mention_key, m.feed, m.role, m.batch_id, m.src_row,
  min(m.mention_key) OVER (PARTITION BY c.cluster_id) AS person_id, c.cluster_size
FROM mentions m JOIN ${P('clusters')} c ON c.uid = m.uid AND c.source = m.feed`);
  lap('persons');

  await db.run(personLinksSql(r.settings, P('pairs'), P('links')));
  lap('links');

  const counts = (
    await queryRows<{ linked: number; review: number; persons: number }>(
      db,
      `SELECT (SELECT count(*) FROM person_links WHERE match_class = 'linked' AND kept)::DOUBLE AS linked,
        (SELECT count(*) FROM person_links WHERE match_class = 'review')::DOUBLE AS review,
        (SELECT count(DISTINCT person_id) FROM persons)::DOUBLE AS persons`,
    )
  )[0]!;

  const stored = settingsWithParams(r.settings, r.params);
  await db.run(`CREATE TABLE IF NOT EXISTS match_runs (run_id VARCHAR PRIMARY KEY, created_at TIMESTAMP, trained BOOLEAN, settings JSON, counts JSON, timings JSON)`);
  const countsJson = {
    mentions,
    candidatePairs: r.counts.candidatePairs,
    candidatesPerRule: r.counts.candidatesPerRule,
    linkedPairs: counts.linked,
    reviewPairs: counts.review,
    persons: counts.persons,
  };
  await db.run(
    `INSERT OR REPLACE INTO match_runs VALUES (${lit(runId)}, now(), ${train}, ${lit(JSON.stringify(stored))}, ${lit(JSON.stringify(countsJson))}, ${lit(JSON.stringify(timings))})`,
  );

  let clusterEvaluation: PairEvaluation | undefined;
  if (prepared.labelled) clusterEvaluation = await evaluateClusters(db);

  return {
    runId,
    settings: stored,
    trained: train,
    counts: countsJson,
    params: r.params,
    timings,
    tables: { ...r.tables, mentions: 'mentions', persons: 'persons', links: 'person_links', runs: 'match_runs' },
    evaluation: r.evaluation,
    clusterEvaluation,
  };
}

/** Linked and review pairs with a readable explanation: for each comparison its level and weight (bits). */
function personLinksSql(s: LinkageSettings, pairs: string, links: string): string {
  const items = s.comparisons.map((c, ci) => {
    const idx = levelIndices(c);
    const label = `CASE p.${ident('gamma_' + c.name)} ${c.levels.map((l, i) => `WHEN ${idx[i]} THEN ${lit(l.label)}`).join(' ')} END`;
    const w = `round(p.${ident('w_' + c.name)} + p.${ident('tfw_' + c.name)}, 2)`;
    return { c, label, w };
  });
  const struct = `[${items.map(({ c, label, w }) => `{'comparison': ${lit(c.name)}, 'level': ${label}, 'weight': ${w}}`).join(', ')}]`;
  const text = items.map(({ c, label, w }) => `${lit(c.name + ': ')} || ${label} || ' (' || CASE WHEN ${w} >= 0 THEN '+' ELSE '' END || ${w} || ')'`).join(` || '; ' || `);
  return `CREATE OR REPLACE TABLE person_links AS
SELECT ml.mention_key AS mention_key_l, mr.mention_key AS mention_key_r, p.uid_l, p.uid_r, p.src_l AS feed_l, p.src_r AS feed_r,
  p.match_weight, p.match_probability, p.match_class,
  (k.rid_l IS NOT NULL) AS kept,
  ${struct} AS explanation,
  ${text} AS explanation_text
FROM ${pairs} p
JOIN mentions ml ON ml.uid = p.uid_l AND ml.feed = p.src_l
JOIN mentions mr ON mr.uid = p.uid_r AND mr.feed = p.src_r
LEFT JOIN ${links} k ON k.rid_l = p.rid_l AND k.rid_r = p.rid_r
WHERE p.match_class <> 'not_linked'`;
}

/** Pair precision / recall after clustering against mentions.true_label. */
export async function evaluateClusters(db: Db): Promise<PairEvaluation> {
  const row = (
    await queryRows<{ t: number; l: number; tp: number }>(
      db,
      `WITH j AS (SELECT p.person_id, m.true_label FROM persons p JOIN mentions m USING (uid, feed))
SELECT (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n FROM j WHERE true_label IS NOT NULL GROUP BY true_label))::DOUBLE AS t,
  (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n FROM j WHERE true_label IS NOT NULL GROUP BY person_id))::DOUBLE AS l,
  (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n FROM j WHERE true_label IS NOT NULL GROUP BY person_id, true_label))::DOUBLE AS tp`,
    )
  )[0]!;
  const precision = row.l ? row.tp / row.l : 1;
  const recall = row.t ? row.tp / row.t : 1;
  return {
    truePairs: row.t ?? 0,
    linkedPairs: row.l ?? 0,
    truePositives: row.tp ?? 0,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
  };
}
