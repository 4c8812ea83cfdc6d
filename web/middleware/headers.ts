// Security headers on every response; nothing but /static/ is cached. Referrer-Policy
// same-origin: the browser sends our own origin (Origin, Referer) to us, which the CSRF check
// requires, and nothing to any other site.
import { createMiddleware } from 'hono/factory';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const securityHeaders = createMiddleware(async (c, next) => {
  await next();
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Content-Security-Policy', CSP);
  if (!c.req.path.startsWith('/static/')) c.header('Cache-Control', 'no-store');
});
