// The steps of a partitioned quarter, as functions that run the same in-process (embedded) or in a job
// worker. The owner of the DuckDB file exports the steps' inputs as Parquet into the results folder; a
// step reads them into its own in-memory DuckDB and writes its results as Parquet next to them,
// atomically (temp name + rename) and keyed by run + inputs + step + partition, so that a step run
// twice, or again after a crash half-way, leaves the same files.
//
// Matching is split by blocking key, not by region: a person's records carry different region codes
// (the birthplace in the ID, the residence on the roll, none on a school roll or when the ID is
// damaged), so region partitions separate records of one person and lose links (measured: EDUCATION
// precision 0.99 → 0.62 on the medium province). Every match partition reads all the mentions (the
// engine's nodes, with their term frequencies over the whole province) and compares the candidate
// pairs of the blocking keys that hash into it; the owner merges the comparison vectors and trains,
// scores and clusters them once, so the persons are those of the unpartitioned run. Rule evaluation is
// split by the child's county code prefix: each child is evaluated alone.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { z } from 'zod';
import { configSchema, feedName, ruleProfile } from '../config/index.js';
import {
  bucketKeysQuery,
  compareCandidates,
  dropLinkageScratch,
  ensureMatchFunctions,
  finishPersonLinkage,
  mergeVectors,
  parseSettings,
  preparePersonLinkage,
  type LinkPersonsResult,
  type PreparedPersonLinkage,
} from '../matchers/index.js';
import { log } from '../pipeline/log.js';
import { exec, ident, lit, memoryLimit, queryAll, sql, type Db, type Sql } from '../pipeline/store/index.js';
import { appendRaisedFlags, flagRowSchema, raiseFlags, uniqueFlags, type FlagRow } from '../flags/index.js';
import { personIdsRead, readFactsBatch, type ChildFacts, type GatheredFacts, type PersonFacts } from '../rules/index.js';

export const STEP_NAMES = ['match', 'evaluate'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** One partition's work, as carried by a job (validated when a step starts): paths are relative to the results folder. */
export const stepTaskSchema = z.object({
  step: z.enum(STEP_NAMES),
  runId: z.string().min(1),
  /** `<run id>/<inputs fingerprint>`: the run's folder inside the results folder (see runQuarter). */
  rel: z.string().regex(/^[\w.:-]+\/[0-9a-f]+$/, 'rel: <run id>/<fingerprint>'),
  /**
   * Partition key. Match: the bucket of blocking keys, '0' … of−1. Evaluate: the children's region-code
   * prefix, '_' for children without one, 'all' when unpartitioned.
   */
  key: z.string().regex(/^(\d+|_|all)$/),
  /** Match only: the number of buckets. */
  of: z.int().positive().optional(),
  /** Evaluate only: what the rules need from the owner's configuration. */
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  profile: ruleProfile.optional(),
  jurisdiction: configSchema.shape.jurisdiction.optional(),
  /** Evaluate only: expected feeds that did not arrive this quarter. */
  missingFeeds: z.array(feedName).optional(),
});
export type StepTask = z.infer<typeof stepTaskSchema>;

export interface StepProgress {
  (p: { step: StepName; key: string; stage: string; percent: number }): void | Promise<void>;
}

/** What a finished step leaves beside its Parquet files (its presence marks the step done). */
export const stepDoneSchema = z.object({
  step: z.enum(STEP_NAMES),
  key: z.string(),
  rows: z.int().nonnegative(),
  candidatePairs: z.int().nonnegative().optional(),
  children: z.int().nonnegative().optional(),
  seconds: z.number().nonnegative(),
});
export type StepDone = z.infer<typeof stepDoneSchema>;

export const NO_REGION = '_';

/** The partition of a child: its county code cut to the prefix length. */
export function partitionOf(county: string | null | undefined, prefixLength: number | null): string {
  if (prefixLength === null) return 'all';
  return county ? county.slice(0, prefixLength) : NO_REGION;
}

/** The files of a step: match steps share one input (all nodes) and the settings; evaluate steps have their own. */
export const stepFiles = (root: string, t: Pick<StepTask, 'rel' | 'step' | 'key'>) => {
  const dir = join(resolve(root), t.rel);
  const base = `${t.step}-${t.key}`;
  return {
    input: join(dir, 'in', t.step === 'match' ? 'match-nodes.parquet' : `${base}.parquet`),
    settings: join(dir, 'in', 'match-settings.json'),
    /** The keys of every blocking key rule, hive-partitioned by bucket (bucket=<key>/…). */
    keys: join(dir, 'in', 'match-keys'),
    vectors: join(dir, 'out', `${base}.vectors.parquet`),
    flags: join(dir, 'out', `${base}.flags.parquet`),
    done: join(dir, 'out', `${base}.done.json`),
  };
};

const tempName = (file: string) => join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/** COPY (query) TO file as Parquet, atomically; `rowGroupSize` rows a row group (DuckDB's default otherwise). */
export async function writeParquet(db: Db, query: Sql, file: string, opts: { rowGroupSize?: number } = {}): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tempName(file);
  // A COPY option is no place for a parameter; the number is this codebase's own.
  const rowGroups = sql.trusted(opts.rowGroupSize ? `, ROW_GROUP_SIZE ${Math.trunc(opts.rowGroupSize)}` : '');
  await exec(db, sql`COPY (${query}) TO ${tmp} (FORMAT parquet${rowGroups})`);
  renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tempName(file);
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, file);
}

export function readDone(root: string, t: Pick<StepTask, 'rel' | 'step' | 'key'>): StepDone | null {
  const f = stepFiles(root, t).done;
  if (!existsSync(f)) return null;
  // A marker that does not parse (a foreign or damaged file) is not a finished step: it runs again.
  const r = stepDoneSchema.safeParse((() => {
    try {
      return JSON.parse(readFileSync(f, 'utf8'));
    } catch {
      return null;
    }
  })());
  return r.success ? r.data : null;
}

/**
 * A fresh in-memory DuckDB for one step (a worker never opens the store). Half the store's memory share: in this
 * process the store may be open beside it. It spills into `spillDir` (inside the results folder, removed after the
 * step), never into the working directory: a step's tables hold names and ID numbers in clear.
 */
export async function withMemoryDb<T>(fn: (db: Db) => Promise<T>, opts: { spillDir: string; threads?: number }): Promise<T> {
  const settings: Record<string, string> = { memory_limit: memoryLimit(0.2), temp_directory: opts.spillDir };
  if (opts.threads) settings.threads = String(opts.threads);
  const instance = await DuckDBInstance.create(':memory:', settings);
  const db = await instance.connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
    rmSync(opts.spillDir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Children an evaluate step parses and evaluates at a time. */
const EVALUATE_CHILDREN = 20_000;

/**
 * Runs one step of one partition from the files in the results folder `root`. Idempotent: the results
 * are a function of the input file only, and each file is replaced atomically.
 * `delayMs` (tests, diagnostics) holds the step before it writes, reporting progress meanwhile.
 */
export async function runStep(root: string, job: StepTask, opts: { progress?: StepProgress; delayMs?: number } = {}): Promise<StepDone> {
  const parsed = stepTaskSchema.safeParse(job);
  if (!parsed.success) throw new Error(`bad partition step: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const task = parsed.data;
  const started = performance.now();
  const files = stepFiles(root, task);
  const spill = join(root, `.spill-${process.pid}-${randomBytes(4).toString('hex')}`);
  if (!existsSync(files.input)) throw new Error(`partition input missing: ${task.step} ${task.key} (${task.rel}); is the results folder shared?`);
  const progress = async (stage: string, percent: number) => opts.progress?.({ step: task.step, key: task.key, stage, percent });
  await progress('reading', 5);
  const hold = async () => {
    const delay = opts.delayMs ?? 0;
    for (let waited = 0; waited < delay; waited += 250) {
      await sleep(Math.min(250, delay - waited));
      await progress('held', 5 + Math.round((45 * waited) / Math.max(delay, 1)));
    }
  };
  let done: StepDone;
  if (task.step === 'match') {
    const index = Number(task.key);
    if (!Number.isInteger(index) || index < 0 || index >= (task.of ?? 1)) throw new Error(`match step: bad bucket ${task.key} of ${task.of}`);
    const settings = parseSettings(readFileSync(files.settings, 'utf8'));
    if (!existsSync(files.keys)) throw new Error(`match step: blocking keys missing (${task.rel}); is the results folder shared?`);
    // A bucket no key hashed into has no folder.
    const bucketDir = join(files.keys, `bucket=${index}`);
    done = await withMemoryDb(async (db) => {
      await ensureMatchFunctions(db);
      // A view: the joins read only the columns they need from the file, and a worker never holds all the
      // province's mentions in memory.
      // A view cannot take bound parameters: the path (this process's own) is quoted.
      await db.run(`CREATE VIEW ${MATCH_PREFIX}nodes AS SELECT * FROM read_parquet(${lit(files.input)})`);
      await exec(
        db,
        existsSync(bucketDir)
          ? sql`CREATE TABLE bucket_keys AS SELECT rule, __rid, __src, __k, __one FROM read_parquet(${join(bucketDir, '*.parquet')})`
          : sql`CREATE TABLE bucket_keys (rule INTEGER, __rid INTEGER, __src VARCHAR, __k VARCHAR, __one BOOLEAN)`,
      );
      await progress('comparing', 10);
      await hold();
      const r = await compareCandidates(db, settings, MATCH_PREFIX, { index, keys: 'bucket_keys' });
      await progress('writing', 80);
      await writeParquet(db, sql`SELECT * FROM ${ident(`${MATCH_PREFIX}comparison_vectors`)} ORDER BY rid_l, rid_r`, files.vectors);
      return { step: task.step, key: task.key, rows: r.candidatePairs, candidatePairs: r.candidatePairs, seconds: 0 };
    }, { spillDir: spill });
  } else {
    if (!task.asOf || !task.profile || !task.jurisdiction) throw new Error('evaluate step: asOf, profile and jurisdiction are required');
    const { asOf, profile, jurisdiction } = task;
    done = await withMemoryDb(async (db) => {
      await progress('evaluating', 30);
      await hold();
      const { flags, children } = await evaluateInput(db, files.input, { profile, jurisdiction }, asOf, task.missingFeeds, {
        onChunk: (evaluated, total) => progress('evaluating', 30 + Math.round((50 * evaluated) / Math.max(total, 1))),
      });
      await progress('writing', 80);
      await db.run('CREATE TABLE step_flags (ord INTEGER, flag VARCHAR)');
      const app = await db.createAppender('step_flags');
      flags.forEach((f, i) => {
        app.appendInteger(i);
        app.appendVarchar(JSON.stringify(f));
        app.endRow();
      });
      app.closeSync();
      await writeParquet(db, sql`SELECT * FROM step_flags ORDER BY ord`, files.flags);
      return { step: task.step, key: task.key, rows: flags.length, children, seconds: 0 };
    }, { spillDir: spill });
  }
  done.seconds = Math.round(performance.now() - started) / 1000;
  writeJsonAtomic(files.done, done);
  await progress('done', 100);
  log.info({ step: task.step, partition: task.key, run: task.runId, results: done.rows, seconds: done.seconds }, 'partition step done');
  return done;
}

/**
 * The flags of an evaluate step's input file, `chunk` children at a time: JavaScript never holds the
 * partition's facts at once. A child's ord is its place in the whole run (consecutive there, sparse in a
 * partition); the chunks are ranges of it.
 */
export async function evaluateInput(
  db: Db,
  file: string,
  config: Parameters<typeof raiseFlags>[0],
  asOf: string,
  missingFeeds: readonly string[] | undefined,
  opts: { chunk?: number; onChunk?: (evaluated: number, total: number) => Promise<void> } = {},
): Promise<{ flags: FlagRow[]; children: number }> {
  const chunk = opts.chunk ?? EVALUATE_CHILDREN;
  const spanSchema = z.object({ lo: z.number(), hi: z.number(), n: z.number() });
  const [span] = await queryAll(db, spanSchema, sql`SELECT coalesce(min(ord), 0) AS lo, coalesce(max(ord), -1) AS hi, count(*)::INTEGER AS n FROM read_parquet(${file})`);
  const { lo, hi, n } = span!;
  const raised: FlagRow[] = [];
  let evaluated = 0;
  for (let from = lo; from <= hi; from += chunk) {
    const rows = await queryAll(db, z.object({ facts: z.string() }), sql`SELECT facts FROM read_parquet(${file}) WHERE ord >= ${from} AND ord < ${from + chunk} ORDER BY ord`);
    const children: ChildFacts[] = [];
    const people = new Map<string, PersonFacts>();
    for (const r of rows) {
      const item = JSON.parse(r.facts) as { child: ChildFacts; people: PersonFacts[] };
      children.push(item.child);
      for (const p of item.people) people.set(p.personId, p);
    }
    raised.push(...raiseFlags(config, asOf, { children, people }, missingFeeds));
    evaluated += children.length;
    await opts.onChunk?.(evaluated, n);
  }
  // One flag reached from two chunks (a duplicate registration seen from two children) is one flag, as in raiseFlags.
  return { flags: uniqueFlags(raised), children: evaluated };
}

/**
 * The flags of the `batches` batches rules/prepareFacts gathered, evaluated in this process (one partition, the
 * embedded default) and appended to the run's raised flags batch by batch: the flags evaluateInput gives from the
 * exported file, without writing every child's facts to a file and parsing them back. The next batch is read while
 * this one's rules run (its query runs in DuckDB's threads). Returns how many flags were raised.
 */
export async function evaluateInPlace(
  db: Db,
  batches: number,
  config: Parameters<typeof raiseFlags>[0],
  asOf: string,
  missingFeeds: readonly string[] | undefined,
  onBatch?: (done: number) => void,
): Promise<number> {
  let raised = 0;
  let next = batches > 0 ? readFactsBatch(db, 0) : null;
  try {
    for (let batch = 0; batch < batches; batch++) {
      const facts = await next!;
      next = batch + 1 < batches ? readFactsBatch(db, batch + 1) : null;
      const rows = raiseFlags(config, asOf, facts, missingFeeds);
      await appendRaisedFlags(db, rows);
      raised += rows.length;
      onBatch?.(batch + 1);
    }
  } finally {
    // A failure here leaves the batch read ahead unread: its own failure, if any, is not another error.
    await next?.catch(() => undefined);
  }
  return raised;
}

// ---- The owner's side: export inputs, merge results -------------------------------------------------

const MATCH_PREFIX = 'match_';

/**
 * Builds the store's mentions and the engine's nodes and writes them, with the settings, for the match
 * steps; returns the bucket keys and the prepared linkage that mergeMatches finishes.
 */
export async function exportMatchInputs(
  db: Db,
  root: string,
  rel: string,
  buckets: number,
  runId: string,
): Promise<{ keys: string[]; prepared: PreparedPersonLinkage }> {
  const prepared = await preparePersonLinkage(db, { runId, prefix: MATCH_PREFIX });
  const files = stepFiles(root, { rel, step: 'match', key: '0' });
  // A folder holds one run's inputs (see runQuarter): files an earlier attempt wrote are the same, and
  // each was written whole (temp name + rename).
  if (!existsSync(files.input)) await writeParquet(db, sql`SELECT * FROM ${ident(`${MATCH_PREFIX}nodes`)} ORDER BY __rid`, files.input);
  if (!existsSync(files.settings)) writeJsonAtomic(files.settings, prepared.state.settings);
  if (!existsSync(files.keys)) {
    // The keys are computed once here rather than by every bucket (for the ID rule alone, 11 per mention).
    const tmp = tempName(files.keys);
    // The linkage builds its SQL as text (matchers/): trusted, not input.
    await exec(db, sql`COPY (${sql.trusted(bucketKeysQuery(prepared.state.settings, MATCH_PREFIX, buckets))}) TO ${tmp} (FORMAT parquet, PARTITION_BY (bucket))`);
    renameSync(tmp, files.keys);
  }
  return { keys: Array.from({ length: buckets }, (_, i) => String(i)), prepared };
}

/**
 * persons and person_links of the store compared here, in this process's database: a run of one partition
 * in this process (the embedded default). What the partition step would read from files (the nodes, every
 * blocking key) is already in this database; at province size writing and reading them back took minutes.
 * The vectors are merged as mergeMatches merges a bucket's: the same table, so the same persons.
 */
export async function matchInPlace(db: Db, runId: string): Promise<LinkPersonsResult> {
  const prepared = await preparePersonLinkage(db, { runId, prefix: MATCH_PREFIX });
  const compared = await compareCandidates(db, prepared.state.settings, MATCH_PREFIX);
  Object.assign(prepared.state.timings, compared.timings);
  const vectors = ident(`${MATCH_PREFIX}comparison_vectors`);
  const unmerged = ident(`${MATCH_PREFIX}comparison_vectors_unmerged`);
  await exec(db, sql`ALTER TABLE ${vectors} RENAME TO ${unmerged}`);
  await mergeVectors(db, MATCH_PREFIX, `SELECT * FROM ${MATCH_PREFIX}comparison_vectors_unmerged`);
  await exec(db, sql`DROP TABLE ${unmerged}`);
  return finishPersonLinkage(db, prepared);
}

/** The linkage's own tables of a quarter's match, once persons and links are persisted (matchers/dropLinkageScratch). */
export async function dropMatchScratch(db: Db): Promise<void> {
  await dropLinkageScratch(db, MATCH_PREFIX);
}

/** persons and person_links of the store from the buckets' comparison vectors (the keys that finished). */
export async function mergeMatches(db: Db, root: string, rel: string, keys: string[], prepared: PreparedPersonLinkage): Promise<LinkPersonsResult> {
  if (!keys.length) throw new Error('no partition was matched: nothing to evaluate');
  const files = keys.map((k) => lit(stepFiles(root, { rel, step: 'match', key: k }).vectors));
  // mergeVectors takes text SQL (matchers/): the paths, this process's own, are quoted.
  await mergeVectors(db, MATCH_PREFIX, `SELECT * FROM read_parquet([${files.join(', ')}])`);
  return finishPersonLinkage(db, prepared);
}

/** The people a child's rules read: the child, its recorded parents and carers, its listed parents. */
function peopleOf(child: ChildFacts, people: Map<string, PersonFacts>): PersonFacts[] {
  return [...personIdsRead(child)].map((id) => people.get(id)).filter((p): p is PersonFacts => !!p);
}

/**
 * Writes the gathered facts as one Parquet file per partition of the children; returns the keys. The batches
 * (rules/readFactsBatches) go into DuckDB as they come: JavaScript holds one batch at a time.
 */
export async function exportEvaluateInputs(db: Db, root: string, rel: string, batches: AsyncIterable<GatheredFacts>, prefixLength: number | null): Promise<string[]> {
  await db.run('CREATE OR REPLACE TEMP TABLE job_eval_in (ord INTEGER, part VARCHAR, facts VARCHAR)');
  let ord = 0;
  for await (const facts of batches) {
    const app = await db.createAppender('job_eval_in', 'main', 'temp');
    for (const child of facts.children) {
      app.appendInteger(ord++);
      app.appendVarchar(partitionOf(child.county, prefixLength));
      app.appendVarchar(JSON.stringify({ child, people: peopleOf(child, facts.people) }));
      app.endRow();
    }
    app.closeSync();
  }
  const keys = (await queryAll(db, z.object({ k: z.string() }), sql`SELECT DISTINCT part AS k FROM job_eval_in ORDER BY k`)).map((r) => r.k);
  for (const k of keys) {
    // One row group a chunk of evaluateInput: a chunk's query then decodes its own children's facts, not those of
    // the default 122,880 (measured, 300k rows of 3 kB read in chunks of 20k: 17–21 s against 11–12 s).
    await writeParquet(db, sql`SELECT ord, facts FROM job_eval_in WHERE part = ${k} ORDER BY ord`, stepFiles(root, { rel, step: 'evaluate', key: k }).input, {
      rowGroupSize: EVALUATE_CHILDREN,
    });
  }
  await db.run('DROP TABLE job_eval_in');
  return keys;
}

/**
 * The flags of the finished partitions appended to the run's raised flags, in partition order (one partition's file
 * at a time); storing keeps one flag reached from two partitions once (as raiseFlags). Returns how many were appended.
 */
export async function mergeFlags(db: Db, root: string, rel: string, keys: string[]): Promise<number> {
  let merged = 0;
  for (const k of keys) {
    const file = stepFiles(root, { rel, step: 'evaluate', key: k }).flags;
    const rows = (await queryAll(db, z.object({ flag: z.string() }), sql`SELECT flag FROM read_parquet(${file}) ORDER BY ord`)).map((r) => flagRowSchema.parse(JSON.parse(r.flag)));
    await appendRaisedFlags(db, rows);
    merged += rows.length;
  }
  return merged;
}
