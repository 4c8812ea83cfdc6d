// The steps of a partitioned quarter, as functions that run the same in-process (embedded) or in a job
// worker. The owner of the DuckDB file exports each partition's inputs as Parquet into the results
// folder; a step reads them into its own in-memory DuckDB and writes its results as Parquet next to
// them, atomically (temp name + rename) and keyed by run + attempt + step + partition, so that a
// step run twice, or again after a crash half-way, leaves the same files.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Config, RuleProfile } from '../config/index.js';
import { ensureMatchFunctions, linkPersons, mentionsSql } from '../matchers/index.js';
import { log } from '../pipeline/log.js';
import { lit, queryRows, type Db } from '../pipeline/store/index.js';
import { evaluateFacts, uniqueFlags, type FlagRow } from '../rules/run.js';
import type { GatheredFacts } from '../rules/gather.js';
import type { ChildFacts, PersonFacts } from '../rules/facts.js';

export type StepName = 'match' | 'evaluate';

/** One partition's work, as carried by a job: paths are relative to the results folder. */
export interface StepTask {
  step: StepName;
  runId: string;
  /** `<run id>/<attempt>`: the folder of this attempt of the run inside the results folder. */
  rel: string;
  /** Partition key: a region-code prefix, '_' for records without one, 'all' when unpartitioned. */
  key: string;
  /** Evaluate only: what the rules need from the owner's configuration. */
  asOf?: string;
  profile?: RuleProfile;
  jurisdiction?: Config['jurisdiction'];
}

export interface StepProgress {
  (p: { step: StepName; key: string; stage: string; percent: number }): void | Promise<void>;
}

/** What a finished step leaves beside its Parquet files (its presence marks the step done). */
export interface StepDone {
  step: StepName;
  key: string;
  rows: number;
  mentions?: number;
  persons?: number;
  linkedPairs?: number;
  trained?: boolean;
  lambda?: number;
  children?: number;
  seconds: number;
}

export const NO_REGION = '_';

/** The partition of a mention or a child: its county code cut to the prefix length (SQL and JS agree). */
export function partitionKeySql(column: string, prefixLength: number | null): string {
  return prefixLength === null ? `'all'` : `coalesce(left(${column}, ${prefixLength}), '${NO_REGION}')`;
}
export function partitionOf(county: string | null | undefined, prefixLength: number | null): string {
  if (prefixLength === null) return 'all';
  return county ? county.slice(0, prefixLength) : NO_REGION;
}

export const stepFiles = (root: string, t: Pick<StepTask, 'rel' | 'step' | 'key'>) => {
  const dir = join(resolve(root), t.rel);
  const base = `${t.step}-${t.key}`;
  return {
    input: join(dir, 'in', `${base}.parquet`),
    persons: join(dir, 'out', `${base}.persons.parquet`),
    links: join(dir, 'out', `${base}.links.parquet`),
    flags: join(dir, 'out', `${base}.flags.parquet`),
    done: join(dir, 'out', `${base}.done.json`),
  };
};

const tempName = (file: string) => join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/** COPY (query) TO file as Parquet, atomically. */
export async function writeParquet(db: Db, query: string, file: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tempName(file);
  await db.run(`COPY (${query}) TO ${lit(tmp)} (FORMAT parquet)`);
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
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as StepDone) : null;
}

/** A fresh in-memory DuckDB for one step (a worker never opens the store). */
export async function withMemoryDb<T>(fn: (db: Db) => Promise<T>, threads?: number): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
  const db = await instance.connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one step of one partition from the files in the results folder `root`. Idempotent: the results
 * are a function of the input file only, and each file is replaced atomically.
 * `delayMs` (tests, diagnostics) holds the step before it writes, reporting progress meanwhile.
 */
export async function runStep(root: string, task: StepTask, opts: { progress?: StepProgress; delayMs?: number } = {}): Promise<StepDone> {
  const started = performance.now();
  const files = stepFiles(root, task);
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
    done = await withMemoryDb(async (db) => {
      await db.run(`CREATE TABLE mentions AS SELECT * FROM read_parquet(${lit(files.input)})`);
      await progress('linking', 10);
      await hold();
      const r = await linkPersons(db, { existingMentions: true, runId: `${task.runId}/${task.key}` });
      await progress('writing', 80);
      await writeParquet(db, 'SELECT * FROM persons ORDER BY feed, uid', files.persons);
      await writeParquet(db, 'SELECT * FROM person_links ORDER BY feed_l, uid_l, feed_r, uid_r', files.links);
      return {
        step: task.step,
        key: task.key,
        rows: r.counts.persons,
        mentions: r.counts.mentions,
        persons: r.counts.persons,
        linkedPairs: r.counts.linkedPairs,
        trained: r.trained,
        lambda: r.params.lambda,
        seconds: 0,
      };
    });
  } else {
    if (!task.asOf || !task.profile || !task.jurisdiction) throw new Error('evaluate step: asOf, profile and jurisdiction are required');
    const { asOf, profile, jurisdiction } = task;
    done = await withMemoryDb(async (db) => {
      const rows = await queryRows<{ facts: string }>(db, `SELECT facts FROM read_parquet(${lit(files.input)}) ORDER BY ord`);
      const children: ChildFacts[] = [];
      const people = new Map<string, PersonFacts>();
      for (const r of rows) {
        const item = JSON.parse(r.facts) as { child: ChildFacts; people: PersonFacts[] };
        children.push(item.child);
        for (const p of item.people) people.set(p.personId, p);
      }
      await progress('evaluating', 30);
      await hold();
      // evaluateFacts reads the profile and the jurisdiction of the configuration only.
      const flags = evaluateFacts({ profile, jurisdiction } as Config, asOf, { children, people });
      await progress('writing', 80);
      await db.run('CREATE TABLE step_flags (ord INTEGER, flag VARCHAR)');
      const app = await db.createAppender('step_flags');
      flags.forEach((f, i) => {
        app.appendInteger(i);
        app.appendVarchar(JSON.stringify(f));
        app.endRow();
      });
      app.closeSync();
      await writeParquet(db, 'SELECT * FROM step_flags ORDER BY ord', files.flags);
      return { step: task.step, key: task.key, rows: flags.length, children: children.length, seconds: 0 };
    });
  }
  done.seconds = Math.round(performance.now() - started) / 1000;
  writeJsonAtomic(files.done, done);
  await progress('done', 100);
  log.info({ step: task.step, partition: task.key, run: task.runId, rows: done.rows, seconds: done.seconds }, 'partition step done');
  return done;
}

// ---- The owner's side: export inputs, merge results -------------------------------------------------

/** Builds the store's mentions table and writes one Parquet file per partition; returns the partition keys. */
export async function exportMatchInputs(db: Db, root: string, rel: string, prefixLength: number | null): Promise<string[]> {
  ensureMatchFunctions(db);
  await db.run(mentionsSql('mentions'));
  const key = partitionKeySql('county', prefixLength);
  const keys = (await queryRows<{ k: string }>(db, `SELECT DISTINCT ${key} AS k FROM mentions ORDER BY k`)).map((r) => r.k);
  for (const k of keys) {
    await writeParquet(db, `SELECT * FROM mentions WHERE ${key} = ${lit(k)} ORDER BY feed, uid`, stepFiles(root, { rel, step: 'match', key: k }).input);
  }
  return keys;
}

/** persons and person_links of the store from the partitions' results (the keys that finished). */
export async function mergeMatches(db: Db, root: string, rel: string, keys: string[]): Promise<void> {
  if (!keys.length) throw new Error('no partition was matched: nothing to evaluate');
  const list = (what: 'persons' | 'links') => `[${keys.map((k) => lit(stepFiles(root, { rel, step: 'match', key: k })[what])).join(', ')}]`;
  await db.run(`CREATE OR REPLACE TABLE persons AS SELECT * FROM read_parquet(${list('persons')}) ORDER BY feed, uid`);
  await db.run(`CREATE OR REPLACE TABLE person_links AS SELECT * FROM read_parquet(${list('links')}) ORDER BY feed_l, uid_l, feed_r, uid_r`);
}

/** The people a child's rules read: the child, its recorded parents and carers, its listed parents. */
function peopleOf(child: ChildFacts, people: Map<string, PersonFacts>): PersonFacts[] {
  const ids = new Set<string>([child.personId]);
  for (const r of child.registry) for (const id of [r.father.personId, r.mother.personId, r.carerPersonId]) if (id) ids.add(id);
  if (child.listedFatherId) ids.add(child.listedFatherId);
  if (child.listedMotherId) ids.add(child.listedMotherId);
  return [...ids].map((id) => people.get(id)).filter((p): p is PersonFacts => !!p);
}

/** Writes the gathered facts as one Parquet file per partition of the children; returns the keys. */
export async function exportEvaluateInputs(db: Db, root: string, rel: string, facts: GatheredFacts, prefixLength: number | null): Promise<string[]> {
  await db.run('CREATE OR REPLACE TEMP TABLE job_eval_in (ord INTEGER, part VARCHAR, facts VARCHAR)');
  const app = await db.createAppender('job_eval_in', 'main', 'temp');
  facts.children.forEach((child, i) => {
    app.appendInteger(i);
    app.appendVarchar(partitionOf(child.county, prefixLength));
    app.appendVarchar(JSON.stringify({ child, people: peopleOf(child, facts.people) }));
    app.endRow();
  });
  app.closeSync();
  const keys = (await queryRows<{ k: string }>(db, 'SELECT DISTINCT part AS k FROM job_eval_in ORDER BY k')).map((r) => r.k);
  for (const k of keys) {
    await writeParquet(db, `SELECT ord, facts FROM job_eval_in WHERE part = ${lit(k)} ORDER BY ord`, stepFiles(root, { rel, step: 'evaluate', key: k }).input);
  }
  await db.run('DROP TABLE job_eval_in');
  return keys;
}

/** The flags of the finished partitions, in partition order; one flag reached twice is one flag (as evaluateFacts). */
export async function mergeFlags(db: Db, root: string, rel: string, keys: string[]): Promise<FlagRow[]> {
  const rows: FlagRow[] = [];
  for (const k of keys) {
    const file = stepFiles(root, { rel, step: 'evaluate', key: k }).flags;
    for (const r of await queryRows<{ flag: string }>(db, `SELECT flag FROM read_parquet(${lit(file)}) ORDER BY ord`)) rows.push(JSON.parse(r.flag) as FlagRow);
  }
  return uniqueFlags(rows);
}
