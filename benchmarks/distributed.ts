/**
 * npm run bench:distributed [-- --size medium|province --seed 1 --queue redis://HOST:PORT --partition-by 4
 *   --match-partitions 8 --no-reference --memory 8GB]
 * A partitioned quarter on a synthetic province (generated and ingested once, then reused), run
 * through the job queue with 1 and with 2 `bidui worker` processes; prints both times and the ratio,
 * and whether both flags.csv equal the one of the embedded unpartitioned run (also timed; skipped with
 * --no-reference). Without --queue a redis-server is started on a free loopback port (and stopped afterwards).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { queueExecutor, runQuarter } from '../jobs/index.js';
import { openStore } from '../pipeline/store/index.js';
import { generateProvince, synthOptionsSchema } from '../synth/index.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'medium' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: 'bench-output/distributed' },
    'as-of': { type: 'string', default: '2026-09-30' },
    queue: { type: 'string' },
    'partition-by': { type: 'string', default: '4' },
    'match-partitions': { type: 'string', default: '8' },
    'no-reference': { type: 'boolean', default: false },
    /** DuckDB memory limit of the owner's store (e.g. 8GB), so that the owner and the workers share one machine. */
    memory: { type: 'string' },
  },
});
const root = resolve('.');
const dir = resolve(values.dir!, `${values.size}-seed${values.seed}`);
const asOf = values['as-of']!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!existsSync(join(dir, 'truth'))) {
  const t0 = performance.now();
  await generateProvince(synthOptionsSchema.parse({ seed: Number(values.seed), size: values.size, out: dir, asOf }));
  console.log(`generated ${values.size} province in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const base = join(dir, 'ingested.duckdb');
if (!existsSync(base)) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--db', base, 'ingest', '--inbox', join(dir, 'inbox')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 && r.status !== 3) throw new Error('ingest failed');
  console.log(`ingested in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

let redis: ChildProcess | null = null;
let url = values.queue;
if (!url) {
  const port = await new Promise<number>((ok) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => ok(p));
    });
  });
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  url = `redis://127.0.0.1:${port}`;
  await sleep(500);
}

function scenario(name: string, jobs: Record<string, unknown>) {
  const db = join(dir, `${name}.duckdb`);
  for (const f of [db, db + '.wal']) rmSync(f, { force: true });
  copyFileSync(base, db);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ database: db, inbox: join(dir, 'inbox'), jobs: { resultsDir: join(dir, 'shared'), ...jobs } }));
  return { db, file, cfg: loadConfig(file) };
}

async function ownerStore(path: string) {
  const store = await openStore(path);
  if (values.memory) await store.run(`SET memory_limit = '${values.memory.replace(/[^0-9A-Za-z.]/g, '')}'`);
  return store;
}

/** The embedded default: one process, no partitions. */
async function reference(): Promise<number> {
  const { db, cfg } = scenario('reference', { partitionBy: null });
  const t0 = performance.now();
  const r = await runQuarter(await ownerStore(db), cfg, { asOf, out: join(dir, 'out-reference'), skipIngest: true });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`embedded, unpartitioned: ${seconds.toFixed(1)} s, ${r.flags} flags (${Object.entries(r.timings).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  return seconds;
}

async function run(workers: number): Promise<number> {
  const { db, file, cfg } = scenario(`run-${workers}`, {
    partitionBy: Number(values['partition-by']),
    matchPartitions: Number(values['match-partitions']),
    queuePrefix: `bench${workers}`,
  });
  const procs: ChildProcess[] = [];
  for (let i = 0; i < workers; i++) {
    const p = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--config', file, 'worker', '--queue', url!], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((ok) => p.stdout!.on('data', () => ok()));
    procs.push(p);
  }
  const store = await ownerStore(db);
  const executor = queueExecutor(cfg, url!);
  const t0 = performance.now();
  const r = await runQuarter(store, cfg, { asOf, out: join(dir, `out-${workers}`), skipIngest: true, executor });
  const seconds = (performance.now() - t0) / 1000;
  await executor.close?.();
  for (const p of procs) p.kill('SIGTERM');
  console.log(`${workers} worker(s): ${seconds.toFixed(1)} s, ${r.flags} flags, ${r.partitions.match} partitions, status ${r.status} (${Object.entries(r.timings).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  return seconds;
}

const same = (a: string, b: string) => spawnSync('cmp', ['-s', join(dir, a, 'flags.csv'), join(dir, b, 'flags.csv')]).status === 0;
const ref = values['no-reference'] ? null : await reference();
const one = await run(1);
const two = await run(2);
console.log(`size ${values.size}: 1 worker ${one.toFixed(1)} s, 2 workers ${two.toFixed(1)} s, ratio ${(one / two).toFixed(2)}x; flags.csv of 1 and 2 workers identical: ${same('out-1', 'out-2')}`);
if (ref !== null) console.log(`embedded unpartitioned ${ref.toFixed(1)} s; flags.csv identical to it: 1 worker ${same('out-reference', 'out-1')}, 2 workers ${same('out-reference', 'out-2')}`);
console.log(`peak memory of the owner process (max RSS): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
if (redis) redis.kill('SIGTERM');
process.exit(0);
