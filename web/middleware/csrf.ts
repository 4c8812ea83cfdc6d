// Cross-site request forgery: every state-changing request (not GET or HEAD) must come from our
// own origin — its Origin header, or without one its Referer, names this host; a missing source
// or `Origin: null` (a sandboxed or privacy-stripped request) is refused — and, but for the login
// form (which has its own CSRF cookie, routes/auth.ts), carry the session's CSRF token in
// X-CSRF-Token or a form's _csrf field.
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { Env } from '../context.js';

/** The host a request names as its source (Origin, else Referer), or null when absent, `null` or not a URL. */
function sourceHost(c: Context): string | null {
  const source = c.req.header('origin') ?? c.req.header('referer');
  if (!source || source === 'null') return null;
  try {
    return new URL(source).host;
  } catch {
    return null;
  }
}

/** The host the request was sent to (the Host header; app.request() in tests has only the URL). */
const ownHost = (c: Context) => c.req.header('host') ?? new URL(c.req.url).host;

export const csrf = createMiddleware<Env>(async (c, next) => {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
  if (sourceHost(c) !== ownHost(c)) return c.json({ error: '跨站请求被拒绝' }, 403);
  if (c.req.path !== '/login') {
    const s = c.get('session');
    if (!s) return c.json({ error: '请先登录' }, 401);
    let token = c.req.header('x-csrf-token');
    if (!token && (c.req.header('content-type') ?? '').includes('form')) token = String((await c.req.parseBody())['_csrf'] ?? '');
    if (!token || token !== s.csrfToken) return c.json({ error: 'CSRF 校验失败，请刷新页面后重试' }, 403);
  }
  await next();
});
