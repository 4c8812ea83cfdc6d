// The web review queue (GitHub issue #6): one hono app over the store. createApp is what
// `bidui serve` runs (web/server.ts) and what the tests call with app.request().
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import { EXPORT_KINDS, runExport, type ExportKind } from '../exports/index.js';
import { lit, queryRows, type Db } from '../pipeline/store/index.js';
import { FLAG_TYPES } from '../flags/index.js';
import { appendAudit, getRun, latestCompleteRun, UserError, type RunInfo } from '../review/index.js';
import { approveFlag, assignFlag, bulkDecide, decideFlag, HttpError, NOT_FOUND, requireFlag, unmask } from './actions.js';
import { CSS, JS } from './assets.js';
import { checkLogin, createSession, deleteSession, DEFAULT_LOGIN_LIMITS, loadSession, randomToken, type LoginLimits, type Session } from './auth.js';
import {
  AGE_FILTERS,
  auditRows,
  compareIdentity,
  dashboard,
  DEFAULT_SLA,
  flagDecisions,
  flagHistory,
  loadRecord,
  matchExplanation,
  parseEvidence,
  queue,
  registryRecordOf,
  scopedRuns,
  STATUS_LABELS,
  type Ctx,
  type FlagDetail,
  type QueueFilters,
  type SlaSettings,
  type StoredRecord,
} from './data.js';
import { auditPage, dashboardPage, errorPage, exportsPage, flagPage, loginPage, queuePage, REGISTRY_ROLE_FOR, TRACE_JS, type EvidenceView, type PageUser } from './pages.js';
import { DEFAULT_ROLE_SETTINGS, inScope, scopePrefixes, scopeSql, type Role, type RoleSettings } from './roles.js';
import { ruleTrace } from './trace.js';

export interface AppOptions {
  /** Where exports are written (one folder per user and time). Default data/exports/web. */
  exportDir?: string;
  sla?: Partial<SlaSettings>;
  /** Role settings (need-to-know grant, approval, audit reading); defaults: DEFAULT_ROLE_SETTINGS. */
  roles?: Partial<Record<Role, Partial<RoleSettings>>>;
  loginLimits?: Partial<LoginLimits>;
  /** Set the Secure flag on cookies (behind HTTPS). Default false. */
  secureCookies?: boolean;
  /** Today as 'YYYY-MM-DD' (tests). Default: the server's local date. */
  today?: () => string;
}

type Env = { Variables: { session: Session | null } };

const SESSION_COOKIE = 'bidui_session';
const LOGIN_CSRF_COOKIE = 'bidui_login_csrf';

const localToday = () => new Date().toLocaleDateString('sv-SE');

const flagIdSchema = z.string().min(1).max(64).regex(/^[\w.:-]+$/);
const runIdSchema = z.string().min(1).max(64).regex(/^[\w.:-]+$/);
const optionalRun = runIdSchema.nullish();

const queueQuerySchema = z.object({
  run: optionalRun,
  flag: z.enum(FLAG_TYPES).optional(),
  category: z.string().regex(/^[A-Z_]{2,30}$/).optional(),
  reason: z.string().regex(/^[A-Z_]{2,40}$/).optional(),
  priority: z.coerce.number().int().min(1).max(9).optional(),
  status: z.enum(Object.keys(STATUS_LABELS) as [keyof typeof STATUS_LABELS, ...(keyof typeof STATUS_LABELS)[]]).optional(),
  age: z.enum(Object.keys(AGE_FILTERS) as [keyof typeof AGE_FILTERS, ...(keyof typeof AGE_FILTERS)[]]).optional(),
  q: z.string().max(60).optional(),
  mine: z.enum(['1', 'true']).optional(),
});

const decideSchema = z.object({
  decision: z.enum(['confirmed', 'rejected', 'needs_info']),
  reason: z.string().max(1000).nullish(),
  runId: optionalRun,
});
const approveSchema = z.object({ runId: optionalRun, note: z.string().max(1000).nullish() });
const assignSchema = z.object({ runId: optionalRun, release: z.boolean().optional() });
const bulkSchema = z.object({
  flagIds: z.array(flagIdSchema).min(1).max(500),
  decision: z.enum(['confirmed', 'rejected']),
  reason: z.string().max(1000).nullish(),
  runId: optionalRun,
});
const unmaskSchema = z.object({
  runId: optionalRun,
  record: z
    .object({ feed: z.string().regex(/^[a-z_]+$/), batchId: z.number().int().nonnegative(), srcRow: z.number().int().nonnegative(), column: z.string().regex(/^[a-z_0-9]+$/) })
    .nullish(),
});
const exportSchema = z.object({
  kind: z.enum(EXPORT_KINDS as [ExportKind, ...ExportKind[]]),
  runId: optionalRun,
  county: z.string().regex(/^(\d{2}|\d{4}|\d{6})$/, '区划代码应为 6 位区县代码（或 4 位市级、2 位省级前缀）').nullish(),
});
const auditQuerySchema = z.object({
  actor: z.string().max(60).optional(),
  action: z.enum(['login', 'view', 'unmask', 'decide', 'export']).optional(),
  target: z.string().max(200).optional(),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});
const dashboardQuerySchema = z.object({ run: optionalRun, county: z.string().regex(/^(\d{2}|\d{4}|\d{6})$/).optional() });
const loginSchema = z.object({ username: z.string().min(1).max(60), password: z.string().min(1).max(200), _csrf: z.string().max(200).optional() });

function zodMessage(err: z.ZodError): string {
  return '请求参数无效：' + err.issues.map((i) => `${i.path.join('.') || '请求'} ${i.message}`).join('；');
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, zodMessage(r.error));
  return r.data;
}

/** Drops empty query values (an empty <select> submits ""). */
function queryOf(c: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''));
}

export function createApp(db: Db, options: AppOptions = {}) {
  const roles = Object.fromEntries(
    (Object.keys(DEFAULT_ROLE_SETTINGS) as Role[]).map((r) => [r, { ...DEFAULT_ROLE_SETTINGS[r], ...(options.roles?.[r] ?? {}) }]),
  ) as Record<Role, RoleSettings>;
  const sla: SlaSettings = { ...DEFAULT_SLA, ...(options.sla ?? {}) };
  const limits: LoginLimits = { ...DEFAULT_LOGIN_LIMITS, ...(options.loginLimits ?? {}) };
  const exportDir = resolve(options.exportDir ?? 'data/exports/web');
  const today = options.today ?? localToday;
  const secure = options.secureCookies ?? false;
  const cookieOpts = { httpOnly: true, sameSite: 'Strict' as const, path: '/', secure };

  const app = new Hono<Env>();

  // One store connection: requests run one at a time (DuckDB transactions are per connection).
  let chain: Promise<void> = Promise.resolve();
  app.use('*', async (c, next) => {
    const prev = chain;
    let release!: () => void;
    chain = new Promise<void>((r) => (release = r));
    await prev;
    try {
      await next();
    } finally {
      release();
    }
  });

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    if (!c.req.path.startsWith('/static/')) c.header('Cache-Control', 'no-store');
  });

  const ipOf = (c: Context) => {
    const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
    return env?.incoming?.socket?.remoteAddress ?? 'local';
  };

  // Session and CSRF: every state-changing request carries the session's token (X-CSRF-Token or _csrf),
  // and a cross-site Origin is refused.
  app.use('*', async (c, next) => {
    c.set('session', await loadSession(db, getCookie(c, SESSION_COOKIE)));
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null') {
        let host: string | null = null;
        try {
          host = new URL(origin).host;
        } catch {
          host = null;
        }
        if (host !== c.req.header('host')) return c.json({ error: '跨站请求被拒绝' }, 403);
      }
      if (c.req.path !== '/login') {
        const s = c.get('session');
        if (!s) return c.json({ error: '请先登录' }, 401);
        let token = c.req.header('x-csrf-token');
        if (!token && (c.req.header('content-type') ?? '').includes('form')) token = String((await c.req.parseBody())['_csrf'] ?? '');
        if (!token || token !== s.csrfToken) return c.json({ error: 'CSRF 校验失败，请刷新页面后重试' }, 403);
      }
    }
    await next();
  });

  const ctxOf = (c: Context<Env>): Ctx => {
    const s = c.get('session');
    if (!s) throw new HttpError(401, '请先登录');
    return { db, user: s.user, roles, sla, today: today() };
  };
  const pageUser = (c: Context<Env>): PageUser => {
    const s = c.get('session')!;
    return { user: s.user, csrf: s.csrfToken };
  };

  // API routes need a session; pages send the browser to the login page.
  app.use('/api/*', async (c, next) => {
    if (!c.get('session')) return c.json({ error: '请先登录' }, 401);
    await next();
  });
  for (const p of ['/', '/queue', '/flags/*', '/dashboard', '/audit', '/exports']) {
    app.use(p, async (c, next) => {
      if (!c.get('session')) return c.redirect('/login', 303);
      await next();
    });
  }

  app.onError((err, c) => {
    const status = err instanceof HttpError ? err.status : err instanceof UserError ? 400 : 500;
    const message = err instanceof HttpError || err instanceof UserError ? err.message : '服务器内部错误';
    if (status === 500) console.error(err);
    if (c.req.path.startsWith('/api/') || c.req.method !== 'GET') return c.json({ error: message }, status);
    const s = c.get('session');
    return c.html(errorPage(s ? { user: s.user, csrf: s.csrfToken } : null, status, message), status);
  });
  app.notFound((c) => (c.req.path.startsWith('/api/') ? c.json({ error: '找不到' }, 404) : c.html(errorPage(null, 404, '找不到该页面'), 404)));

  // ---------- static ----------
  app.get('/static/app.css', (c) => c.body(CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/static/app.js', (c) => c.body(JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/static/trace.js', (c) => c.body(TRACE_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  // ---------- login ----------
  app.get('/login', (c) => {
    if (c.get('session')) return c.redirect('/queue', 303);
    const token = randomToken(18);
    setCookie(c, LOGIN_CSRF_COOKIE, token, { ...cookieOpts, maxAge: 3600 });
    return c.html(loginPage(token, null));
  });

  app.post('/login', async (c) => {
    const isJson = (c.req.header('content-type') ?? '').includes('json');
    const body = parse(loginSchema, isJson ? await c.req.json().catch(() => ({})) : await c.req.parseBody());
    const cookieToken = getCookie(c, LOGIN_CSRF_COOKIE);
    const sent = body._csrf ?? c.req.header('x-csrf-token');
    const fresh = randomToken(18);
    const fail = (status: 401 | 403 | 429, message: string) => {
      if (isJson) return c.json({ error: message }, status);
      setCookie(c, LOGIN_CSRF_COOKIE, fresh, { ...cookieOpts, maxAge: 3600 });
      return c.html(loginPage(fresh, message, body.username), status);
    };
    if (!cookieToken || !sent || cookieToken !== sent) return fail(403, 'CSRF 校验失败，请刷新登录页后重试');
    const ip = ipOf(c);
    const username = body.username.trim();
    const result = await checkLogin(db, username, body.password, ip, limits);
    if (!result.ok) {
      await appendAudit(db, { actor: username, action: 'login', detail: { success: false, reason: result.reason, ip } });
      return result.reason === 'rate_limited'
        ? fail(429, `登录失败次数过多，请 ${limits.windowMinutes} 分钟后再试`)
        : fail(401, '用户名或密码错误');
    }
    const { token, csrfToken } = await createSession(db, result.user.username, ip);
    await appendAudit(db, { actor: result.user.username, action: 'login', detail: { success: true, ip, role: result.user.role } });
    deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/' });
    setCookie(c, SESSION_COOKIE, token, cookieOpts);
    if (isJson) return c.json({ ok: true, user: result.user, csrfToken });
    return c.redirect('/queue', 303);
  });

  app.post('/logout', async (c) => {
    const s = c.get('session')!;
    await deleteSession(db, s.sessionHash);
    await appendAudit(db, { actor: s.user.username, action: 'login', detail: { logout: true } });
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  // ---------- helpers ----------
  async function runFor(ctx: Ctx, runId: string | null | undefined): Promise<RunInfo | null> {
    const runs = await scopedRuns(ctx);
    if (runId) {
      if (!runs.some((r) => r.runId === runId)) throw new HttpError(404, `找不到比对批次 ${runId}（或其中没有您管辖区域的标记）`);
      return getRun(db, runId);
    }
    const latest = await latestCompleteRun(db);
    if (latest && runs.some((r) => r.runId === latest.runId)) return latest;
    return runs[0] ? getRun(db, runs[0].runId) : null;
  }

  function filtersOf(q: z.infer<typeof queueQuerySchema>): QueueFilters {
    return { flag: q.flag, category: q.category, reason: q.reason, priority: q.priority, status: q.status, age: q.age, q: q.q, mine: !!q.mine };
  }

  async function viewFlag(ctx: Ctx, flagId: string, runId: string | null | undefined) {
    const flag = await requireFlag(ctx, parse(flagIdSchema, flagId), runId);
    await appendAudit(db, { actor: ctx.user.username, action: 'view', runId: flag.runId, target: flag.flagId, rows: 1, detail: { what: 'flag' } });
    const registry = await registryRecordOf(ctx, flag);
    const evidence: EvidenceView[] = [];
    for (const item of parseEvidence(flag.evidence)) {
      const record = item.batch_id != null && item.src_row != null ? await loadRecord(ctx, item.feed, Number(item.batch_id), Number(item.src_row)) : null;
      evidence.push({ item, record, match: await matchExplanation(ctx, item) });
    }
    return { flag, registry, evidence, decisions: await flagDecisions(ctx, flag), history: await flagHistory(ctx, flag) };
  }

  function publicFlag(f: FlagDetail) {
    const { childIdNumber: _full, fingerprint: _fp, evidence, params, ...rest } = f;
    return { ...rest, evidence: parseEvidence(evidence), params: JSON.parse(params) as unknown };
  }

  // ---------- pages ----------
  app.get('/', (c) => c.redirect('/queue', 303));

  app.get('/queue', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(queueQuerySchema, queryOf(c));
    const run = await runFor(ctx, q.run);
    const filters = filtersOf(q);
    const result = run ? await queue(ctx, run, filters) : null;
    return c.html(queuePage(pageUser(c), ctx, run, await scopedRuns(ctx), filters, result));
  });

  app.get('/flags/:flagId', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(z.object({ run: optionalRun }), queryOf(c));
    const v = await viewFlag(ctx, c.req.param('flagId'), q.run);
    return c.html(flagPage(pageUser(c), ctx, v.flag, v.registry, v.evidence, v.decisions, v.history));
  });

  app.get('/dashboard', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(dashboardQuerySchema, queryOf(c));
    if (q.county && !inScope(ctx.user, roles, q.county)) throw new HttpError(404, '该区划不在您的管辖区域内');
    const run = await runFor(ctx, q.run);
    const counties = run
      ? (await queryRows<{ c: string }>(db, `SELECT DISTINCT county_code AS c FROM flags f WHERE run_id = ${lit(run.runId)} AND county_code IS NOT NULL AND ${scopeOf(ctx)} ORDER BY 1`)).map((r) => r.c)
      : [];
    return c.html(dashboardPage(pageUser(c), await scopedRuns(ctx), counties, await dashboard(ctx, run, q.county ?? null)));
  });

  app.get('/audit', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(auditQuerySchema, queryOf(c));
    const rows = await auditRows(ctx, q);
    const s = roles[ctx.user.role];
    const note = s.allAreas && s.readsAudit ? '全部审计记录。' : s.readsAudit ? '您管辖区域内用户的操作及涉及本区域标记的记录。' : '您本人的操作记录。';
    return c.html(auditPage(pageUser(c), rows, q, note));
  });

  app.get('/exports', async (c) => {
    const ctx = ctxOf(c);
    return c.html(exportsPage(pageUser(c), await scopedRuns(ctx), exportAreas(ctx)));
  });

  const scopeOf = (ctx: Ctx) => scopeSql(ctx.user, roles, 'county_code');

  /** The area codes a user may export: its counties, its cities' prefixes; an admin also everything (''). */
  function exportAreas(ctx: Ctx): string[] {
    const p = scopePrefixes(ctx.user, roles);
    if (p === 'all') return ['', ...ctx.user.areas.map((a) => a.replace(/(00)+$/, ''))];
    return p;
  }

  // ---------- API ----------
  app.get('/api/me', (c) => {
    const ctx = ctxOf(c);
    return c.json({ user: ctx.user, grants: roles[ctx.user.role] });
  });

  app.get('/api/flags', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(queueQuerySchema, queryOf(c));
    const run = await runFor(ctx, q.run);
    if (!run) return c.json({ run: null, total: 0, items: [], byType: {} });
    const r = await queue(ctx, run, filtersOf(q));
    return c.json({ run: { runId: run.runId, asOf: run.asOf }, total: r.total, items: r.rows, byType: r.byType });
  });

  app.get('/api/flags/:flagId', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(z.object({ run: optionalRun }), queryOf(c));
    const v = await viewFlag(ctx, c.req.param('flagId'), q.run);
    // The identity values behind the comparison carry full ID numbers: they stay on the server.
    const strip = (r: StoredRecord | null) => (r ? { ...r, identity: undefined } : null);
    return c.json({
      flag: publicFlag(v.flag),
      registry: strip(v.registry),
      evidence: v.evidence.map((e) => ({ ...e, record: strip(e.record), comparison: e.record ? compareIdentity(v.registry, REGISTRY_ROLE_FOR[String(e.item.role)] ?? 'child', e.record, e.record.feed === 'registry' ? 'child' : 'subject') : [] })),
      decisions: v.decisions,
      history: v.history,
    });
  });

  app.get('/api/flags/:flagId/trace', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(z.object({ run: optionalRun }), queryOf(c));
    const flag = await requireFlag(ctx, parse(flagIdSchema, c.req.param('flagId')), q.run);
    return c.json(await ruleTrace(ctx, flag));
  });

  const body = async (c: Context) => c.req.json().catch(() => {
    throw new HttpError(400, '请求内容应为 JSON');
  });

  app.post('/api/flags/bulk', async (c) => {
    const ctx = ctxOf(c);
    const b = parse(bulkSchema, await body(c));
    const done = await bulkDecide(ctx, b);
    return c.json({ ok: true, decided: done.length, decisions: done });
  });

  app.post('/api/flags/:flagId/decide', async (c) => {
    const ctx = ctxOf(c);
    const b = parse(decideSchema, await body(c));
    const d = await decideFlag(ctx, parse(flagIdSchema, c.req.param('flagId')), b);
    return c.json({ ok: true, decision: d });
  });

  app.post('/api/flags/:flagId/approve', async (c) => {
    const ctx = ctxOf(c);
    const b = parse(approveSchema, await body(c));
    return c.json({ ok: true, decision: await approveFlag(ctx, parse(flagIdSchema, c.req.param('flagId')), b) });
  });

  app.post('/api/flags/:flagId/assign', async (c) => {
    const ctx = ctxOf(c);
    const b = parse(assignSchema, await body(c));
    return c.json({ ok: true, ...(await assignFlag(ctx, parse(flagIdSchema, c.req.param('flagId')), b)) });
  });

  app.post('/api/flags/:flagId/unmask', async (c) => {
    const ctx = ctxOf(c);
    const b = parse(unmaskSchema, await body(c));
    return c.json(await unmask(ctx, parse(flagIdSchema, c.req.param('flagId')), b));
  });

  app.post('/api/exports', async (c) => {
    const ctx = ctxOf(c);
    const b = parse(exportSchema, await body(c));
    const allowed = exportAreas(ctx);
    const county = b.county ?? (allowed.length === 1 ? allowed[0]! : undefined);
    if (county === undefined) throw new HttpError(400, '请选择区划');
    if (county === '' ? scopePrefixes(ctx.user, roles) !== 'all' : !inScope(ctx.user, roles, county)) throw new HttpError(404, '该区划不在您的管辖区域内');
    const run = await runFor(ctx, b.runId);
    if (!run) throw new HttpError(404, '没有可导出的比对批次');
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const outDir = join(exportDir, ctx.user.username.replace(/[^\p{L}\p{N}_.-]/gu, '_'), `${stamp}-${randomToken(4)}`);
    const result = await runExport(db, b.kind, { runId: run.runId, county: county || null, outDir, by: ctx.user.username });
    const paths = result.files.map((f) => f.path);
    const audits = await queryRows<{ audit_id: number; target: string }>(
      db,
      `SELECT audit_id, target FROM audit_log WHERE action = 'export' AND actor = ${lit(ctx.user.username)} AND target IN (${paths.map(lit).join(', ')}) ORDER BY audit_id`,
    );
    const idOf = new Map(audits.map((a) => [a.target, Number(a.audit_id)]));
    return c.json({
      ok: true,
      kind: result.kind,
      runId: result.runId,
      county: result.county,
      files: result.files.map((f) => ({ name: basename(f.path), format: f.format, rows: f.rows, url: `/api/exports/${idOf.get(f.path)}/download` })),
    });
  });

  app.get('/api/exports/:auditId/download', async (c) => {
    const ctx = ctxOf(c);
    const id = parse(z.coerce.number().int().positive(), c.req.param('auditId'));
    const [row] = await queryRows<{ target: string }>(
      db,
      `SELECT target FROM audit_log WHERE audit_id = ${id} AND action = 'export' AND actor = ${lit(ctx.user.username)}`,
    );
    const path = row ? resolve(row.target) : null;
    const rel = path ? relative(exportDir, path) : '..';
    if (!path || rel.startsWith('..') || rel.startsWith(sep) || !existsSync(path)) throw new HttpError(404, '找不到该导出文件');
    const name = basename(path);
    return new Response(Readable.toWeb(createReadStream(path)) as unknown as ReadableStream, {
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(statSync(path).size),
        'Content-Disposition': `attachment; filename="export${name.slice(name.lastIndexOf('.'))}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        'Cache-Control': 'no-store',
      },
    });
  });

  app.get('/api/audit', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(auditQuerySchema, queryOf(c));
    return c.json({ items: await auditRows(ctx, q) });
  });

  app.get('/api/dashboard', async (c) => {
    const ctx = ctxOf(c);
    const q = parse(dashboardQuerySchema, queryOf(c));
    if (q.county && !inScope(ctx.user, roles, q.county)) throw new HttpError(404, '该区划不在您的管辖区域内');
    const run = await runFor(ctx, q.run);
    return c.json(await dashboard(ctx, run, q.county ?? null));
  });

  return app;
}

export { NOT_FOUND };
