// A pull: every page of a pulled source since its mark, written as one JSON Lines file in
// `<inbox>/<feed>/` (a hidden temporary name there, renamed when the last page is in: ingest never
// sees a partial file, and a failed pull leaves none), then the mark moves. From the file on,
// ingest is the one for dropped files (content hash, quarantine, findings, audit).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { pullFileStem, type Config, type PullConfig, type SourceConfig } from '../../config/index.js';
import { log as defaultLog } from '../../pipeline/log.js';
import { beijingTime } from '../../pipeline/timing.js';
import type { Db } from '../../pipeline/store/index.js';
import { RateLimiter, requestPage, type Credentials } from './client.js';
import { PullError, type PullErrorCode } from './errors.js';
import { readSecret } from './secrets.js';
import { pullState, recordFailure, recordSuccess } from './state.js';

export interface PullReport {
  source: string;
  feed: string;
  status: 'ok' | 'failed';
  /** Rows written (each once), pages read. */
  rows: number;
  pages: number;
  /** The file written; null when the pull failed or received no row. */
  file: string | null;
  markBefore: string | null;
  markAfter: string | null;
  /** Chinese, for the operator; never a credential. */
  error?: string;
  /** Why it failed (AUTH, SECRET_MISSING and CONFIG do not pass by trying again). */
  code?: PullErrorCode;
  seconds: number;
}

export interface PullOptions {
  /** The logger (default: the one logger); tests capture it. */
  logger?: Logger;
  /** Where environment secrets are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The configured sources that pull from an HTTP endpoint. */
export function pulledSources(config: Config): (SourceConfig & { pull: PullConfig })[] {
  return config.sources.filter((s): s is SourceConfig & { pull: PullConfig } => s.pull !== undefined);
}

function credentialsOf(cfg: PullConfig, env: NodeJS.ProcessEnv): Credentials {
  const auth = cfg.auth;
  if (auth.type === 'bearer') return { type: 'bearer', token: readSecret(auth.token, '访问令牌（token）', env) };
  if (auth.type === 'hmac') return { type: 'hmac', secret: readSecret(auth.secret, '应用密钥（secret）', env) };
  return { type: 'none' };
}

/** The value at a dotted path ("data.rows"); "" is the value itself. */
function at(value: unknown, path: string): unknown {
  if (!path) return value;
  let v = value;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** JSON with the keys of every object sorted: the same row gives the same text whatever the key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The later of two change marks: numbers as numbers, dates as dates, else as text. */
function laterMark(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  if (/^\d+(\.\d+)?$/.test(a) && /^\d+(\.\d+)?$/.test(b)) return Number(b) > Number(a) ? b : a;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return tb > ta ? b : a;
  return b > a ? b : a;
}

/** '20261006-092345-123' in Beijing time: the pull time in the file name (names sort in pull order). */
function stampOf(d: Date): string {
  return `${beijingTime(d).slice(0, 19).replace(/[-:]/g, '').replace(' ', '-')}-${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

/** Pulls one source: every page since its mark, one JSON Lines file, the mark moved. Never throws for the platform's faults: the report says what failed. */
export async function pullSource(db: Db, config: Config, source: SourceConfig, opts: PullOptions = {}): Promise<PullReport> {
  const cfg = source.pull;
  if (!cfg) throw new Error(`source "${source.name}" has no pull endpoint`);
  const logger = opts.logger ?? defaultLog;
  const started = new Date();
  const t0 = performance.now();
  const state = await pullState(db, source.name);
  const markBefore = state?.mark ?? cfg.since?.initial ?? null;
  const dir = join(config.inbox, source.feed);
  const stem = pullFileStem(source.name);
  let pages = 0;
  let tmp: string | null = null;
  const report = (r: Partial<PullReport>): PullReport => ({
    source: source.name,
    feed: source.feed,
    status: 'ok',
    rows: 0,
    pages,
    file: null,
    markBefore,
    markAfter: markBefore,
    seconds: Math.round(performance.now() - t0) / 1000,
    ...r,
  });
  try {
    const credentials = credentialsOf(cfg, opts.env ?? process.env);
    await mkdir(dir, { recursive: true });
    // A pull that a crash cut short left its hidden temporary file: it was never a batch.
    for (const name of await readdir(dir)) if (name.startsWith(`.${stem}_`) && name.endsWith('.part')) await rm(join(dir, name), { force: true });
    tmp = join(dir, `.${stem}_${stampOf(started)}_${process.pid}.jsonl.part`);
    const out = await open(tmp, 'wx', 0o600);
    const seen = new Set<string>();
    let rows = 0;
    let changed: string | null = null;
    try {
      const limiter = new RateLimiter(cfg.ratePerSecond);
      const paging = cfg.paging;
      let page = paging.style === 'page' ? paging.firstPage : 0;
      let offset = 0;
      let cursor: string | null = null;
      const cursors = new Set<string>();
      for (;;) {
        if (pages >= cfg.maxPages) throw new PullError('PAGING', `分页未结束：已读 ${pages} 页（上限 maxPages ${cfg.maxPages}）`);
        const params: Record<string, string> = {};
        if (cfg.since && markBefore !== null) params[cfg.since.param] = markBefore;
        if (paging.style === 'page') Object.assign(params, { [paging.pageParam]: String(page), [paging.sizeParam]: String(paging.size) });
        else if (paging.style === 'offset') Object.assign(params, { [paging.offsetParam]: String(offset), [paging.limitParam]: String(paging.size) });
        else {
          params[paging.sizeParam] = String(paging.size);
          if (cursor !== null) params[paging.cursorParam] = cursor;
        }
        const body = await requestPage({ cfg, credentials, params, limiter, log: logger, source: source.name, page: pages + 1 });
        pages++;
        if (cfg.answerCode) {
          const code = at(body, cfg.answerCode.field);
          if (!cfg.answerCode.ok.includes(String(code))) {
            throw new PullError('HTTP', `数据共享平台在第 ${pages} 页返回错误代码 ${code === undefined ? '（无）' : String(code).slice(0, 40)}（${cfg.answerCode.field}），请核对认证、参数或接口权限`);
          }
        }
        const list = at(body, cfg.rowsField);
        if (!Array.isArray(list)) throw new PullError('BAD_ANSWER', `第 ${pages} 页的返回内容中没有行数组（rowsField「${cfg.rowsField || '(整个返回内容)'}」）`);
        const lines: string[] = [];
        for (const [i, row] of list.entries()) {
          if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new PullError('BAD_ANSWER', `第 ${pages} 页第 ${i + 1} 行不是 JSON 对象`);
          const r = row as Record<string, unknown>;
          const key = cfg.keyField !== undefined && r[cfg.keyField] != null ? `k:${String(r[cfg.keyField])}` : `h:${createHash('sha256').update(canonical(r)).digest('hex')}`;
          if (seen.has(key)) continue;
          seen.add(key);
          if (cfg.since?.field !== undefined && r[cfg.since.field] != null) changed = laterMark(changed, String(r[cfg.since.field]));
          const mapped: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(r)) {
            const to = cfg.fields[k] ?? k;
            if (!(to in mapped)) mapped[to] = v;
          }
          lines.push(JSON.stringify(mapped));
        }
        if (lines.length) await out.write(lines.join('\n') + '\n');
        rows += lines.length;
        logger.debug({ source: source.name, page: pages, received: list.length, written: lines.length }, 'pull page');
        if (paging.style === 'cursor') {
          const next = at(body, paging.cursorField);
          if (next === null || next === undefined || next === '') break;
          const c = String(next);
          if (cursors.has(c)) throw new PullError('PAGING', `分页出错：第 ${pages} 页返回的游标此前已出现过（服务器分页循环）`);
          cursors.add(c);
          cursor = c;
        } else {
          if (list.length < paging.size) break;
          page++;
          offset += list.length;
        }
      }
      await out.sync();
    } finally {
      await out.close();
    }
    let file: string | null = null;
    if (rows > 0) {
      // Two pulls in one millisecond: the later one takes the next millisecond's name.
      for (let t = started.getTime(); ; t++) {
        file = join(dir, `${stem}_${stampOf(new Date(t))}.jsonl`);
        if (!existsSync(file)) break;
      }
      await rename(tmp, file);
    } else await rm(tmp, { force: true });
    tmp = null;
    // The next pull asks for what changed since: the latest change time received, else (no change
    // field configured) the time this pull started; a pull that received nothing keeps the mark.
    const markAfter = !cfg.since ? null : cfg.since.field !== undefined ? laterMark(markBefore, changed) : rows > 0 || markBefore === null ? started.toISOString() : markBefore;
    await recordSuccess(db, source.name, { mark: markAfter, at: started, rows, pages, file });
    logger.info({ source: source.name, feed: source.feed, pages, rows, file }, 'pull finished');
    return report({ rows, file, markAfter });
  } catch (err) {
    if (tmp) await rm(tmp, { force: true }).catch(() => undefined);
    const message = err instanceof PullError ? err.message : `写入拉取文件失败（${(err as NodeJS.ErrnoException).code ?? (err as Error).name}）：${dir}`;
    const code: PullErrorCode = err instanceof PullError ? err.code : 'WRITE';
    if (!(err instanceof PullError)) logger.error({ source: source.name, err: (err as Error).message }, 'pull failed (not the platform)');
    await recordFailure(db, source.name, { at: started, error: `数据源 ${source.name}：${message}`, pages });
    logger.error({ source: source.name, feed: source.feed, code, pages, error: message }, 'pull failed; mark kept, no file written');
    return report({ status: 'failed', error: `数据源 ${source.name}：${message}`, code });
  }
}

/** Pulls every pulled source of the configuration (or the one named), one after the other. */
export async function pullSources(db: Db, config: Config, opts: PullOptions & { source?: string } = {}): Promise<PullReport[]> {
  const sources = pulledSources(config);
  const chosen = opts.source === undefined ? sources : sources.filter((s) => s.name === opts.source);
  if (opts.source !== undefined && !chosen.length) {
    const names = sources.map((s) => s.name);
    throw new PullError('CONFIG', `配置中没有名为「${opts.source}」的拉取数据源${names.length ? `（可用：${names.join('、')}）` : '（配置的 sources 中没有设置 pull 的数据源）'}`);
  }
  const out: PullReport[] = [];
  for (const s of chosen) out.push(await pullSource(db, config, s, opts));
  return out;
}
