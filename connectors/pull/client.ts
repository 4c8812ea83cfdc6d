// One page request to the platform: Node's own fetch (undici), a time-out per attempt, retries with
// doubling back-off (or the server's Retry-After) for what may pass (time-outs, 5xx, 429, a dropped
// connection), never for a refused credential; and a rate limit shared by the source's requests.
import type { Logger } from 'pino';
import type { PullConfig } from '../../config/index.js';
import { PullError } from './errors.js';
import { freshStamp, signature, stringToSign } from './sign.js';

export type Credentials = { type: 'none' } | { type: 'bearer'; token: string } | { type: 'hmac'; secret: string };

/** Spaces the requests of one pull at least 1000 / ratePerSecond ms apart. */
export class RateLimiter {
  private next = 0;
  constructor(private readonly perSecond: number) {}
  async wait(): Promise<void> {
    if (this.perSecond <= 0) return;
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await sleep(at - now);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The longest wait a Retry-After may ask for (a longer one fails the pull; the next scheduled pull tries again). */
const MAX_RETRY_AFTER_MS = 60_000;

export interface PageRequest {
  cfg: PullConfig;
  credentials: Credentials;
  params: Record<string, string>;
  limiter: RateLimiter;
  log: Logger;
  /** For messages and logs: the source and the page number. */
  source: string;
  page: number;
}

/** The parsed JSON of one page, after retries; a PullError when it cannot be had. */
export async function requestPage(req: PageRequest): Promise<unknown> {
  const { cfg } = req;
  let wait = cfg.backoffMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptPage(req);
    } catch (err) {
      const e = err instanceof PullError ? err : new PullError('NETWORK', `第 ${req.page} 页请求失败：${(err as Error).name}`, true);
      if (!e.retryable || attempt >= cfg.retries) {
        if (e.retryable && cfg.retries > 0) throw new PullError(e.code, `${e.message}（已重试 ${cfg.retries} 次）`);
        throw e;
      }
      const retryAfter = (e as PullError & { retryAfterMs?: number }).retryAfterMs;
      const delay = retryAfter !== undefined ? Math.max(wait, retryAfter) : wait;
      req.log.warn({ source: req.source, page: req.page, attempt: attempt + 1, code: e.code, delayMs: delay }, 'pull request failed; retrying');
      await sleep(delay);
      wait *= 2;
    }
  }
}

async function attemptPage(req: PageRequest): Promise<unknown> {
  const { cfg, credentials } = req;
  await req.limiter.wait();
  const url = new URL(cfg.url);
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (cfg.method === 'GET') for (const [k, v] of Object.entries(req.params)) url.searchParams.set(k, v);
  else {
    body = JSON.stringify(req.params);
    headers['content-type'] = 'application/json';
  }
  if (credentials.type === 'bearer') headers.authorization = `Bearer ${credentials.token}`;
  if (credentials.type === 'hmac' && cfg.auth.type === 'hmac') {
    const { timestamp, nonce } = freshStamp();
    const h = cfg.auth.headers;
    headers[h.appKey] = cfg.auth.appKey;
    headers[h.timestamp] = timestamp;
    headers[h.nonce] = nonce;
    headers[h.signature] = signature(cfg.auth.algorithm, credentials.secret, stringToSign(cfg.method, url.pathname + url.search, timestamp, nonce));
  }
  let res: Response;
  try {
    res = await fetch(url, { method: cfg.method, headers, body, signal: AbortSignal.timeout(cfg.timeoutMs), redirect: 'error' });
  } catch (err) {
    throw transportError(err, req);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw transportError(err, req);
  }
  if (res.status === 401 || res.status === 403) {
    throw new PullError(
      'AUTH',
      `数据共享平台拒绝了认证（HTTP ${res.status}，第 ${req.page} 页）：${cfg.auth.type === 'hmac' ? '应用密钥或签名不正确，请核对 appKey 和密钥（secret）' : cfg.auth.type === 'bearer' ? '访问令牌（token）不正确或已过期' : '该接口需要认证，请在配置中设置 auth'}`,
    );
  }
  if (res.status === 429 || res.status >= 500) {
    const e = new PullError('HTTP', `数据共享平台返回错误（HTTP ${res.status}，第 ${req.page} 页）${res.status === 429 ? '：请求过于频繁' : '：服务器内部错误'}`, true);
    const after = retryAfterMs(res.headers.get('retry-after'));
    if (after !== undefined) {
      if (after > MAX_RETRY_AFTER_MS) throw new PullError('HTTP', `${e.message}，平台要求 ${Math.round(after / 1000)} 秒后再试`);
      Object.assign(e, { retryAfterMs: after });
    }
    throw e;
  }
  if (!res.ok) throw new PullError('HTTP', `数据共享平台返回错误（HTTP ${res.status}，第 ${req.page} 页），请核对接口地址和参数`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PullError('BAD_ANSWER', `第 ${req.page} 页返回的内容不是 JSON（${text.length} 字节）`);
  }
}

function transportError(err: unknown, req: PageRequest): PullError {
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new PullError('TIMEOUT', `第 ${req.page} 页请求超时（${(req.cfg.timeoutMs / 1000).toFixed(1)} 秒）`, true);
  }
  const code = e.cause?.code;
  return new PullError('NETWORK', `第 ${req.page} 页无法连接数据共享平台${code ? `（${code}）` : ''}`, true);
}

function retryAfterMs(v: string | null): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}
