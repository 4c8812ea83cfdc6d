// A pulled source on its cron with the other scheduled jobs: `registerSchedules` gives it a
// `pull.<name>` job scheduler (BullMQ upsertJobScheduler); the owner worker pulls from a real
// platform server on a loopback port and ingests the file the pull wrote, once.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { connect, queueNames, registerSchedules, startWorkers } from '../../jobs/index.js';
import { openStore, queryRows } from '../../pipeline/store/index.js';
import { startPlatform, type Platform } from '../connectors/platform-server.js';
import { freePort, makeId, tempDir, waitFor } from '../helpers.js';

let redis: ChildProcess;
let url: string;
let platform: Platform;

beforeAll(async () => {
  const port = await freePort();
  redis = spawn(process.env.REDIS_SERVER_PATH ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  redis.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('redis-server', () => /Ready to accept connections/.test(out), 10_000);
  url = `redis://127.0.0.1:${port}`;
  platform = await startPlatform({ appKey: 'k', secret: 'sched-secret-123', algorithm: 'sm3', token: 't', pageSize: 2 });
  platform.rows = [0, 1, 2].map((i) => ({ JLBH: `R-${i}`, XM: '陈欣怡', SFZH: makeId('440305', '19800101', `12${i}`), SWRQ: '2026-08-01', GXSJ: `2026-09-0${i + 1}` }));
});
afterAll(async () => {
  await platform?.close();
  if (redis && redis.exitCode === null) {
    const exited = new Promise((r) => redis.once('exit', r));
    process.kill(redis.pid!, 'SIGTERM');
    await exited;
  }
});

describe('pulled sources on their cron', () => {
  it('registers pull.<source>, and the owner worker pulls and ingests the rows once', async () => {
    const dir = tempDir();
    process.env.SCHED_PLATFORM_SECRET = 'sched-secret-123';
    const cfg = loadConfig(undefined, {
      database: join(dir, 'bidui.duckdb'),
      inbox: join(dir, 'inbox'),
      sources: [
        { name: 'death-drop', feed: 'death', path: 'death/drop-*.csv' },
        {
          name: 'death-platform',
          feed: 'death',
          schedule: '*/2 * * * * *',
          pull: {
            url: `${platform.url}/api/death/page`,
            auth: { type: 'hmac', appKey: 'k', secret: { env: 'SCHED_PLATFORM_SECRET' } },
            paging: { style: 'page', size: 2 },
            rowsField: 'data.rows',
            since: { field: 'GXSJ' },
            fields: { XM: 'name', SFZH: 'id_number', SWRQ: 'death_date', JLBH: 'record_id' },
          },
        },
      ],
      jobs: { queuePrefix: 'pullsched', quarterly: { enabled: false } },
    });
    const r = await registerSchedules(cfg, url);
    expect(r.registered.map((x) => x.id).sort()).toEqual(['pull.death-platform', 'scan.death-drop']);

    const owner = await startWorkers(cfg, { url, owner: true });
    try {
      const db = await openStore(cfg.database);
      await waitFor('a scheduled pull ingested', async () => {
        const [x] = await queryRows<{ n: number }>(db, `SELECT count(*)::INT AS n FROM ingest_batches WHERE source = 'death-platform' AND status = 'loaded'`);
        return x!.n === 1;
      }, 30_000);
      // Later pulls fire and find nothing new: no second file, no row twice.
      await waitFor('a second scheduled pull', () => platform.requests.filter((q) => q.query.since === '2026-09-03').length >= 1, 15_000);
      const [rows] = await queryRows<{ n: number; d: number }>(db, `SELECT count(*)::INT AS n, count(DISTINCT record_id)::INT AS d FROM feed_death`);
      expect(rows).toEqual({ n: 3, d: 3 });
      const [batches] = await queryRows<{ n: number }>(db, `SELECT count(*)::INT AS n FROM ingest_batches`);
      expect(batches!.n).toBe(1);
    } finally {
      await owner.close();
      const conn = connect(url);
      const store = new Queue(queueNames(cfg).store, { connection: conn });
      for (const s of await store.getJobSchedulers(0, -1)) await store.removeJobScheduler(s.key);
      await store.close();
      conn.disconnect();
    }
  });
});
