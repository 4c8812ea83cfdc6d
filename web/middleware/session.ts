// The app's settings and the signed-in session on every request (c.var.web, c.var.session), and
// the guards: the API answers 401 without a session, the pages send the browser to the login page.
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { loadSession } from '../auth.js';
import type { Env, WebConfig } from '../context.js';

export const SESSION_COOKIE = 'bidui_session';
export const LOGIN_CSRF_COOKIE = 'bidui_login_csrf';

/** Cookie options: httpOnly, SameSite=Strict, Secure behind HTTPS. */
export const cookieOptions = (web: WebConfig) => ({ httpOnly: true, sameSite: 'Strict' as const, path: '/', secure: web.secureCookies });

/** Sets the app's settings (c.var.web) and loads the session of the cookie (c.var.session, null when none). */
export function session(web: WebConfig) {
  return createMiddleware<Env>(async (c, next) => {
    c.set('web', web);
    c.set('session', await loadSession(web.db, getCookie(c, SESSION_COOKIE)));
    await next();
  });
}

export const apiSession = createMiddleware<Env>(async (c, next) => {
  if (!c.get('session')) return c.json({ error: '请先登录' }, 401);
  await next();
});

export const pageSession = createMiddleware<Env>(async (c, next) => {
  if (!c.get('session')) return c.redirect('/login', 303);
  await next();
});
