// The review queue: the page /queue (and / that leads to it) and its list GET /api/flags.
import { Hono } from 'hono';
import { ctxOf, pageUser, type Env } from '../context.js';
import { queuePage } from '../pages.js';
import { queue as queueOf, type QueueFilters } from '../queries/queue.js';
import { runFor, scopedRuns } from '../queries/runs.js';
import { queueQuery, type QueueQuery } from '../schemas.js';
import { query } from '../validate.js';

const filtersOf = (q: QueueQuery): QueueFilters => ({
  flag: q.flag,
  category: q.category,
  reason: q.reason,
  priority: q.priority,
  status: q.status,
  age: q.age,
  q: q.q,
  mine: !!q.mine,
});

export const queue = new Hono<Env>();

queue.get('/', (c) => c.redirect('/queue', 303));

queue.get('/queue', query(queueQuery), async (c) => {
  const ctx = ctxOf(c);
  const q = c.req.valid('query');
  const run = await runFor(ctx, q.run);
  const filters = filtersOf(q);
  const result = run ? await queueOf(ctx, run, filters) : null;
  return c.html(queuePage(pageUser(c), ctx, run, await scopedRuns(ctx), filters, result));
});

queue.get('/api/flags', query(queueQuery), async (c) => {
  const ctx = ctxOf(c);
  const q = c.req.valid('query');
  const run = await runFor(ctx, q.run);
  if (!run) return c.json({ run: null, total: 0, items: [], byType: {} });
  const r = await queueOf(ctx, run, filtersOf(q));
  return c.json({ run: { runId: run.runId, asOf: run.asOf }, total: r.total, items: r.rows, byType: r.byType });
});
