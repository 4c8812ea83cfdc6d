/**
 * npm run bench:ingest [-- --size province|medium|small --seed 1 --dir bench-output/ingest --floor]
 * Generates (once, then reuses) a synthetic inbox, ingests it into a fresh DuckDB file and prints
 * rows/s per feed, end to end, CPU time and peak memory. With --floor, it times instead what the
 * same files cost with no normalisation (ingest-floor.ts): the most an ingest could reach here.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type FeedName } from '../config/index.js';
import { ingestInbox, type BatchReport } from '../connectors/index.js';
import { openStore } from '../pipeline/store/index.js';
import { generateProvince, synthOptionsSchema } from '../synth/index.js';
import { ingestFloor } from './ingest-floor.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'province' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: 'bench-output/ingest' },
    threads: { type: 'string', default: '2' },
    floor: { type: 'boolean', default: false },
  },
});
const dir = resolve(values.dir!, `${values.size}-seed${values.seed}`);
const inbox = join(dir, 'inbox');
if (!existsSync(join(dir, 'truth'))) {
  const t0 = performance.now();
  await generateProvince(synthOptionsSchema.parse({ seed: Number(values.seed), size: values.size, out: dir }));
  console.log(`generated ${values.size} inbox in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
}
const dbPath = join(dir, 'bench.duckdb');
rmSync(dbPath, { force: true });
rmSync(dbPath + '.wal', { force: true });
const cfg = loadConfig(undefined, { database: dbPath, inbox });
const db = await openStore(dbPath, { threads: Number(values.threads) });

const started = performance.now();
const cpuStart = process.cpuUsage();
// Two files are ingested at a time, so a feed's time is the span from its first file's start to
// its last file's end, not the sum of its files' times.
const startedAt: number[] = [];
let reports: Pick<BatchReport, 'feed' | 'rowsLoaded' | 'rowsQuarantined' | 'seconds' | 'status' | 'file' | 'error'>[];
if (values.floor) {
  let at = 0;
  reports = (await ingestFloor(db, cfg)).map((f, i) => {
    startedAt[i] = at;
    at += f.seconds * 1000;
    return { feed: f.feed, rowsLoaded: f.rows, rowsQuarantined: 0, seconds: f.seconds, status: 'loaded', file: '' };
  });
  console.log('FLOOR: files read and stored with no normalisation (benchmarks/ingest-floor.ts)');
} else {
  reports = await ingestInbox(db, cfg, { onProgress: (e) => (startedAt[e.index] = performance.now()) });
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);

const perFeed = new Map<FeedName, { rows: number; from: number; to: number; files: number; quarantined: number }>();
reports.forEach((r, i) => {
  const f = perFeed.get(r.feed) ?? { rows: 0, from: Infinity, to: 0, files: 0, quarantined: 0 };
  f.rows += r.rowsLoaded;
  f.quarantined += r.rowsQuarantined;
  f.from = Math.min(f.from, startedAt[i]!);
  f.to = Math.max(f.to, startedAt[i]! + r.seconds * 1000);
  f.files += 1;
  perFeed.set(r.feed, f);
});
console.log('feed            files        rows   quarantined   seconds      rows/s');
for (const [feed, f] of perFeed) {
  const span = (f.to - f.from) / 1000;
  console.log(
    `${feed.padEnd(14)}${String(f.files).padStart(6)}${String(f.rows).padStart(12)}${String(f.quarantined).padStart(14)}${span.toFixed(1).padStart(10)}${Math.round(f.rows / span).toString().padStart(12)}`,
  );
}
const total = [...perFeed.values()].reduce((a, f) => a + f.rows + f.quarantined, 0);
const failed = reports.filter((r) => r.status === 'failed');
console.log(`total: ${total} rows in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)} rows/s end to end (threads ${values.threads})`);
// CPU time varies less than wall time on a shared machine: compare runs by both.
console.log(`CPU time: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (user + system, every thread of the process)`);
console.log(`peak memory (max RSS): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
if (failed.length) {
  console.log(`FAILED batches: ${failed.map((f) => `${f.file}: ${f.error}`).join('; ')}`);
  process.exitCode = 1;
}
