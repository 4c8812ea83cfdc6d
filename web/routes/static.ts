// /static/: the stylesheet and the scripts of the pages (CSP 'self'; cacheable).
import { Hono } from 'hono';
import { CSS, JS, TRACE_JS } from '../assets.js';
import type { Env } from '../context.js';

export const staticFiles = new Hono<Env>()
  .get('/app.css', (c) => c.body(CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }))
  .get('/app.js', (c) => c.body(JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
  .get('/trace.js', (c) => c.body(TRACE_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
