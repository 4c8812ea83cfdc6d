// BullMQ on Redis: two queues. `<prefix>-store` holds the jobs that write the store (scan a source,
// ingest a file, the quarterly run) and is worked only by the owner of the DuckDB file
// (`bidui worker --owner`); `<prefix>-partitions` holds the match and evaluate steps of partitions,
// worked by any number of `bidui worker` processes on any number of machines that share the results
// folder. A partition step is done when its results are in the shared folder: Redis is the transport,
// so a run survives a Redis restart (jobs that vanished are added again) and a killed worker (its
// job is stalled, then retried by another worker).
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Job, Queue, UnrecoverableError, Worker, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { effectiveSources, type Config, type SourceConfig } from '../config/index.js';
import { pullSource } from '../connectors/index.js';
import { log } from '../pipeline/log.js';
import { beijingTime } from '../pipeline/timing.js';
import { openStore, type Db } from '../pipeline/store/index.js';
import { ingestFileStep, previousQuarterEnd, resultsRoot, runQuarter, scanSource, sourceByName, type StepExecutor, type StepOutcome } from './quarter.js';
import { readDone, runStep, type StepTask } from './steps.js';

export const queueNames = (config: Config) => ({ store: `${config.jobs.queuePrefix}-store`, partitions: `${config.jobs.queuePrefix}-partitions` });

/** An ioredis connection as BullMQ needs it: commands wait (never fail) while Redis is away. */
export function connect(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  });
  // While Redis is away ioredis retries; one line per outage instead of an unhandled error per attempt.
  let down = false;
  redis.on('error', (err) => {
    if (!down) log.warn({ error: err.message }, 'redis unreachable; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis reconnected');
    down = false;
  });
  return redis;
}

export function queueUrl(config: Config, flag?: string | boolean): string {
  const url = typeof flag === 'string' ? flag : config.jobs.queue;
  if (!url) throw new Error('no queue: pass --queue redis://HOST:PORT or set jobs.queue in the configuration');
  return url;
}

export function jobOptions(config: Config): JobsOptions {
  return {
    attempts: config.jobs.attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoffMs },
    removeOnComplete: { age: 7 * 86_400, count: 10_000 },
    // Failed after the last attempt = the dead-letter state: kept with its reason for `bidui status`.
    removeOnFail: { age: 90 * 86_400 },
  };
}

const jobIdOf = (t: StepTask) => `${t.step}.${t.rel.replaceAll('/', '.')}.${t.key}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the steps as jobs of the partitions queue and waits for their results in the shared folder. */
export function queueExecutor(config: Config, url: string, opts: { pollMs?: number } = {}): StepExecutor {
  const connection = connect(url);
  const queue = new Queue(queueNames(config).partitions, { connection });
  const root = resultsRoot(config);
  const pollMs = opts.pollMs ?? 250;
  const add = (tasks: StepTask[]) =>
    queue.addBulk(tasks.map((t) => ({ name: t.step, data: t, opts: { ...jobOptions(config), jobId: jobIdOf(t) } })));
  return {
    kind: 'queue',
    async run(tasks) {
      if (!tasks.length) return [];
      // The job of a step an earlier attempt of the run (same folder, same job id) finished or gave up keeps
      // its id; the step's results are not there (or it would not be asked for again): run it anew. A job still
      // waiting or running is left to finish (steps are idempotent).
      for (const t of tasks) {
        const old = await Job.fromId(queue, jobIdOf(t));
        if (old && ['failed', 'completed'].includes(await old.getState())) await old.remove();
      }
      await add(tasks);
      const outcomes = new Map<string, StepOutcome>();
      let lastLog = 0;
      while (outcomes.size < tasks.length) {
        for (const task of tasks) {
          const id = jobIdOf(task);
          if (outcomes.has(id)) continue;
          const done = readDone(root, task);
          if (done) {
            outcomes.set(id, { task, done });
            continue;
          }
          const job = await Job.fromId<StepTask>(queue, id);
          if (!job) {
            // Redis lost it (restarted without persistence): add it again; the step is idempotent.
            log.warn({ jobId: id }, 'job vanished from the queue; adding it again');
            await add([task]);
            continue;
          }
          const state = await job.getState();
          if (state === 'failed') {
            outcomes.set(id, { task, done: null, error: job.failedReason || 'failed' });
            log.error({ jobId: id, attempts: job.attemptsMade, error: job.failedReason }, 'partition step failed for good (dead letter)');
          } else if (state === 'completed' && !readDone(root, task)) {
            outcomes.set(id, { task, done: null, error: `completed but no result in ${root} (is the results folder shared by every worker?)` });
          }
        }
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log.info({ step: tasks[0]!.step, done: outcomes.size, total: tasks.length }, 'waiting for partition jobs');
        }
        if (outcomes.size < tasks.length) await sleep(pollMs);
      }
      return tasks.map((t) => outcomes.get(jobIdOf(t))!);
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

// ---- Workers -------------------------------------------------------------------------------------------

export interface WorkerOptions {
  url: string;
  concurrency?: number;
  /** Also work the store queue (scan, ingest, quarterly run): only the process that may open the DuckDB file. */
  owner?: boolean;
  /** Hold each partition step this long (tests and diagnostics). */
  stepDelayMs?: number;
}

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs and returns within about `graceMs` (default CLOSE_GRACE_MS) plus a second, with or without Redis; never rejects. */
  close(graceMs?: number): Promise<void>;
}

/** The store queue's jobs, by name: their payloads are checked before any work starts. */
const storeJobSchemas = {
  'scan-source': z.object({ source: z.string().min(1), inbox: z.string().optional() }),
  'ingest-file': z.object({ source: z.string().min(1), path: z.string().min(1) }),
  'pull-source': z.object({ source: z.string().min(1) }),
  quarter: z.object({ asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), inbox: z.string().optional(), out: z.string().optional() }),
} as const;
type StoreJobName = keyof typeof storeJobSchemas;

/** A store job's payload, validated for its name; a bad one is a dead letter at once (retrying cannot mend it). */
function storeJob<N extends StoreJobName>(name: N, data: unknown): z.infer<(typeof storeJobSchemas)[N]> {
  const r = storeJobSchemas[name].safeParse(data);
  if (!r.success) throw new UnrecoverableError(`bad ${name} job: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data as z.infer<(typeof storeJobSchemas)[N]>;
}

export async function startWorkers(config: Config, opts: WorkerOptions): Promise<RunningWorkers> {
  const names = queueNames(config);
  const root = resultsRoot(config);
  const common = {
    lockDuration: config.jobs.lockMs,
    stalledInterval: config.jobs.stalledCheckMs,
    maxStalledCount: config.jobs.attempts,
  };
  const connections: Redis[] = [];
  const conn = () => {
    const c = connect(opts.url);
    connections.push(c);
    return c;
  };
  const workers: Worker[] = [];
  const closables: (() => Promise<void>)[] = [];
  const onFailed = (job: Job | undefined, err: Error) => {
    if (!job) return;
    const last = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
    (last ? log.error : log.warn).call(log, { jobId: job.id, job: job.name, attempt: job.attemptsMade, error: err.message }, last ? 'job failed for good (dead letter)' : 'job failed; will retry');
  };

  const partitions = new Worker<StepTask>(
    names.partitions,
    async (job) => {
      const done = await runStep(root, job.data, { delayMs: opts.stepDelayMs, progress: (p) => job.updateProgress(p) });
      return { rows: done.rows, seconds: done.seconds };
    },
    { connection: conn(), concurrency: opts.concurrency ?? config.jobs.concurrency, ...common },
  );
  partitions.on('failed', onFailed);
  partitions.on('error', (err) => log.warn({ queue: names.partitions, error: err.message }, 'worker error'));
  workers.push(partitions);

  let db: Db | null = null;
  if (opts.owner) {
    db = await openStore(config.database);
    const store = new Queue(names.store, { connection: conn() });
    const ownerDb = db;
    const w = new Worker<unknown>(
      names.store,
      async (job) => {
        /** An ingest job for each file of the source; one per file version: a file seen again unchanged is not queued twice. */
        const queueIngests = async (source: SourceConfig, inbox?: string) => {
          const files = await scanSource(config, source, inbox);
          await store.addBulk(
            files.map((path) => {
              const st = statSync(path);
              const id = createHash('sha1').update(`${path}|${st.size}|${st.mtimeMs}`).digest('hex').slice(0, 20);
              return { name: 'ingest-file', data: { source: source.name, path }, opts: { ...jobOptions(config), jobId: `ingest.${id}` } };
            }),
          );
          return files.length;
        };
        if (job.name === 'scan-source') {
          const data = storeJob('scan-source', job.data);
          return { files: await queueIngests(sourceByName(config, data.source), data.inbox) };
        }
        if (job.name === 'pull-source') {
          // A pulled source on its cron: pull (the requests retry themselves), then ingest what it wrote.
          const data = storeJob('pull-source', job.data);
          const source = sourceByName(config, data.source);
          const report = await pullSource(ownerDb, config, source);
          if (report.status === 'failed') {
            const hopeless = report.code === 'AUTH' || report.code === 'SECRET_MISSING' || report.code === 'CONFIG';
            throw hopeless ? new UnrecoverableError(report.error ?? 'pull failed') : new Error(report.error ?? 'pull failed');
          }
          return { rows: report.rows, pages: report.pages, file: report.file, files: await queueIngests(source) };
        }
        if (job.name === 'ingest-file') {
          const data = storeJob('ingest-file', job.data);
          const source = sourceByName(config, data.source);
          if (!existsSync(data.path)) throw new UnrecoverableError(`file gone: ${data.path}`);
          const report = await ingestFileStep(ownerDb, config, source, data.path);
          // A file that cannot be read fails the same way every time: straight to the dead letters.
          if (report.status === 'failed') throw new UnrecoverableError(report.error ?? 'ingest failed');
          return { status: report.status, batchId: report.batchId, rowsLoaded: report.rowsLoaded };
        }
        if (job.name === 'quarter') {
          const data = storeJob('quarter', job.data);
          const asOf = data.asOf ?? previousQuarterEnd(new Date(), config.jobs.timezone);
          const executor = queueExecutor(config, opts.url);
          try {
            await job.updateProgress({ step: 'quarter', asOf, stage: 'running' });
            const out = data.out ?? join(resolve(config.jobs.outDir), `Q${asOf}`);
            const r = await runQuarter(ownerDb, config, { asOf, out, inbox: data.inbox, executor });
            return { runId: r.runId, status: r.status, flags: r.flags, failures: r.failures.length, files: r.files };
          } finally {
            await executor.close?.();
          }
        }
        throw new UnrecoverableError(`unknown job "${job.name}"`);
      },
      { connection: conn(), concurrency: 1, ...common },
    );
    w.on('failed', onFailed);
    w.on('error', (err) => log.warn({ queue: names.store, error: err.message }, 'worker error'));
    workers.push(w);
    closables.push(() => store.close());
  }
  log.info({ queues: opts.owner ? [names.store, names.partitions] : [names.partitions], concurrency: opts.concurrency ?? config.jobs.concurrency }, 'worker started');
  return {
    workers,
    async close(graceMs = CLOSE_GRACE_MS) {
      // Graceful: the running steps finish and BullMQ releases their locks. That needs Redis: with Redis
      // away (or a long step) it would wait for ever, so after `graceMs` the workers are closed by force
      // and the connections dropped; a step cut short keeps its lock until lockMs, then another worker
      // takes it again (steps are idempotent).
      const graceful = (async () => {
        for (const w of workers) await w.close();
        for (const c of closables) await c();
      })();
      const inTime = await Promise.race([graceful.then(() => true), sleep(graceMs).then(() => false)]).catch((err: Error) => {
        log.warn({ error: err.message }, 'worker close failed; closing by force');
        return false;
      });
      if (!inTime) {
        log.warn({ graceMs }, 'workers not closed in time (redis away or a step still running): closing by force');
        graceful.catch(() => undefined);
        await Promise.race([Promise.allSettled(workers.map((w) => w.close(true))), sleep(1_000)]);
      }
      for (const c of connections) c.disconnect();
    },
  };
}

/** How long `RunningWorkers.close` lets running steps finish before it closes by force. */
export const CLOSE_GRACE_MS = 5_000;

// ---- Schedules -----------------------------------------------------------------------------------------

export interface ScheduleReport {
  registered: { id: string; pattern: string; tz: string }[];
  removed: string[];
}

/** One job scheduler per source (its cron) and the quarterly run; schedulers of removed sources are removed. */
export async function registerSchedules(config: Config, url: string): Promise<ScheduleReport> {
  const connection = connect(url);
  const queue = new Queue(queueNames(config).store, { connection });
  try {
    const tz = config.jobs.timezone;
    const registered: ScheduleReport['registered'] = [];
    const wanted = new Set<string>();
    for (const s of effectiveSources(config)) {
      // A pulled source's cron pulls (and then ingests what the pull wrote); a drop folder's scans.
      const [id, name] = s.pull ? [`pull.${s.name}`, 'pull-source'] : [`scan.${s.name}`, 'scan-source'];
      await queue.upsertJobScheduler(id, { pattern: s.schedule, tz }, { name, data: { source: s.name }, opts: jobOptions(config) });
      wanted.add(id);
      registered.push({ id, pattern: s.schedule, tz });
    }
    if (config.jobs.quarterly.enabled) {
      await queue.upsertJobScheduler('quarter', { pattern: config.jobs.quarterly.cron, tz }, { name: 'quarter', data: {}, opts: jobOptions(config) });
      wanted.add('quarter');
      registered.push({ id: 'quarter', pattern: config.jobs.quarterly.cron, tz });
    }
    const removed: string[] = [];
    for (const s of await queue.getJobSchedulers(0, -1)) {
      if (!wanted.has(s.key)) {
        await queue.removeJobScheduler(s.key);
        removed.push(s.key);
      }
    }
    log.info({ registered: registered.length, removed: removed.length }, 'schedules registered');
    return { registered, removed };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

// ---- Status --------------------------------------------------------------------------------------------

export interface QueueStatus {
  queues: { name: string; counts: Record<string, number> }[];
  active: { queue: string; id: string; name: string; progress: unknown; attempts: number; startedAt: string | null }[];
  failed: { queue: string; id: string; name: string; attempts: number; reason: string; failedAt: string | null }[];
  schedules: { id: string; job: string; pattern: string | null; tz: string | null; next: string | null }[];
}

export async function queueStatus(config: Config, url: string): Promise<QueueStatus> {
  const connection = connect(url);
  const qs = Object.values(queueNames(config)).map((n) => new Queue(n, { connection }));
  const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);
  try {
    const status: QueueStatus = { queues: [], active: [], failed: [], schedules: [] };
    for (const q of qs) {
      status.queues.push({ name: q.name, counts: await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children') });
      for (const j of await q.getActive(0, 99)) {
        status.active.push({ queue: q.name, id: j.id ?? '', name: j.name, progress: j.progress, attempts: j.attemptsMade, startedAt: iso(j.processedOn) });
      }
      for (const j of await q.getFailed(0, 99)) {
        status.failed.push({ queue: q.name, id: j.id ?? '', name: j.name, attempts: j.attemptsMade, reason: j.failedReason, failedAt: iso(j.finishedOn) });
      }
    }
    for (const s of await qs[0]!.getJobSchedulers(0, -1)) {
      status.schedules.push({ id: s.key, job: s.name, pattern: s.pattern ?? null, tz: s.tz ?? null, next: iso(s.next) });
    }
    return status;
  } finally {
    for (const q of qs) await q.close();
    connection.disconnect();
  }
}

/** Lines for `bidui status --queue` (Chinese, like the rest of the CLI's output). */
/** Chinese names of BullMQ's job states and of bidui's jobs, as `bidui status --queue` prints them. */
const JOB_STATE_LABELS: Readonly<Record<string, string>> = {
  waiting: '等待',
  active: '运行中',
  completed: '已完成',
  failed: '失败',
  delayed: '延后',
  paused: '暂停',
  prioritized: '排队（优先）',
  'waiting-children': '等待子任务',
};
const JOB_LABELS: Readonly<Record<string, string>> = {
  'scan-source': '扫描数据源',
  'ingest-file': '导入文件',
  'pull-source': '从数据共享平台拉取',
  quarter: '季度比对',
  match: '人员匹配分区',
  evaluate: '规则判定分区',
};
const jobLabel = (name: string) => JOB_LABELS[name] ?? name;
/** An ISO time in Beijing time, for people; '-' when absent. */
const shown = (t: string | null | undefined) => (t ? beijingTime(t) : '-');

export function formatQueueStatus(s: QueueStatus): string[] {
  const lines = ['任务队列：'];
  for (const q of s.queues) lines.push(`  ${q.name}：${Object.entries(q.counts).map(([k, v]) => `${JOB_STATE_LABELS[k] ?? k} ${v}`).join('，')}`);
  lines.push(`运行中的任务：${s.active.length} 个`);
  for (const a of s.active) lines.push(`  ${jobLabel(a.name)}（${a.queue}，任务 ${a.id}）开始于 ${shown(a.startedAt)}，进度 ${JSON.stringify(a.progress)}，第 ${a.attempts} 次尝试`);
  lines.push(`失败的任务（已放弃重试）：${s.failed.length} 个`);
  for (const f of s.failed) lines.push(`  ${jobLabel(f.name)}（${f.queue}，任务 ${f.id}）失败于 ${shown(f.failedAt)}，尝试 ${f.attempts} 次：${f.reason}`);
  lines.push(`定时任务：${s.schedules.length} 个`);
  for (const x of s.schedules) lines.push(`  ${x.id}（${jobLabel(x.job)}）${x.pattern ?? ''} ${x.tz ?? ''}，下次运行 ${shown(x.next)}`);
  return lines;
}

