// Issue 18 item 9: a `bidui worker` whose Redis went away exits within seconds of SIGTERM (it used to
// wait for Redis forever and needed SIGKILL). A real redis-server on a free loopback port, killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, sleep, tempDir, waitFor } from '../helpers.js';
import { biduiArgs } from '../setup/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');



const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('redis-server', () => /Ready to accept connections/.test(out), 10_000);
  return proc;
}

async function startWorker(url: string, dir: string, owner: boolean): Promise<{ proc: ChildProcess; out: () => string }> {
  mkdirSync(dir, { recursive: true });
  const cfgFile = join(dir, 'config.json');
  writeFileSync(cfgFile, JSON.stringify({ database: join(dir, 'bidui.duckdb'), inbox: join(dir, 'inbox'), jobs: { resultsDir: join(dir, 'results') } }));
  const proc = spawn(process.execPath, [...(await biduiArgs()), '--config', cfgFile, 'worker', '--queue', url, ...(owner ? ['--owner'] : [])], {
    cwd: ROOT,
    env: { ...process.env, BIDUI_LOG_LEVEL: 'warn', VITEST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('worker start', () => out.includes('工作进程已启动') || proc.exitCode !== null, 30_000);
  return { proc, out: () => out };
}

/** Seconds from SIGTERM to exit, or Infinity when the process is still running after `limitMs`. */
async function secondsToExit(proc: ChildProcess, limitMs: number): Promise<number> {
  const started = Date.now();
  const exited = new Promise<number>((r) => proc.once('exit', () => r((Date.now() - started) / 1000)));
  proc.kill('SIGTERM');
  return Promise.race([exited, sleep(limitMs).then(() => Infinity)]);
}

describe('bidui worker and SIGTERM', () => {
  it('exits within seconds of SIGTERM after its Redis server stopped, owner or not', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const dir = tempDir();
    const plain = await startWorker(url, join(dir, 'a'), false);
    const owner = await startWorker(url, join(dir, 'b'), true);
    redis.kill('SIGKILL');
    await sleep(2_000); // both are now retrying the connection
    const [a, b] = await Promise.all([secondsToExit(plain.proc, 20_000), secondsToExit(owner.proc, 20_000)]);
    expect(a, plain.out()).toBeLessThan(12);
    expect(b, owner.out()).toBeLessThan(12);
  }, 90_000);

  it('exits within seconds of SIGTERM while Redis is up', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const w = await startWorker(`redis://127.0.0.1:${port}`, tempDir(), false);
    expect(await secondsToExit(w.proc, 20_000), w.out()).toBeLessThan(8);
    redis.kill('SIGTERM');
  }, 60_000);
});
