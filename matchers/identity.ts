// Person linkage over every feed of the store: builds the mentions table, runs the Fellegi-Sunter engine
// with the identity settings (settings/identity.json) and writes persons, links with explanations, and
// the run (settings with the parameters it used). Statements come from mentions.ts and sql-persons.ts and run
// through the stage runner, as the engine's do.
import { dropOpenView, openNameFormsOnce, quoteIdent, WORK_DATABASE, type Db } from '../pipeline/store/index.js';
import { installIdentity } from '../pipeline/identity/index.js';
import { ID_ONE_EDITS_MACRO, registerMatchFunctions } from './functions.js';
import { compareCandidates, finishLinkage, prepareLinkage, type LinkageState, type RunLinkageResult } from './linkage.js';
import { householdCandidatesStages, householdLinksStages, householdPersonsStages, householdSettings, householdSettingsSchema, type HouseholdSettings } from './household.js';
import { interestFeeds, mentionsStages } from './mentions.js';
import { nameOnlyAlternativesStage, nameOnlyCandidatesStages, nameOnlyLinksFromCandidatesStage, nameOnlyLinksStage, nameOnlyPersonsStages, nameOnlySettings, nameOnlySettingsSchema, nameOnlySubjectsStage, type NameOnlySettings } from './name-only.js';
import { settingsWithParams, type TrainedParams } from './params.js';
import { splitStages } from './split.js';
import { parseSettings, shippedSettingsText, type LinkageSettings } from './settings.js';
import { countStage } from './sql.js';
import { clusterEvaluationStage, interestStages, labelledMentionsStage, matchRunStages, personCountsStage, personLinksStage, personsStage } from './sql-persons.js';
import { StageRunner } from './stage.js';
import { exchangeAnswersStage, hasExchangeRequests, requestLinksPersonLinksStage, requestLinksStage, requestPersonsStages, requestSupersedesNameOnlyStage } from './request-links.js';

const registered = new WeakMap<Db, Promise<void>>();

/**
 * Registers the matcher UDFs (bidui_char_damerau, bidui_id_relation, bidui_region_current) and macros
 * (bidui_id_one_edits) once per connection, and installs the identity module's region table (bidui_regions).
 */
export async function ensureMatchFunctions(db: Db): Promise<void> {
  let done = registered.get(db);
  if (!done) {
    registerMatchFunctions(db);
    done = db.run(ID_ONE_EDITS_MACRO).then(() => installIdentity(db));
    registered.set(db, done);
  }
  await done;
}

/** The shipped identity settings (validated), with hand-set m and u that serve when a run does not train. */
export function identitySettings(): LinkageSettings {
  return parseSettings(shippedSettingsText('identity'));
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
  /** Name-only guardian links (name-only.ts): settings overriding settings/name-only.json, or false to skip the stage. */
  nameOnly?: Partial<NameOnlySettings> | false;
  /** Household links (household.ts): settings overriding settings/household.json, or false to skip the stage. */
  household?: Partial<HouseholdSettings> | false;
  /**
   * Which mentions the engine deduplicates. 'interest' (default): the persons of interest and the rows of the
   * link-only rosters that could link to them (interestStages); the rest are persons of their own. 'all':
   * every mention of every feed (one graph; for measuring the linkage as a whole).
   */
  scope?: 'interest' | 'all';
}

interface PairEvaluation {
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
    /** Mentions the engine read (scope 'interest': the persons of interest and the link-only rows kept). */
    engineMentions: number;
    candidatePairs: number;
    candidatesPerRule: number[];
    linkedPairs: number;
    reviewPairs: number;
    persons: number;
    /** Guardians linked by name alone (name-only.ts), included in linkedPairs. */
    nameOnlyLinks: number;
    /** Pairs of a child's records linked through its household (household.ts), included in linkedPairs. */
    householdLinks: number;
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
function defaultLambda(mentions: number): number {
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
  /** The name-only stage's settings, or null when it does not run. */
  nameOnly: NameOnlySettings | null;
  /** The household stage's settings, or null when it does not run. */
  household: HouseholdSettings | null;
  scope: 'interest' | 'all';
  mentions: number;
  engineMentions: number;
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
  await ensureMatchFunctions(db);
  const prefix = opts.prefix ?? 'match_';
  const runId = opts.runId ?? new Date().toISOString();
  const runner = new StageRunner(db);

  // This process makes its own mentions, in place of the view of those an earlier one stored.
  await dropOpenView(db, 'mentions');
  const nameForms = await openNameFormsOnce(db);
  try {
    await runner.run(...mentionsStages('mentions', { where: opts.where }));
  } finally {
    await nameForms.done();
  }
  if (opts.labelsTable) await runner.run(labelledMentionsStage(opts.labelsTable));
  const mentions = (await runner.one<{ n: number }>(countStage('mentions_count', 'mentions'))).n;
  await runner.lap('mentions');

  const base = opts.settings === undefined ? identitySettings() : parseSettings(opts.settings);
  const scope = opts.scope ?? 'interest';
  let input = 'mentions';
  let engineMentions = mentions;
  if (scope === 'interest') {
    await runner.run(...interestStages(base, interestFeeds()));
    input = '(SELECT m.* FROM mentions m SEMI JOIN mention_interest i ON i.uid = m.uid AND i.feed = m.feed)';
    engineMentions = (await runner.one<{ n: number }>(countStage('interest_count', 'mention_interest'))).n;
    await runner.lap('interest');
  }
  const train = opts.train === undefined || opts.train === 'auto' ? engineMentions >= (opts.minTrainMentions ?? 50_000) : opts.train;
  const settings: LinkageSettings = JSON.parse(JSON.stringify(base));
  if (train) {
    // u from random pairs, m by EM (the settings' m are its starting values), λ estimated.
    for (const c of settings.comparisons) for (const l of c.levels) if (!l.fixed && !l.fixedU) delete l.u;
    delete settings.probabilityTwoRandomRecordsMatch;
  } else {
    settings.probabilityTwoRandomRecordsMatch ??= defaultLambda(engineMentions);
  }

  const state = await prepareLinkage(db, {
    settings,
    inputTable: input,
    outputPrefix: prefix,
    train,
    explain: opts.explainAllPairs ?? false,
    labelsColumn: opts.labelsTable ? 'true_label' : undefined,
  });
  const nameOnly = opts.nameOnly === false ? null : nameOnlySettingsSchema.parse({ ...nameOnlySettings(), ...opts.nameOnly });
  const household = opts.household === false ? null : householdSettingsSchema.parse({ ...householdSettings(), ...opts.household });
  return { runId, nameOnly: nameOnly?.enabled ? nameOnly : null, household: household?.enabled ? household : null, scope, mentions, engineMentions, train, labelled: !!opts.labelsTable, state, timings: runner.timings };
}

/** The last stage of linkPersons, once the comparison vectors of every candidate exist: persons, person_links, match_runs. */
export async function finishPersonLinkage(db: Db, prepared: PreparedPersonLinkage): Promise<LinkPersonsResult> {
  await ensureMatchFunctions(db);
  const { runId, mentions, engineMentions, train } = prepared;
  const prefix = prepared.state.prefix;
  const r = await finishLinkage(db, prepared.state);
  const runner = new StageRunner(db);
  const timings = runner.timings;
  Object.assign(timings, prepared.timings);
  for (const [k, v] of Object.entries(r.timings)) if (k !== 'total') timings[k] = v;

  await runner.run(personsStage(prefix));
  await runner.lap('persons');

  await runner.run(personLinksStage(r.settings, prefix));
  await runner.lap('links');

  // A person holding two different valid IDs is two people: split it before anything reads persons.
  await runner.run(...splitStages());
  await runner.lap('split');

  // A child's records that its household links (before name-only, which reads a child's other records).
  let householdLinks = 0;
  if (prepared.household) {
    await runner.run(...householdCandidatesStages(prepared.household), ...householdPersonsStages(), ...householdLinksStages(prepared.household));
    householdLinks = (await runner.one<{ n: number }>(countStage('household_count', 'household_links'))).n;
    await runner.lap('household');
  }

  // Name-only guardians, on the merged clusters (the same stage whether the buckets were compared here or elsewhere).
  let nameOnlyLinks = 0;
  if (prepared.nameOnly) {
    await runner.run(
      ...nameOnlyCandidatesStages(prepared.nameOnly),
      nameOnlyLinksFromCandidatesStage(prepared.nameOnly),
      nameOnlyAlternativesStage(prepared.nameOnly),
      nameOnlySubjectsStage(prepared.nameOnly),
      ...nameOnlyPersonsStages(),
      nameOnlyLinksStage(prepared.nameOnly),
    );
    nameOnlyLinks = (await runner.one<{ n: number }>(countStage('name_only_count', 'name_only_links'))).n;
    await runner.lap('name_only');
  } else {
    // No candidates: not an earlier run's, in this work database (the rules and the store read the table).
    await db.run('CREATE OR REPLACE TABLE name_only_alternatives (g_uid BIGINT, relation VARCHAR, person_id VARCHAR, match_probability DOUBLE)');
  }

  // Answers of the exchange: request_id first, identity second (request-links.ts).
  if (await hasExchangeRequests(runner)) {
    await runner.run(exchangeAnswersStage(), requestLinksStage(), ...requestPersonsStages(), requestSupersedesNameOnlyStage(), requestLinksPersonLinksStage());
    await runner.lap('request_links');
  }

  const counts = await runner.one<{ linked: number; review: number; persons: number }>(personCountsStage());

  const stored = settingsWithParams(r.settings, r.params);
  const countsJson = {
    mentions,
    engineMentions,
    candidatePairs: r.counts.candidatePairs,
    candidatesPerRule: r.counts.candidatesPerRule,
    linkedPairs: counts.linked,
    reviewPairs: counts.review,
    persons: counts.persons,
    nameOnlyLinks,
    householdLinks,
  };
  await runner.run(...matchRunStages({ runId, train, settings: stored, counts: countsJson, timings }));

  let clusterEvaluation: PairEvaluation | undefined;
  if (prepared.labelled) clusterEvaluation = pairEvaluationFrom(await runner.one(clusterEvaluationStage(prepared.scope === 'interest' ? interestFeeds().linkOnly : [])));

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

/** Pair precision / recall after clustering, from clusterEvaluationStage's counts. */
function pairEvaluationFrom(row: { t: number; l: number; tp: number }): PairEvaluation {
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

/**
 * Drops what the linkage built for itself and hands on to nobody: the engine's tables (`prefix` + nodes, candidates,
 * comparison_vectors, pairs, links, clusters), the interest hits, and the household and name-only links and
 * candidates. mentions, persons, person_links, match_runs and name_only_alternatives stay: the rules and the store read
 * them. At the end of the adversarial medium's quarter the dropped tables were 87 of the work database's 488 MiB,
 * held until then through the gather and the rules.
 */
export async function dropLinkageScratch(db: Db, prefix: string): Promise<void> {
  const engine = ['nodes', 'candidates', 'comparison_vectors', 'pairs', 'links', 'clusters'].map((t) => prefix + t);
  for (const table of [...engine, 'mention_interest', 'interest_hits', 'household_links', 'name_only_candidates', 'name_only_links']) {
    await db.run(`DROP TABLE IF EXISTS ${WORK_DATABASE}.main.${quoteIdent(table)}`);
  }
}
