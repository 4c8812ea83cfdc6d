// `bidui key init|show|rotate` and `bidui open` as an operator runs them (docs/protection.md).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealFile, sealKeys } from '../../pipeline/seal/index.js';
import { closeDb, openStore, queryRows } from '../../pipeline/store/index.js';
import { generateProvince, synthOptionsSchema } from '../../synth/index.js';
import { tempDir } from '../helpers.js';
import { biduiArgs, ROOT } from '../setup/cli.js';

const run = promisify(execFile);
/** bidui with the environment of an operator whose key is the file `keyFile` (no BIDUI_KEY). */
const bidui = async (args: string[], keyFile?: string) => {
  const env: NodeJS.ProcessEnv = { ...process.env, BIDUI_LOG_LEVEL: 'warn' };
  delete env.BIDUI_KEY;
  if (keyFile) env.BIDUI_KEY_FILE = keyFile;
  return run(process.execPath, [...(await biduiArgs()), ...args], { cwd: ROOT, env });
};
const failure = (args: string[], keyFile?: string) => bidui(args, keyFile).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);

let dir: string;
let db: string;
let key: string;
beforeAll(() => {
  dir = tempDir('bidui-key-cli-');
  db = join(dir, 'store.duckdb');
  key = join(dir, 'keys', 'bureau.key');
});

describe('bidui key and bidui open', () => {
  it('key init writes a 600 key file once; a store made with it names its key; another key is refused in Chinese', async () => {
    const init = await bidui(['--db', db, 'key', 'init', '--file', key]);
    expect(init.stdout).toContain('已生成密钥文件');
    expect(readFileSync(key, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(await failure(['--db', db, 'key', 'init', '--file', key])).toMatchObject({ code: 1, stderr: expect.stringContaining('已存在，不会覆盖') });

    await bidui(['--db', db, 'status'], key);
    const show = await bidui(['--db', db, 'key', 'show'], key);
    const id = /编号 ([0-9a-f]{16})/.exec(show.stdout)![1]!;
    expect(show.stdout).toContain(`使用密钥编号 ${id}`);
    expect(show.stdout).not.toContain(readFileSync(key, 'utf8').trim());

    const other = join(dir, 'other.key');
    await bidui(['--db', db, 'key', 'init', '--file', other]);
    expect(await failure(['--db', db, 'status'], other)).toMatchObject({ code: 1, stderr: expect.stringContaining('数据库是用另一把密钥加密的') });
  });

  it('open writes the plain file where asked and audits it; a file sealed under another key is refused', async () => {
    const keys = sealKeys(Buffer.from(readFileSync(key, 'utf8').trim(), 'hex'));
    const plain = join(dir, 'flags.csv');
    writeFileSync(plain, 'child_name,child_id_number\n张小明,110105201001010012\n');
    const sealed = sealFile(keys, plain);
    expect(existsSync(plain)).toBe(false);
    const out = join(dir, 'opened');
    const opened = await bidui(['--db', db, 'open', sealed, '--out', out, '--by', '审核员甲'], key);
    expect(opened.stdout).toContain('已打开');
    expect(readFileSync(join(out, 'flags.csv'), 'utf8')).toContain('110105201001010012');

    const stranger = sealFile(sealKeys(Buffer.alloc(32, 7)), (writeFileSync(join(dir, 'x.csv'), 'a'), join(dir, 'x.csv')));
    expect(await failure(['--db', db, 'open', stranger, '--by', '审核员甲'], key)).toMatchObject({ code: 1, stderr: expect.stringContaining('另一把密钥') });
  });

  it('the hint a quarter prints for its sealed flags.csv, run as printed, opens it', async () => {
    const here = join(dir, 'hint');
    await generateProvince(synthOptionsSchema.parse({ seed: 3, size: 'tiny', out: join(here, 'province') }));
    const store = join(here, 'elsewhere.duckdb');
    const q = await bidui(['--db', store, 'quarter', '--as-of', '2026-09-30', '--inbox', join(here, 'province', 'inbox'), '--out', join(here, 'out')], key);
    const hint = /用 bidui (.+?) 打开/.exec(q.stdout)?.[1];
    expect(hint).toContain(`--db ${store} open `);
    const args = hint!.replace('<姓名>', '审核员乙').split(' ').concat('--out', join(here, 'opened'));
    expect((await bidui(args, key)).stdout).toContain('已打开');
    expect(readFileSync(join(here, 'opened', 'flags.csv'), 'utf8')).toMatch(/^\uFEFF?[^\n]*child_id_number/);
  });

  it('rotate reseals the store under the new key, audited; the old key no longer opens it', async () => {
    const next = join(dir, 'next.key');
    await bidui(['--db', db, 'key', 'init', '--file', next]);
    const r = await bidui(['--db', db, 'key', 'rotate', '--new-key-file', next, '--by', '管理员'], key);
    expect(r.stdout).toContain('已用新密钥');
    expect(await failure(['--db', db, 'status'], key)).toMatchObject({ code: 1, stderr: expect.stringContaining('另一把密钥') });
    await bidui(['--db', db, 'status'], next);
    const saved = process.env.BIDUI_KEY;
    process.env.BIDUI_KEY = readFileSync(next, 'utf8').trim();
    try {
      const store = await openStore(db, { detached: true });
      const audit = await queryRows<{ action: string; actor: string }>(store, `SELECT action, actor FROM audit_log WHERE action IN ('key', 'export') ORDER BY audit_id`);
      expect(audit).toEqual([
        { action: 'export', actor: '审核员甲' },
        { action: 'key', actor: '管理员' },
      ]);
      closeDb(store);
    } finally {
      process.env.BIDUI_KEY = saved;
    }
  });
});
