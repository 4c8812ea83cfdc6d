// The quarter driver, the one way a quarter runs, in the process that owns the DuckDB file: ingest
// what is new, export the partitions, have an executor run the match and evaluate steps of every
// partition (in this process, or as BullMQ jobs on any number of workers), merge, store the flags.
// An unpartitioned run (the embedded default) matches and evaluates in place, without partition files
// (matchInPlace, evaluateInPlace); the merged partitions give the persons and the flags of that run
// whichever executor ran the steps (see steps.ts).
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { effectiveSources, type Config, type FeedName, type SourceConfig } from '../config/index.js';
import { ingestFile, ingestInbox, sourceFiles, unreadFolders, type BatchReport } from '../connectors/index.js';

/** ingestInbox's per-file callback. */
type IngestProgress = NonNullable<NonNullable<Parameters<typeof ingestInbox>[2]>['onProgress']>;
import { dropRaisedFlags } from '../flags/index.js';
import { log } from '../pipeline/log.js';
import { persistWorkTable, queryAll, reclaimWork, queryOne, sql, type Db } from '../pipeline/store/index.js';
import { z } from 'zod';
import { identitySettings, storedMentionText } from '../matchers/index.js';
import { applyRetention, type RetentionResult } from '../review/index.js';
import { prepareFacts, readFactsBatches } from '../rules/index.js';
import { beginRun, finishRun, runIdFor, type QuarterResult } from './run.js';
import { dropMatchScratch, evaluateInPlace, exportEvaluateInputs, exportMatchInputs, matchInPlace, mergeFlags, mergeMatches, readDone, runStep, type StepDone, type StepProgress, type StepTask } from './steps.js';
import { stopwatch } from '../pipeline/timing.js';

export interface StepOutcome {
  task: StepTask;
  done: StepDone | null;
  /** The reason of the last attempt when the step failed for good (dead letter). */
  error?: string;
}

/**
 * Runs the steps of many partitions and reports each one's outcome (never throws for one partition).
 * `progress` hears each step's stages where the executor can tell them (in process).
 */
export interface StepExecutor {
  readonly kind: 'embedded' | 'queue';
  run(tasks: StepTask[], progress?: StepProgress): Promise<StepOutcome[]>;
  close?(): Promise<void>;
}

/** The in-process executor: runs every step in this process, one after the other. */
export function embeddedExecutor(root: string): StepExecutor {
  return {
    kind: 'embedded',
    async run(tasks, progress) {
      const out: StepOutcome[] = [];
      for (const task of tasks) {
        try {
          out.push({ task, done: await runStep(root, task, { progress }) });
        } catch (err) {
          log.error({ step: task.step, partition: task.key, error: (err as Error).message }, 'partition step failed');
          out.push({ task, done: null, error: (err as Error).message });
        }
      }
      return out;
    },
  };
}

/** The results folder as this process sees it. */
export const resultsRoot = (config: Config) => resolve(config.jobs.resultsDir);

/** Partition prefix length of a partitioned run: the configured one; a queued run without one uses cities (4). */
export function partitionLength(config: Config, queued: boolean): number | null {
  return config.jobs.partitionBy ?? (queued ? 4 : null);
}

// ---- Ingest steps (owner only: they write the store) -------------------------------------------------

/** Scan a source: the files it holds now. */
export async function scanSource(config: Config, source: SourceConfig, inbox?: string): Promise<string[]> {
  return sourceFiles(source, inbox ? resolve(inbox) : config.inbox);
}

export function sourceByName(config: Config, name: string): SourceConfig {
  const s = effectiveSources(config).find((x) => x.name === name);
  if (!s) throw new Error(`no source named "${name}" in the configuration`);
  return s;
}

/** Ingest a file: idempotent by content hash (a file already loaded is a 'duplicate'). */
export const ingestFileStep = (db: Db, config: Config, source: SourceConfig, path: string): Promise<BatchReport> => ingestFile(db, config, source, path);

/** The stages of a quarter, in order (the keys of its timings). */
export const QUARTER_STAGES = ['ingest', 'match', 'gather', 'evaluate', 'store'] as const;
export type QuarterStage = (typeof QUARTER_STAGES)[number];

/**
 * Where a quarter is: the stage, its units done of total (ingest: files; match and evaluate:
 * partition steps, in place one; gather and store: 0 or 1), how far the stage is in percent (a running step's own
 * progress included), what is under way, and ingest's rows loaded so far. Sent at the start and end
 * of each stage, per file and per step stage: a few hundred events for a province, none per row.
 */
export interface QuarterProgressEvent {
  stage: QuarterStage;
  done: number;
  total: number;
  percent: number;
  detail?: string;
  rows?: number;
}
export type QuarterProgress = (event: QuarterProgressEvent) => void;

/** Ingest's per-file callback as ingest progress: sent as a file starts, when `index` files are done (two load at a time: about). */
export function ingestProgressOf(progress: QuarterProgress): IngestProgress {
  return (e) => progress({ stage: 'ingest', done: e.index, total: e.total, percent: (100 * e.index) / e.total, detail: basename(e.file), rows: e.rowsSoFar });
}

/** The end of ingest: every file done, the rows loaded. */
export function ingestDone(progress: QuarterProgress, reports: readonly BatchReport[]): void {
  progress({ stage: 'ingest', done: reports.length, total: reports.length, percent: 100, rows: reports.reduce((n, r) => n + r.rowsLoaded, 0) });
}

export interface QuarterOptions {
  /** The as-of date T (YYYY-MM-DD). */
  asOf: string;
  /** Drop folder to ingest first (default: the configuration's inbox). */
  inbox?: string;
  /** Folder for flags.csv; nothing written when absent. */
  out?: string;
  /** Skip ingest (the store already holds the inputs). */
  skipIngest?: boolean;
  /** Runs the partitions' steps (default: in this process). */
  executor?: StepExecutor;
  /** Prefix length of the partitions (default: partitionLength(config, executor is a queue)). */
  partitionBy?: number | null;
  /** Hears the progress of each stage (the CLI's progress bar or JSON lines). */
  onProgress?: QuarterProgress;
}

export interface QuarterRunResult extends QuarterResult {
  partitions: { match: number; evaluate: number };
  failures: { step: string; partition: string; error: string }[];
  /** What the retention applied at the start of the run deleted (review/retention.ts). */
  retention: RetentionResult;
}

/** Quarters running in this process, by run id: a second request for the same run waits for the first. */
const running = new Map<string, Promise<QuarterRunResult>>();

/** Runs the quarter `opts.asOf`: ingest, link, evaluate, store the flags, write flags.csv. */
export function runQuarter(db: Db, config: Config, opts: QuarterOptions): Promise<QuarterRunResult> {
  const key = runIdFor(opts.asOf);
  const current = running.get(key);
  if (current) return current;
  const executor = opts.executor ?? embeddedExecutor(resultsRoot(config));
  const p = doRun(db, config, executor, opts)
    .catch(async (err: unknown) => {
      // A run that failed leaves none of its raised flags on the connection (they hold names and ID numbers).
      await dropRaisedFlags(db).catch(() => undefined);
      throw err;
    })
    .finally(() => running.delete(key));
  running.set(key, p);
  return p;
}

async function doRun(db: Db, config: Config, executor: StepExecutor, opts: QuarterOptions): Promise<QuarterRunResult> {
  const { timings, lap } = stopwatch();
  const prefix = opts.partitionBy !== undefined ? opts.partitionBy : partitionLength(config, executor.kind === 'queue');
  const root = resultsRoot(config);
  const runId = await beginRun(db, config, opts.asOf);
  // Retention (RULES.md §4) first: the feeds past retention.feedDays are not read again (audited).
  const retention = await applyRetention(db, { feedDays: config.profile.retention.feedDays, actor: 'system', runId });
  const failures: QuarterRunResult['failures'] = [];
  const progress = opts.onProgress ?? (() => undefined);
  const whole = (stage: QuarterStage, done: 0 | 1) => progress({ stage, done, total: 1, percent: done * 100 });

  const ingest: BatchReport[] = opts.skipIngest ? [] : await ingestInbox(db, config, { inbox: opts.inbox, onProgress: ingestProgressOf(progress) });
  ingestDone(progress, ingest);
  const unread = opts.skipIngest ? [] : await unreadFolders(config, opts.inbox);
  if (unread.length) log.warn({ runId, folders: unread }, 'inbox folders no source reads');
  for (const r of ingest) if (r.status === 'failed') failures.push({ step: 'ingest', partition: r.source, error: r.error ?? 'failed' });
  await reclaimWork(db);
  lap('ingest');

  // The run's folder is named by what its results depend on: a coordinator restarted on the same inputs
  // (after a crash, or a failure of its own) finds the steps that finished and runs only the others; new
  // inputs or settings give a new folder.
  const buckets = prefix === null ? 1 : config.jobs.matchPartitions;
  const rel = `${runId}/${await inputsFingerprint(db, config, opts.asOf, prefix, buckets)}`;
  const settle = (outcomes: StepOutcome[]) => {
    for (const o of outcomes) if (!o.done) failures.push({ step: o.task.step, partition: o.task.key, error: o.error ?? 'failed' });
    return outcomes.filter((o) => o.done).map((o) => o.task.key);
  };
  // A stage of partition steps counts its units as: preparing the inputs, each step, merging the results.
  const execute = async (stage: 'match' | 'evaluate', tasks: StepTask[]) => {
    const finished = tasks.filter((t) => readDone(root, t));
    if (finished.length) log.info({ runId, step: stage, reused: finished.length }, 'partition results of an earlier attempt reused');
    let done = 1 + finished.length;
    const total = tasks.length + 2;
    progress({ stage, done, total, percent: (100 * done) / total, detail: 'prepared' });
    const outcomes = await executor.run(
      tasks.filter((t) => !finished.includes(t)),
      (p) => {
        if (p.stage === 'done') done++;
        progress({ stage, done, total, percent: (100 * done + (p.stage === 'done' ? 0 : p.percent)) / total, detail: `${p.key}:${p.stage}` });
      },
    );
    progress({ stage, done: total - 1, total, percent: (100 * (total - 1)) / total, detail: 'merging' });
    return settle([...finished.map((task) => ({ task, done: readDone(root, task) })), ...outcomes]);
  };
  const stageDone = (stage: 'match' | 'evaluate', tasks: number) => progress({ stage, done: tasks + 2, total: tasks + 2, percent: 100 });
  // One partition in this process (the default): compared in place; partitions or workers: through the results folder.
  const match = async () => {
    if (buckets === 1 && executor.kind === 'embedded') return { linked: await matchInPlace(db, runId), matchKeys: ['0'], matched: ['0'] };
    const { keys: matchKeys, prepared } = await exportMatchInputs(db, root, rel, buckets, runId);
    log.info({ runId, partitions: matchKeys.length, executor: executor.kind }, 'match partitions exported');
    const matched = await execute('match', matchKeys.map((key) => ({ step: 'match', runId, rel, key, of: buckets })));
    // Without any matched partition there is nothing to evaluate: the run stops and says why (a full disk, a lost worker).
    if (!matched.length) throw new Error(`本次比对未完成：匹配步骤没有一个分区完成（${failures.map((f) => `分区 ${f.partition}：${f.error}`).join('；')}）`);
    return { linked: await mergeMatches(db, root, rel, matched, prepared), matchKeys, matched };
  };
  progress({ stage: 'match', done: 0, total: 1, percent: 0, detail: 'preparing' });
  const { linked, matchKeys, matched } = await match();
  // The linkage worked in this process's memory; later processes (web, rules explain) read its result from the store.
  for (const table of ['persons', 'person_links', 'mentions', 'match_runs', 'name_only_alternatives']) {
    await persistWorkTable(db, table, table === 'mentions' ? { sealedAlready: storedMentionText() } : {});
  }
  // What the linkage built for itself is read by nothing after it: its memory goes to the gather and the rules.
  await dropMatchScratch(db);
  stageDone('match', matchKeys.length);
  await reclaimWork(db);
  lap('match');

  const missingFeeds = await undeliveredFeeds(db, config, opts.asOf);
  if (missingFeeds.length) log.warn({ runId, missingFeeds }, 'expected feeds not delivered this quarter');
  // One partition in this process: the gathered batches are evaluated as they are read; partitions or workers: the
  // facts are written batch by batch for the evaluate steps (JavaScript holds one batch either way).
  whole('gather', 0);
  const inPlace = prefix === null && executor.kind === 'embedded';
  const batches = await prepareFacts(db, opts.asOf, config.profile.adultAge);
  const evalKeys = inPlace ? ['all'] : await exportEvaluateInputs(db, root, rel, readFactsBatches(db, batches), prefix);
  whole('gather', 1);
  await reclaimWork(db);
  lap('gather');
  progress({ stage: 'evaluate', done: 0, total: 1, percent: 0, detail: 'preparing' });
  const evaluate = async () => {
    if (inPlace) {
      // Counted as one partition step (prepare, the step, merge: stageDone), the batches its progress.
      return evaluateInPlace(db, batches, config, opts.asOf, missingFeeds, (done) =>
        progress({ stage: 'evaluate', done: 1, total: 3, percent: (100 * (1 + done / batches)) / 3, detail: `all:${done}/${batches}` }),
      );
    }
    const evaluated = await execute(
      'evaluate',
      evalKeys.map((key) => ({ step: 'evaluate', runId, rel, key, asOf: opts.asOf, profile: config.profile, jurisdiction: config.jurisdiction, missingFeeds })),
    );
    return mergeFlags(db, root, rel, evaluated);
  };
  await evaluate();
  stageDone('evaluate', evalKeys.length);
  await reclaimWork(db);
  lap('evaluate');

  const matchCounts = { ...linked.counts, partitions: matchKeys.length, partitionsMatched: matched.length };
  const status = failures.length ? 'incomplete' : 'complete';
  if (failures.length) log.warn({ runId, failures: failures.length }, 'run incomplete');
  whole('store', 0);
  const result = await finishRun(db, runId, { out: opts.out, ingest, timings, matchSettings: linked.settings, matchCounts, status, missingFeeds, unreadFolders: unread });
  // Partition files hold personal data: gone once the run is stored (a run that failed keeps them to resume).
  if (!config.jobs.keepResults) rmSync(resolve(root, rel), { recursive: true, force: true });
  whole('store', 1);
  return { ...result, status, partitions: { match: matchKeys.length, evaluate: evalKeys.length }, failures, retention };
}

/**
 * The expected feeds (profile.expectedFeeds) of which no file arrived for quarter `asOf`: no loaded
 * batch that the previous quarter's run had not read already (RULES.md §3, feeds not delivered).
 */
async function undeliveredFeeds(db: Db, config: Config, asOf: string): Promise<FeedName[]> {
  const rows = await queryAll(
    db,
    z.object({ feed: z.string() }),
    sql`WITH previous AS (
          SELECT input_batches FROM runs WHERE as_of < ${asOf}::DATE AND status = 'complete' ORDER BY as_of DESC LIMIT 1)
        SELECT DISTINCT feed FROM ingest_batches
         WHERE status = 'loaded'
           AND batch_id NOT IN (SELECT unnest(input_batches) FROM previous)`,
  );
  const delivered = new Set(rows.map((r) => r.feed));
  return config.profile.expectedFeeds.filter((f) => !delivered.has(f));
}

/** What a run's partition results depend on: the loaded batches, the as-of, the partitions, the settings and the rules. */
async function inputsFingerprint(db: Db, config: Config, asOf: string, prefix: number | null, buckets: number): Promise<string> {
  const b = await queryOne(db, z.object({ batches: z.string() }), sql`SELECT coalesce(list(batch_id ORDER BY batch_id), [])::VARCHAR AS batches FROM ingest_batches WHERE status = 'loaded'`);
  // The store is part of it: two stores whose batches are numbered alike (a copy, a test's) must not share the
  // partition files a failed run of one left in a common results folder.
  const inputs = { store: resolve(config.database), asOf, batches: b!.batches, prefix, buckets, settings: identitySettings(), profile: config.profile, jurisdiction: config.jurisdiction };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

/** The last day of the quarter before the one `now` falls in, in time zone `tz` (the as-of of a scheduled run). */
export function previousQuarterEnd(now: Date, tz: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' }).formatToParts(now);
  const year = Number(parts.find((p) => p.type === 'year')!.value);
  const month = Number(parts.find((p) => p.type === 'month')!.value);
  const qStart = Math.floor((month - 1) / 3) * 3 + 1;
  if (qStart === 1) return `${year - 1}-12-31`;
  const end = qStart - 1;
  return `${year}-${String(end).padStart(2, '0')}-${end === 6 ? '30' : end === 9 ? '30' : '31'}`;
}
