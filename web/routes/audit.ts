// The audit log: the page /audit and GET /api/audit (what the user's role may read, filtered).
import { Hono } from 'hono';
import { ctxOf, pageUser, type Env } from '../context.js';
import { auditPage } from '../pages.js';
import { auditRows, auditScopeNote } from '../queries/audit.js';
import { auditQuery } from '../schemas.js';
import { query } from '../validate.js';

export const audit = new Hono<Env>();

audit.get('/audit', query(auditQuery), async (c) => {
  const ctx = ctxOf(c);
  const q = c.req.valid('query');
  return c.html(auditPage(pageUser(c), await auditRows(ctx, q), q, auditScopeNote(ctx)));
});

audit.get('/api/audit', query(auditQuery), async (c) => {
  const ctx = ctxOf(c);
  const { rows, ...paging } = await auditRows(ctx, c.req.valid('query'));
  return c.json({ items: rows, ...paging });
});
