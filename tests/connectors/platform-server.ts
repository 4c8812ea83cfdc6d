// The data-sharing platform's side, as a real HTTP server on a loopback port (node:http): it checks
// each request's credentials (HMAC-SM3 / HMAC-SHA256 signature over method, path and query,
// timestamp and nonce, a nonce used once; or a bearer token), filters rows by a "since" change time,
// serves pages by page number, offset or cursor, and misbehaves on demand: a 500 on one page (once or
// always), a page slower than the client's time-out (once), a page served twice.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface PlatformRow {
  JLBH: string;
  XM: string;
  SFZH: string;
  SWRQ: string;
  /** Change time; the "since" filter keeps the rows changed after it. */
  GXSJ: string;
}

export interface Faults {
  /** Page index (0-based, in the sequence served) answered 500 once, then normally. */
  error500Once?: number;
  /** Page index answered 500 every time. */
  error500Always?: number;
  /** Page index answered after `slowMs` the first time. */
  slowOnce?: number;
  slowMs?: number;
  /** Page index served twice in a row (the sequence holds it twice). */
  repeat?: number;
}

export interface Platform {
  url: string;
  rows: PlatformRow[];
  faults: Faults;
  /** Every request as it arrived: path, query, the status answered (0 until answered). */
  requests: { path: string; query: Record<string, string>; status: number }[];
  /** Forgets which pages were served (a fault "once" happens again). */
  resetHits(): void;
  close(): Promise<void>;
}

export interface PlatformOptions {
  appKey: string;
  secret: string;
  algorithm: 'sm3' | 'sha256';
  token: string;
  pageSize: number;
}

export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const nonces = new Set<string>();
  const hits = new Map<string, number>();
  const state: Platform = { url: '', rows: [], faults: {}, requests: [], resetHits: () => hits.clear(), close: async () => undefined };

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    if (url.pathname.includes('/bearer/')) return req.headers.authorization === `Bearer ${opts.token}`;
    const h = (k: string) => String(req.headers[k] ?? '');
    const [key, ts, nonce, sig] = [h('x-app-key'), h('x-timestamp'), h('x-nonce'), h('x-signature')];
    if (key !== opts.appKey || !ts || !nonce || !sig) return false;
    if (Math.abs(Date.now() - Number(ts)) > 300_000 || nonces.has(nonce)) return false;
    nonces.add(nonce);
    const algorithm = url.pathname.includes('/sha256/') ? 'sha256' : opts.algorithm;
    const expected = createHmac(algorithm, opts.secret).update([req.method, url.pathname + url.search, ts, nonce].join('\n')).digest('hex');
    return expected === sig;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    // Recorded when it arrives (a slow answer finishes after the client gave up on it).
    const record = { path: url.pathname, query, status: 0 };
    state.requests.push(record);
    const answer = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (!authorised(req, url)) {
      // Some platforms say so with HTTP 200 and a code in the body.
      if (url.pathname.includes('/code200/')) return answer(200, { code: 40001, msg: '签名校验失败', data: null });
      return answer(401, { code: 401, msg: '签名校验失败' });
    }
    const size = opts.pageSize;
    const since = query.since;
    const rows = state.rows.filter((r) => since === undefined || r.GXSJ > since);
    const pages: PlatformRow[][] = [];
    for (let i = 0; i < rows.length; i += size) pages.push(rows.slice(i, i + size));
    const f = state.faults;
    if (f.repeat !== undefined && f.repeat < pages.length) pages.splice(f.repeat + 1, 0, pages[f.repeat]!);
    let index: number;
    if (url.pathname.endsWith('/page')) index = Number(query.page) - 1;
    else if (url.pathname.endsWith('/offset')) index = Math.floor(Number(query.offset) / size);
    else index = query.cursor === undefined ? 0 : Number(query.cursor.replace(/^c/, ''));
    const seen = (hits.get(`${url.pathname}:${index}`) ?? 0) + 1;
    hits.set(`${url.pathname}:${index}`, seen);
    if (f.error500Always === index || (f.error500Once === index && seen === 1)) return answer(500, { code: 500, msg: '内部错误' });
    if (f.slowOnce === index && seen === 1) await new Promise((r) => setTimeout(r, f.slowMs ?? 1_000));
    const page = pages[index] ?? [];
    const next = index + 1 < pages.length ? `c${index + 1}` : null;
    if (url.pathname.endsWith('/cursor')) return answer(200, { code: 0, result: { list: page, nextCursor: next } });
    return answer(200, { code: 0, data: { rows: page, total: rows.length } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return state;
}
