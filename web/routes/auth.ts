// /login (the form and its post, JSON for API clients), /logout, and /api/me.
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { appendAudit } from '../../review/index.js';
import { checkLogin, createSession, deleteSession, randomToken, waitText } from '../auth.js';
import { ctxOf, ipOf, type Env } from '../context.js';
import { cookieOptions, LOGIN_CSRF_COOKIE, SESSION_COOKIE } from '../middleware/session.js';
import { loginPage } from '../pages.js';
import { loginBody } from '../schemas.js';
import { formOrJson } from '../validate.js';

export const auth = new Hono<Env>();

auth.get('/login', (c) => {
  if (c.get('session')) return c.redirect('/queue', 303);
  const token = randomToken(18);
  setCookie(c, LOGIN_CSRF_COOKIE, token, { ...cookieOptions(c.get('web')), maxAge: 3600 });
  return c.html(loginPage(token, null));
});

auth.post('/login', formOrJson(loginBody), async (c) => {
  const { db, limits } = c.get('web');
  const body = c.req.valid('form');
  const isJson = (c.req.header('content-type') ?? '').includes('json');
  const cookieToken = getCookie(c, LOGIN_CSRF_COOKIE);
  const sent = body._csrf ?? c.req.header('x-csrf-token');
  const fresh = randomToken(18);
  const fail = (status: 401 | 403 | 429, message: string) => {
    if (isJson) return c.json({ error: message }, status);
    setCookie(c, LOGIN_CSRF_COOKIE, fresh, { ...cookieOptions(c.get('web')), maxAge: 3600 });
    return c.html(loginPage(fresh, message, body.username), status);
  };
  if (!cookieToken || !sent || cookieToken !== sent) return fail(403, 'CSRF 校验失败，请刷新登录页后重试');
  const ip = ipOf(c);
  const username = body.username.trim();
  const result = await checkLogin(db, username, body.password, ip, limits);
  if (!result.ok) {
    if (result.reason === 'rate_limited') {
      const { scope, waitSeconds } = result;
      await appendAudit(db, { actor: username, action: 'login', detail: { success: false, reason: result.reason, scope, waitSeconds, ip } });
      c.header('Retry-After', String(waitSeconds));
      const who = scope === 'ip' ? '本机地址登录失败次数过多' : '该用户名在本机地址的登录失败次数过多';
      return fail(429, `${who}，请 ${waitText(waitSeconds)}后再试`);
    }
    await appendAudit(db, { actor: username, action: 'login', detail: { success: false, reason: result.reason, ip } });
    return fail(401, '用户名或密码错误');
  }
  const { token, csrfToken } = await createSession(db, result.user.username, ip);
  await appendAudit(db, { actor: result.user.username, action: 'login', detail: { success: true, ip, role: result.user.role } });
  deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/' });
  setCookie(c, SESSION_COOKIE, token, cookieOptions(c.get('web')));
  if (isJson) return c.json({ ok: true, user: result.user, csrfToken });
  return c.redirect('/queue', 303);
});

auth.post('/logout', async (c) => {
  const { user } = ctxOf(c);
  const db = c.get('web').db;
  await deleteSession(db, c.get('session')!.sessionHash);
  await appendAudit(db, { actor: user.username, action: 'login', detail: { logout: true } });
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  return c.json({ ok: true });
});

auth.get('/api/me', (c) => {
  const ctx = ctxOf(c);
  return c.json({ user: ctx.user, grants: ctx.roles[ctx.user.role] });
});
