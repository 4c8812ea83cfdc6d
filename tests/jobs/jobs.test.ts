// Jobs on a real redis-server (Debian's, started on a free loopback port): schedules from config fired on
// a short cron, a distributed quarter on 2 worker processes giving the same flags.csv as the embedded
// unpartitioned run, a worker killed with SIGKILL mid-partition, Redis stopped and restarted mid-run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/index.js';
import { connect, embeddedExecutor, type StepExecutor, queueExecutor, queueNames, queueStatus, registerSchedules, resultsRoot, runQuarter, startWorkers, stepFiles } from '../../jobs/index.js';
import { writeJsonAtomic, writeParquet } from '../../jobs/steps.js';
import { bucketKeysQuery, ensureMatchFunctions, identitySettings, preparePersonLinkage } from '../../matchers/index.js';
import { lit, openStore, queryRows, sql } from '../../pipeline/store/index.js';
import { flagsCsvText, freePort, sleep, tempDir, waitFor } from '../helpers.js';
import { biduiArgs } from '../setup/cli.js';
import { copyStore, ingestedProvince, quarterRun } from '../setup/stores.js';

const ROOT = resolve(import.meta.dirname, '../..');
const AS_OF = '2026-09-30';

let redis: ChildProcess | null = null;
let port = 0;
let url = '';
async function startRedis(): Promise<void> {
  const proc = spawn(process.env.REDIS_SERVER_PATH ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  redis = proc;
  await waitFor('redis-server', () => /Ready to accept connections/.test(out), 10_000);
}
async function stopRedis(): Promise<void> {
  const proc = redis;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  process.kill(proc.pid!, 'SIGTERM');
  await exited;
  redis = null;
}

const children: ChildProcess[] = [];
/** A `bidui worker` child process; resolves when it is listening. */
async function startWorker(configFile: string, extra: string[] = []): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [...(await biduiArgs()), '--config', configFile, 'worker', '--queue', url, ...extra], {
    cwd: ROOT,
    env: { ...process.env, BIDUI_LOG_LEVEL: 'warn', VITEST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('worker start', () => out.includes('工作进程已启动') || proc.exitCode !== null, 30_000);
  if (proc.exitCode !== null) throw new Error(`worker exited: ${out}`);
  return proc;
}
async function stopWorker(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  process.kill(proc.pid!, signal);
  await exited;
}

let dir: string;
let synth: string;
let baseDb: string;
let embeddedCsv: string;

function scenario(name: string, jobs: Record<string, unknown> = {}): { cfg: Config; file: string; db: string; out: string } {
  const db = join(dir, `${name}.duckdb`);
  copyFileSync(baseDb, db);
  const file = join(dir, `${name}.json`);
  const json = {
    database: db,
    inbox: join(synth, 'inbox'),
    jobs: { partitionBy: 4, resultsDir: join(dir, 'shared'), lockMs: 2000, stalledCheckMs: 1000, backoffMs: 200, queuePrefix: name, ...jobs },
  };
  writeFileSync(file, JSON.stringify(json));
  return { cfg: loadConfig(file), file, db, out: join(dir, `${name}-out`) };
}

async function distributedRun(s: ReturnType<typeof scenario>) {
  const db = await openStore(s.db);
  const executor = queueExecutor(s.cfg, url, { pollMs: 100 });
  try {
    return await runQuarter(db, s.cfg, { asOf: AS_OF, out: s.out, executor });
  } finally {
    await executor.close?.();
  }
}

beforeAll(async () => {
  port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  await startRedis();
  dir = tempDir('bidui-jobs-');
  // One ingest of the province (tests/setup/stores.ts, shared with other test files), copied for every scenario.
  const province = await ingestedProvince({ seed: 7, size: 'tiny', asOf: AS_OF });
  synth = province.province;
  baseDb = copyStore(province.dir, join(dir, 'base.duckdb'));
  // The embedded default (one process, no partitions) on the same store, run once for the test run (shared
  // with tests/rules/quarter.test.ts): the reference every partitioned run must equal byte for byte.
  embeddedCsv = flagsCsvText((await quarterRun({ seed: 7, size: 'tiny', asOf: AS_OF })).out);
  expect(embeddedCsv.trim().split('\n').length).toBeGreaterThan(1);
}, 120_000);

afterAll(async () => {
  for (const c of children) await stopWorker(c, 'SIGKILL');
  await stopRedis();
});

describe('partitioned runs', () => {
  it('an embedded run split into match and evaluate partitions gives the flags.csv of the unpartitioned run', async () => {
    const s = scenario('parts', { matchPartitions: 5 });
    const res = await runQuarter(await openStore(s.db), s.cfg, { asOf: AS_OF, out: s.out, executor: embeddedExecutor(resultsRoot(s.cfg)) });
    expect(res.status).toBe('complete');
    expect(res.partitions.match).toBe(5);
    expect(res.partitions.evaluate).toBeGreaterThan(1);
    expect(flagsCsvText(s.out)).toBe(embeddedCsv);
  }, 120_000);

  it('a coordinator that died after matching resumes: the re-run reuses the finished match partitions', async () => {
    const s = scenario('resume', { matchPartitions: 3 });
    const db = await openStore(s.db);
    const inner = embeddedExecutor(resultsRoot(s.cfg));
    const steps = (log: string[], crashOn?: string): StepExecutor => ({
      kind: 'embedded',
      async run(tasks) {
        if (crashOn && tasks[0]?.step === crashOn) throw new Error('coordinator died');
        log.push(...tasks.map((t) => t.step));
        return inner.run(tasks);
      },
    });
    const first: string[] = [];
    await expect(runQuarter(db, s.cfg, { asOf: AS_OF, out: s.out, executor: steps(first, 'evaluate') })).rejects.toThrow('coordinator died');
    expect(first).toEqual(['match', 'match', 'match']);
    const again: string[] = [];
    const res = await runQuarter(db, s.cfg, { asOf: AS_OF, out: s.out, executor: steps(again) });
    expect(res.status).toBe('complete');
    expect(again).toEqual(Array(res.partitions.evaluate).fill('evaluate'));
    expect(flagsCsvText(s.out)).toBe(embeddedCsv);
    expect(readdirSync(join(dir, 'shared', res.runId))).toEqual([]);
  }, 120_000);
});

describe('jobs on Redis', () => {
  it('registers schedules from config, idempotently, removes those of removed sources, and fires them', async () => {
    const s = scenario('sched', { quarterly: { cron: '*/2 * * * * *' } });
    const sources = [
      { name: 'death-drop', feed: 'death', path: 'death', schedule: '* * * * * *' },
      { name: 'enrol-drop', feed: 'enrollment', path: 'enrollment', schedule: '0 1 * * *' },
    ];
    const fresh = join(dir, 'sched-empty.duckdb');
    const cfgWith = (list: typeof sources, quarterly = true) =>
      loadConfig(undefined, { database: fresh, inbox: s.cfg.inbox, sources: list, jobs: { ...s.cfg.jobs, quarterly: { enabled: quarterly, cron: '*/2 * * * * *' } } });
    const first = await registerSchedules(cfgWith(sources), url);
    expect(first.registered.map((r) => r.id).sort()).toEqual(['quarter', 'scan.death-drop', 'scan.enrol-drop']);
    expect(first.registered.every((r) => r.tz === 'Asia/Shanghai')).toBe(true);
    const again = await registerSchedules(cfgWith(sources), url);
    expect(again.removed).toEqual([]);
    const conn = connect(url);
    const store = new Queue(queueNames(s.cfg).store, { connection: conn });
    expect(await store.getJobSchedulersCount()).toBe(3);
    const removed = await registerSchedules(cfgWith([sources[0]!]), url);
    expect(removed.removed).toEqual(['scan.enrol-drop']);
    expect((await store.getJobSchedulers(0, -1)).map((x) => x.key).sort()).toEqual(['quarter', 'scan.death-drop']);

    // Fired on the short cron: a recording worker sees the source scans and the quarterly run.
    const fired: { name: string; source?: string }[] = [];
    const recorder = new Worker(store.name, async (job) => void fired.push({ name: job.name, source: job.data.source }), { connection: connect(url) });
    await waitFor('scheduled jobs', () => fired.some((f) => f.name === 'quarter') && fired.some((f) => f.source === 'death-drop'), 15_000);
    await recorder.close();

    // The owner worker runs them: the scans queue one ingest job per file, each file is loaded once.
    await registerSchedules(cfgWith([sources[0]!], false), url);
    const owner = await startWorkers(cfgWith([sources[0]!], false), { url, owner: true });
    const db = await openStore(fresh);
    const deathFiles = readdirSync(join(synth, 'inbox', 'death')).length;
    expect(deathFiles).toBeGreaterThan(0);
    await waitFor('ingest through scheduled scans', async () => {
      const [r] = await queryRows<{ n: number }>(db, `SELECT count(*)::INT AS n FROM ingest_batches WHERE source = 'death-drop' AND status = 'loaded'`);
      return r!.n === deathFiles;
    }, 30_000);
    await sleep(1500); // more scans fire: nothing is loaded twice
    const [dup] = await queryRows<{ n: number }>(db, `SELECT count(*)::INT AS n FROM ingest_batches WHERE source = 'death-drop'`);
    expect(dup!.n).toBe(deathFiles);
    await owner.close();
    await store.removeJobScheduler('scan.death-drop');
    await store.close();
    conn.disconnect();
  });

  it('a distributed quarter on 2 workers gives the flags.csv of the embedded run; a poisoned partition is a dead letter', async () => {
    const s = scenario('dist');
    const workers = [await startWorker(s.file), await startWorker(s.file)];
    const res = await distributedRun(s);
    expect(res.status).toBe('complete');
    expect(flagsCsvText(s.out)).toBe(embeddedCsv);
    // The shared folder is cleaned after the run (partition files hold personal data).
    expect(readdirSync(join(dir, 'shared', res.runId))).toEqual([]);

    // A poisoned partition input: its job fails after the retries with the reason (dead letter); the others finish.
    const shared = join(dir, 'shared');
    const poisoned = { step: 'match' as const, runId: 'Qpoison', rel: 'Qpoison/a1', key: '0', of: 1 };
    const healthy = { ...poisoned, rel: 'Qpoison/a2' };
    mkdirSync(join(shared, 'Qpoison', 'a1', 'in'), { recursive: true });
    writeFileSync(stepFiles(shared, poisoned).input, 'not parquet');
    writeJsonAtomic(stepFiles(shared, poisoned).settings, identitySettings());
    mkdirSync(stepFiles(shared, poisoned).keys);
    // The healthy bucket compares the nodes of the distributed run's store, prepared again (the run drops its own
    // once persons and links are stored); it finds the run's candidate pairs.
    const store = await openStore(s.db);
    expect(await queryRows(store, `SELECT table_name FROM duckdb_tables() WHERE table_name IN ('match_nodes', 'match_pairs', 'name_only_candidates')`)).toEqual([]);
    await preparePersonLinkage(store, { runId: 'Qpoison', prefix: 'match_' });
    await ensureMatchFunctions(store); // the ID rule's keys use bidui_id_one_edits
    const files = stepFiles(shared, healthy);
    await writeParquet(store, sql`SELECT * FROM match_nodes`, files.input);
    writeJsonAtomic(files.settings, identitySettings());
    await store.run(`COPY (${bucketKeysQuery(identitySettings(), 'match_', 1)}) TO ${lit(files.keys)} (FORMAT parquet, PARTITION_BY (bucket))`);
    const [cand] = await queryRows<{ n: number }>(store, `SELECT (summary->'match'->>'candidatePairs')::INT AS n FROM runs WHERE run_id = ${lit(res.runId)}`);
    const executor = queueExecutor(s.cfg, url, { pollMs: 100 });
    const outcomes = await executor.run([poisoned, healthy]);
    await executor.close?.();
    expect(outcomes[0]!.done).toBeNull();
    expect(outcomes[0]!.error).toMatch(/parquet|magic|file/i);
    expect(outcomes[1]!.done?.candidatePairs).toBe(cand!.n);
    expect(cand!.n).toBeGreaterThan(0);
    const failed = await queueStatus(s.cfg, url);
    expect(failed.failed.map((f) => [f.attempts, f.id])).toEqual([[3, 'match.Qpoison.a1.0']]);
    for (const w of workers) await stopWorker(w);
  }, 120_000);

  it('a worker killed with SIGKILL mid-partition: another worker retries the job and the run is complete and identical', async () => {
    const s = scenario('kill');
    const slow = await startWorker(s.file, ['--step-delay', '5000']);
    const run = distributedRun(s);
    const conn = connect(url);
    const parts = new Queue(queueNames(s.cfg).partitions, { connection: conn });
    await waitFor('a partition job in progress', async () => (await parts.getActive()).some((j) => typeof j.progress === 'object'), 30_000);
    const victim = (await parts.getActive())[0]!.id!;
    await stopWorker(slow, 'SIGKILL');
    const rescuer = await startWorker(s.file);
    const res = await run;
    expect(res.status).toBe('complete');
    expect(flagsCsvText(s.out)).toBe(embeddedCsv);
    const job = await parts.getJob(victim);
    expect(job?.finishedOn).toBeTruthy();
    await parts.close();
    conn.disconnect();
    await stopWorker(rescuer);
  }, 120_000);

  it('Redis stopped and restarted mid-run: the run completes after reconnecting', async () => {
    const s = scenario('restart');
    const workers = [await startWorker(s.file, ['--step-delay', '300']), await startWorker(s.file, ['--step-delay', '300'])];
    const run = distributedRun(s);
    const out = join(dir, 'shared');
    await waitFor('a finished partition', () => {
      const r = spawnSync('sh', ['-c', `ls ${out}/Q${AS_OF}/*/out/*.done.json 2>/dev/null | wc -l`], { encoding: 'utf8' });
      return Number(r.stdout.trim()) >= 2;
    }, 30_000);
    await stopRedis();
    await sleep(1000);
    await startRedis();
    const res = await run;
    expect(res.status).toBe('complete');
    expect(flagsCsvText(s.out)).toBe(embeddedCsv);
    for (const w of workers) await stopWorker(w);
  }, 120_000);
});
