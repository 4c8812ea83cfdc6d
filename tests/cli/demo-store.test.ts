// Issue 17 items 1 and 15: re-running the demo while `bidui serve` has its store open must not
// delete the store under the server (it stops with a Chinese message naming the other process);
// `bidui status` on an empty default store points to the demo's store.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../cli/demo.js';
import { openStore, StoreBusyError } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
let holder: ChildProcess | undefined;

/** Another process that opens the store and keeps it open, as `bidui serve` does. */
function holdStore(path: string): Promise<ChildProcess> {
  const code = `import { DuckDBInstance } from '@duckdb/node-api';
    const i = await DuckDBInstance.create(${JSON.stringify(path)}); await i.connect();
    console.log('holding'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('holding') && ok(child));
    child.on('exit', (c) => fail(new Error(`holder exited ${c}`)));
  });
}

afterAll(() => {
  holder?.kill('SIGKILL');
});

describe('a store another process has open', () => {
  it('the demo refuses to replace it, in Chinese, and leaves the file as it was', async () => {
    const dir = tempDir('bidui-demo-lock-');
    // The province exists already (the demo reuses it), so the demo goes straight to the store.
    mkdirSync(join(dir, 'province', 'truth'), { recursive: true });
    const database = join(dir, 'bidui.duckdb');
    holder = await holdStore(database);
    const before = statSync(database).ino;

    const err = await runDemo(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreBusyError);
    expect((err as Error).message).toContain('正被另一个进程使用');
    expect((err as Error).message).toContain(`进程号 ${holder.pid}`);
    expect(existsSync(database)).toBe(true);
    expect(statSync(database).ino).toBe(before);
  });

  it('opening it for work says the same (not a DuckDB lock message)', async () => {
    const dir = tempDir('bidui-busy-');
    const database = join(dir, 'bidui.duckdb');
    const other = await holdStore(database);
    try {
      await expect(openStore(database)).rejects.toThrow(/正被另一个进程使用/);
    } finally {
      other.kill('SIGKILL');
    }
  });
});

describe('bidui status after the demo', () => {
  it('on an empty default store, says where the demo store is', async () => {
    const cwd = tempDir('bidui-status-hint-');
    const run = promisify(execFile);
    const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const bidui = (args: string[]) => run(process.execPath, ['--import', tsx, join(ROOT, 'cli/main.ts'), ...args], { cwd, env: { ...process.env, BIDUI_LOG_LEVEL: 'warn' } });
    const before = await bidui(['status']);
    expect(before.stdout).not.toContain('演示数据在');
    // The demo's store, as `npm run demo` leaves it (an empty one will do: the hint is about where it is).
    await bidui(['--db', 'data/demo/bidui.duckdb', 'status']);
    const after = await bidui(['status']);
    expect(after.stdout).toContain(`演示数据在 ${join(cwd, 'data/demo/bidui.duckdb')}`);
  });
});
