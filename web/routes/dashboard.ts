// The dashboard: the page /dashboard and GET /api/dashboard (counts of the scope, one county of it).
import { Hono } from 'hono';
import { ctxOf, pageUser, type Ctx, type Env } from '../context.js';
import { WebError } from '../errors.js';
import { dashboardPage } from '../pages.js';
import { dashboard as dashboardOf, dashboardCounties } from '../queries/dashboard.js';
import { runFor, scopedRuns } from '../queries/runs.js';
import { inScope } from '../roles.js';
import { dashboardQuery } from '../schemas.js';
import { query } from '../validate.js';

function checkCounty(ctx: Ctx, county: string | undefined): void {
  if (county && !inScope(ctx.user, ctx.roles, county)) throw new WebError(404, '该区划不在您的管辖区域内');
}

export const dashboard = new Hono<Env>();

dashboard.get('/dashboard', query(dashboardQuery), async (c) => {
  const ctx = ctxOf(c);
  const q = c.req.valid('query');
  checkCounty(ctx, q.county);
  const run = await runFor(ctx, q.run);
  return c.html(dashboardPage(pageUser(c), await scopedRuns(ctx), await dashboardCounties(ctx, run), await dashboardOf(ctx, run, q.county ?? null)));
});

dashboard.get('/api/dashboard', query(dashboardQuery), async (c) => {
  const ctx = ctxOf(c);
  const q = c.req.valid('query');
  checkCounty(ctx, q.county);
  const run = await runFor(ctx, q.run);
  return c.json(await dashboardOf(ctx, run, q.county ?? null));
});
