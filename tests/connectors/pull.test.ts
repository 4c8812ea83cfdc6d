// Pulled sources against a real platform server on a loopback port (platform-server.ts): signed and
// bearer requests, the three paging styles, the "since" mark, a 500, a slow page, a page served twice,
// a failed pull, a wrong secret, and what reaches the log.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config, type SourceConfig } from '../../config/index.js';
import { ingestInbox, pullSource, pullStates, signature, stringToSign } from '../../connectors/index.js';
import { createLogger } from '../../pipeline/log.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';
import { startPlatform, type Platform, type PlatformRow } from './platform-server.js';

const SECRET = 'k3y-S3CRET-5f1c9a0b7e';
const WRONG = 'wr0ng-S3CRET-0000';
const TOKEN = 'tok-9c1e4d2b8a77';
const PAGE = 3;

const row = (i: number, changed: string): PlatformRow => ({
  JLBH: `D-${String(i).padStart(3, '0')}`,
  XM: ['陈欣怡', '李雷', '王小明', '赵小红', '刘洋', '张伟', '黄磊', '周杰', '吴芳', '郑爽'][i % 10]!,
  SFZH: makeId('440305', `1980${String((i % 12) + 1).padStart(2, '0')}15`, String(100 + i)),
  SWRQ: `2026-0${(i % 8) + 1}-1${i % 10}`,
  GXSJ: changed,
});

let platform: Platform;
let dir: string;
let db: Db;
const logLines: string[] = [];
const logger = createLogger(new Writable({ write: (chunk, _e, done) => (logLines.push(String(chunk)), done()) }) as never);
logger.level = 'debug';
const env: NodeJS.ProcessEnv = { PLATFORM_SECRET: SECRET };

function configWith(sources: unknown[]): Config {
  return parseConfig({ database: join(dir, 'bidui.duckdb'), inbox: join(dir, 'inbox'), sources }, 'test', dir);
}

const base = (name: string, style: 'page' | 'offset' | 'cursor', extra: Record<string, unknown> = {}) => ({
  name,
  feed: 'death',
  pull: {
    url: `${platform.url}/api/sm3/death/${style}`,
    auth: { type: 'hmac', algorithm: 'sm3', appKey: 'bidui-county', secret: { env: 'PLATFORM_SECRET' } },
    paging: style === 'cursor' ? { style, size: PAGE, cursorField: 'result.nextCursor' } : { style, size: PAGE },
    rowsField: style === 'cursor' ? 'result.list' : 'data.rows',
    since: { param: 'since', field: 'GXSJ' },
    fields: { XM: 'name', SFZH: 'id_number', SWRQ: 'death_date', JLBH: 'record_id' },
    timeoutMs: 1_000,
    retries: 2,
    backoffMs: 20,
    ratePerSecond: 100,
    ...extra,
  },
});

const pulledFiles = () => (existsSync(join(dir, 'inbox', 'death')) ? readdirSync(join(dir, 'inbox', 'death')).sort() : []);
const jsonl = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  platform = await startPlatform({ appKey: 'bidui-county', secret: SECRET, algorithm: 'sm3', token: TOKEN, pageSize: PAGE });
});
afterAll(async () => {
  await platform.close();
});
beforeEach(async () => {
  dir = tempDir();
  db = await openStore(join(dir, 'bidui.duckdb'));
  platform.rows = Array.from({ length: 8 }, (_, i) => row(i, `2026-09-0${(i % 8) + 1} 10:00:00`));
  platform.faults = {};
  platform.requests = [];
  platform.resetHits();
});

describe('pulled sources', () => {
  it('signs with HMAC-SM3 as the platform checks it (method, path and query, timestamp, nonce)', () => {
    const text = stringToSign('get', '/api/x?page=1&size=3', '1700000000000', 'abc');
    expect(text).toBe('GET\n/api/x?page=1&size=3\n1700000000000\nabc');
    expect(signature('sm3', SECRET, text)).toMatch(/^[0-9a-f]{64}$/);
    expect(signature('sm3', SECRET, text)).not.toBe(signature('sha256', SECRET, text));
  });

  for (const style of ['page', 'offset', 'cursor'] as const) {
    it(`${style} paging: a 500, a slow page and a page served twice; every row arrives once, then only what changed since`, async () => {
      platform.faults = { error500Once: 1, slowOnce: 2, slowMs: 2_500, repeat: 0 };
      const cfg = configWith([base(`death-${style}`, style)]);
      const source = cfg.sources[0]!;
      const r1 = await pullSource(db, cfg, source, { logger, env });
      expect(r1).toMatchObject({ status: 'ok', rows: 8, markBefore: null, markAfter: '2026-09-08 10:00:00' });
      const first = jsonl(r1.file!);
      expect(first.map((r) => r.record_id).sort()).toEqual(platform.rows.map((r) => r.JLBH).sort());
      // Field names mapped; values as received (the ID stays text).
      expect(first[0]).toEqual({ record_id: 'D-000', name: '陈欣怡', id_number: platform.rows[0]!.SFZH, death_date: '2026-01-10', GXSJ: '2026-09-01 10:00:00' });
      // The 500 and the time-out were retried; the repeated page was read and its rows dropped.
      expect(platform.requests.filter((q) => q.status === 500)).toHaveLength(1);
      const retried = logLines
        .map((l) => JSON.parse(l) as { source?: string; code?: string; page?: number; msg: string })
        .filter((l) => l.source === `death-${style}` && l.msg === 'pull request failed; retrying')
        .map((l) => `${l.code}@${l.page}`);
      expect(retried).toContain('HTTP@2');
      expect(retried).toContain('TIMEOUT@3');
      expect(r1.pages).toBe(4);
      expect(r1.file).toMatch(new RegExp(`death-${style}_\\d{8}-\\d{6}-\\d{3}\\.jsonl$`));
      expect(pulledFiles().filter((f) => f.startsWith('.'))).toEqual([]);

      // The next pull asks for what changed since the mark and gets the two new rows only.
      platform.rows.push(row(8, '2026-09-20 08:00:00'), row(9, '2026-09-21 08:00:00'));
      platform.faults = {};
      platform.requests = [];
      const r2 = await pullSource(db, cfg, source, { logger, env });
      expect(platform.requests[0]!.query.since).toBe('2026-09-08 10:00:00');
      expect(r2).toMatchObject({ status: 'ok', rows: 2, markAfter: '2026-09-21 08:00:00' });
      expect(jsonl(r2.file!).map((r) => r.record_id)).toEqual(['D-008', 'D-009']);

      // Ingest is the ordinary one: both files load, 10 rows, each once.
      const reports = await ingestInbox(db, cfg);
      expect(reports.map((r) => [r.status, r.rowsLoaded])).toEqual([
        ['loaded', 8],
        ['loaded', 2],
      ]);
      const [{ n, distinct }] = (await queryRows<{ n: number; distinct: number }>(db, `SELECT count(*)::INTEGER AS n, count(DISTINCT record_id)::INTEGER AS distinct FROM feed_death`)) as [
        { n: number; distinct: number },
      ];
      expect({ n, distinct }).toEqual({ n: 10, distinct: 10 });
    });
  }

  it('a pull that fails part-way leaves no file and keeps the mark; the reason is Chinese', async () => {
    const cfg = configWith([base('death-gongan', 'page')]);
    const source = cfg.sources[0]!;
    const ok = await pullSource(db, cfg, source, { logger, env });
    expect(ok.status).toBe('ok');
    const before = pulledFiles();

    platform.rows.push(...Array.from({ length: 5 }, (_, i) => row(20 + i, `2026-09-25 0${i}:00:00`)));
    platform.faults = { error500Always: 1 };
    const failed = await pullSource(db, cfg, source, { logger, env });
    expect(failed).toMatchObject({ status: 'failed', rows: 0, file: null, markAfter: ok.markAfter });
    expect(failed.error).toContain('HTTP 500');
    expect(failed.error).toContain('已重试 2 次');
    expect(pulledFiles()).toEqual(before);
    const [state] = await pullStates(db);
    expect(state).toMatchObject({ source: 'death-gongan', mark: ok.markAfter, last_status: 'failed', last_file: ok.file });
    expect(state!.last_error).toMatch(/^数据源 death-gongan：数据共享平台返回错误（HTTP 500，第 2 页）/);

    // The platform mended: the next pull asks from the same mark and gets all five.
    platform.faults = {};
    const again = await pullSource(db, cfg, source, { logger, env });
    expect(again).toMatchObject({ status: 'ok', rows: 5, markBefore: ok.markAfter });
  });

  it('a time-out on every attempt fails the pull with the time-out named', async () => {
    platform.faults = { slowOnce: 0, slowMs: 1_500 };
    const cfg = configWith([base('death-slow', 'page', { retries: 0, timeoutMs: 200 })]);
    const r = await pullSource(db, cfg, cfg.sources[0]!, { logger, env });
    expect(r.status).toBe('failed');
    expect(r.error).toContain('第 1 页请求超时（0.2 秒）');
    expect(pulledFiles()).toEqual([]);
  });

  it('a wrong secret is a clear Chinese error, not retried; a missing one names where it was looked for', async () => {
    const cfg = configWith([base('death-gongan', 'page')]);
    const wrong = await pullSource(db, cfg, cfg.sources[0]!, { logger, env: { PLATFORM_SECRET: WRONG } });
    expect(wrong.status).toBe('failed');
    expect(wrong.error).toBe('数据源 death-gongan：数据共享平台拒绝了认证（HTTP 401，第 1 页）：应用密钥或签名不正确，请核对 appKey 和密钥（secret）');
    expect(platform.requests).toHaveLength(1);
    expect(pulledFiles()).toEqual([]);

    const missing = await pullSource(db, cfg, cfg.sources[0]!, { logger, env: {} });
    expect(missing.error).toBe('数据源 death-gongan：应用密钥（secret）未设置：环境变量 PLATFORM_SECRET 为空或不存在');
  });

  it('a platform that answers HTTP 200 with an error code in the body: the code fails the pull', async () => {
    const cfg = configWith([base('death-code', 'page', { url: `${platform.url}/api/code200/death/page`, answerCode: { field: 'code', ok: ['0'] } })]);
    expect(await pullSource(db, cfg, cfg.sources[0]!, { logger, env })).toMatchObject({ status: 'ok', rows: 8 });
    const wrong = await pullSource(db, cfg, cfg.sources[0]!, { logger, env: { PLATFORM_SECRET: WRONG } });
    expect(wrong.error).toBe('数据源 death-code：数据共享平台在第 1 页返回错误代码 40001（code），请核对认证、参数或接口权限');
    expect(pulledFiles()).toHaveLength(1);
  });

  it('HMAC-SHA256 and a bearer token read from a file named in the configuration', async () => {
    writeFile(dir, 'secrets/token.txt', `${TOKEN}\n`);
    const cfg = configWith([
      base('death-sha', 'page', { url: `${platform.url}/api/sha256/death/page`, auth: { type: 'hmac', algorithm: 'sha256', appKey: 'bidui-county', secret: { env: 'PLATFORM_SECRET' } } }),
      base('death-bearer', 'offset', { url: `${platform.url}/api/bearer/death/offset`, auth: { type: 'bearer', token: { file: 'secrets/token.txt' } } }),
    ]);
    for (const s of cfg.sources) expect(await pullSource(db, cfg, s, { logger, env })).toMatchObject({ status: 'ok', rows: 8 });
  });

  it('the configuration refuses a secret written into it, and a source with both a path and an endpoint', () => {
    const bad = base('x', 'page');
    (bad.pull.auth as Record<string, unknown>).secret = SECRET;
    expect(() => configWith([bad])).toThrow(/sources\.0\.pull\.auth\.secret/);
    expect(() => configWith([{ ...base('y', 'page'), path: 'death' }])).toThrow(/either a path/);
    const s: SourceConfig = configWith([base('z', 'page')]).sources[0]!;
    expect(s.path).toBe('death/z_*.jsonl');
  });

  it('no secret, token or signature in any log line', () => {
    // Every pull of this file logged into logLines at debug level: retries, failures, pages.
    expect(logLines.length).toBeGreaterThan(10);
    const text = logLines.join('');
    expect(text).toContain('pull request failed; retrying');
    expect(text).toContain('pull failed; mark kept, no file written');
    for (const s of [SECRET, WRONG, TOKEN]) expect(text).not.toContain(s);
    // The net under it: a credential logged by mistake is redacted.
    const caught: string[] = [];
    const l = createLogger(new Writable({ write: (c, _e, done) => (caught.push(String(c)), done()) }) as never);
    l.level = 'info';
    l.info({ source: 'x', secret: SECRET, request: { headers: { authorization: `Bearer ${TOKEN}` }, token: TOKEN } }, 'oops');
    expect(caught.join('')).not.toContain(SECRET);
    expect(caught.join('')).not.toContain(TOKEN);
  });
});
