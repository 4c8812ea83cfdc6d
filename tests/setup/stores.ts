// Stores prepared once per test run and copied for every use: ingesting a synthetic province is
// the slow part of the tests that run quarters on it, and it gives the same store every time.
//
// The first test file (of any worker process) that asks for a key builds it in
// $BIDUI_TEST_CACHE/<key>/ (the folder doubles as the lock); the others wait for its `.ready`
// marker. A test copies the store file into its own folder and opens the copy.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { runQuarter } from '../../jobs/index.js';
import { openStore, quoteIdent, storeCatalog, type Db } from '../../pipeline/store/index.js';
import { generateProvince, synthOptionsSchema, type SynthOptions } from '../../synth/index.js';
import { tempDir } from '../helpers.js';

const STORE = 'store.duckdb';
const WAIT_MS = 10 * 60_000;

let ownCache: string | undefined;
/** The folder of this run's prepared stores (made by tests/setup/global.ts; a private one without it). */
function cacheRoot(): string {
  return process.env.BIDUI_TEST_CACHE ?? (ownCache ??= tempDir('bidui-test-stores-'));
}

const building = new Map<string, Promise<string>>();

/**
 * The folder of the prepared `key`: `build(dir)` writes `dir/store.duckdb` (and whatever else the
 * store refers to, such as the inbox it was loaded from, which stays in place) and returns its open
 * connection, which is checkpointed so that the file alone holds the store.
 */
export function prepared(key: string, build: (dir: string) => Promise<Db>): Promise<string> {
  let p = building.get(key);
  if (!p) {
    p = prepare(join(cacheRoot(), key), build);
    building.set(key, p);
  }
  return p;
}

async function prepare(dir: string, build: (dir: string) => Promise<Db>): Promise<string> {
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return waitFor(dir);
  }
  try {
    const db = await build(dir);
    // The store by name: a connection works in its in-memory work database (docs/protection.md), which a bare CHECKPOINT would mean.
    await db.run(`CHECKPOINT ${quoteIdent(storeCatalog(db))}`);
    writeFileSync(join(dir, '.ready'), '');
    return dir;
  } catch (e) {
    writeFileSync(join(dir, '.failed'), (e as Error).stack ?? String(e));
    throw e;
  }
}

async function waitFor(dir: string): Promise<string> {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    if (existsSync(join(dir, '.ready'))) return dir;
    if (existsSync(join(dir, '.failed'))) throw new Error(`preparing ${dir} failed in another test file:\n${readFileSync(join(dir, '.failed'), 'utf8')}`);
    if (Date.now() > until) throw new Error(`timed out waiting for another test file to prepare ${dir}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Copies the prepared store of `dir` (a folder of `prepared`) to the file `to`; returns `to`. */
export function copyStore(dir: string, to: string): string {
  copyFileSync(join(dir, STORE), to);
  if (existsSync(join(dir, `${STORE}.wal`))) copyFileSync(join(dir, `${STORE}.wal`), `${to}.wal`);
  return to;
}

/**
 * A synthetic province (`<dir>/province`: inbox/ and truth/) and the store its whole inbox was
 * ingested into, as `bidui synth` then `bidui ingest` make them.
 */
export async function ingestedProvince(opts: Pick<SynthOptions, 'seed' | 'size'> & { asOf?: string }): Promise<{ dir: string; province: string }> {
  const parsed = synthOptionsSchema.parse({ ...opts, out: 'province' });
  const dir = await prepared(`province-${parsed.seed}-${parsed.size}-${parsed.asOf}`, async (d) => {
    const province = join(d, 'province');
    await generateProvince({ ...parsed, out: province });
    const database = join(d, STORE);
    const db = await openStore(database);
    const reports = await ingestInbox(db, loadConfig(undefined, { database, inbox: join(province, 'inbox') }));
    const bad = reports.filter((r) => r.status !== 'loaded');
    if (bad.length > 0) throw new Error(`ingest of the synthetic province: ${JSON.stringify(bad)}`);
    return db;
  });
  return { dir, province: join(dir, 'province') };
}

/**
 * The quarter `asOf` run on a copy of `ingestedProvince(opts)`'s store as `bidui quarter` runs it by
 * default (in this process, unpartitioned; its ingest finds nothing new): `<dir>/store.duckdb` holds
 * the run and its flags, `<dir>/out/flags.csv` is the file it wrote. The reference the quarterly and
 * partitioned runs of other tests are compared with, and the start of those that go on from a run.
 */
export async function quarterRun(opts: Pick<SynthOptions, 'seed' | 'size'> & { asOf: string }): Promise<{ dir: string; province: string; out: string }> {
  const ingested = await ingestedProvince(opts);
  const dir = await prepared(`quarter-${opts.seed}-${opts.size}-${opts.asOf}`, async (d) => {
    const database = copyStore(ingested.dir, join(d, STORE));
    const cfg = loadConfig(undefined, { database, inbox: join(ingested.province, 'inbox'), jobs: { resultsDir: join(d, 'results') } });
    const db = await openStore(database);
    const res = await runQuarter(db, cfg, { asOf: opts.asOf, out: join(d, 'out') });
    if (res.status !== 'complete' || res.flags === 0) throw new Error(`the quarter run of the synthetic province: ${res.status}, ${res.flags} flags`);
    return db;
  });
  return { dir, province: ingested.province, out: join(dir, 'out') };
}
