// The dashboard's queries: counts of a run's flags in the scope (by type, category, county,
// status), the counties to choose from, and the trend over the quarters up to the run.
import { z } from 'zod';
import { flagLabel, STATUS_LABELS, type FlagStatus } from '../../flags/index.js';
import { queryAll, sql } from '../../pipeline/store/index.js';
import type { RunInfo } from '../../review/index.js';
import type { Ctx } from '../context.js';
import { countyName } from '../labels.js';
import { flagVisible, restrictedCategory } from '../privacy.js';
import { scopeSql } from '../roles.js';
import { openSql, overdueSql, queueSql } from './queue.js';

export interface DashboardData {
  run: { runId: string; asOf: string } | null;
  county: string | null;
  byType: { flag: string; label: string; total: number; open: number; decided: number; overdue: number }[];
  byCategory: { label: string; total: number }[];
  byCounty: { code: string; name: string; total: number; open: number; decided: number; overdue: number }[];
  decisions: { label: string; n: number }[];
  trend: { runId: string; asOf: string; byType: Record<string, number>; total: number }[];
}

const countsSchema = z.object({ total: z.number(), open: z.number(), overdue: z.number() });

/** The counties of a run's flags in the scope (the dashboard's county choice). */
export async function dashboardCounties(ctx: Ctx, run: RunInfo | null): Promise<string[]> {
  if (!run) return [];
  const rows = await queryAll(
    ctx.db,
    z.object({ c: z.string() }),
    sql`SELECT DISTINCT county_code AS c FROM flags f
         WHERE run_id = ${run.runId} AND county_code IS NOT NULL AND ${scopeSql(ctx.user, ctx.roles, sql`county_code`)} AND ${flagVisible(ctx, 'f')} ORDER BY 1`,
  );
  return rows.map((r) => r.c);
}

export async function dashboard(ctx: Ctx, run: RunInfo | null, county: string | null): Promise<DashboardData> {
  if (!run) return { run: null, county, byType: [], byCategory: [], byCounty: [], decisions: [], trend: [] };
  const base = sql`SELECT * FROM (${queueSql(ctx, run.runId)}) WHERE (${county}::VARCHAR IS NULL OR starts_with(county_code, ${county}))`;
  const counts = sql`count(*)::INTEGER AS total, count(*) FILTER (WHERE ${openSql()})::INTEGER AS open, count(*) FILTER (WHERE ${overdueSql(ctx)})::INTEGER AS overdue`;
  const byType = await queryAll(ctx.db, countsSchema.extend({ flag: z.string() }), sql`SELECT flag, ${counts} FROM (${base}) GROUP BY flag ORDER BY min(priority), flag`);
  const byCat = await queryAll(
    ctx.db,
    z.object({ category: z.string().nullable(), total: z.number() }),
    sql`SELECT split_part(coalesce(category, previous_category, ''), ':', 1) AS category, count(*)::INTEGER AS total FROM (${base}) GROUP BY 1 ORDER BY 2 DESC`,
  );
  const catMap = new Map<string, number>();
  for (const c of byCat) {
    const label = c.category ? restrictedCategory(ctx, c.category) : '（未标明）';
    catMap.set(label, (catMap.get(label) ?? 0) + c.total);
  }
  const byCounty = await queryAll(ctx.db, countsSchema.extend({ code: z.string().nullable() }), sql`SELECT county_code AS code, ${counts} FROM (${base}) GROUP BY 1 ORDER BY 1`);
  const dec = await queryAll(ctx.db, z.object({ status: z.string(), n: z.number() }), sql`SELECT status, count(*)::INTEGER AS n FROM (${base}) GROUP BY 1 ORDER BY 1`);
  const trendRows = await queryAll(
    ctx.db,
    z.object({ run_id: z.string(), as_of: z.string(), flag: z.string(), n: z.number() }),
    sql`SELECT f.run_id, CAST(r.as_of AS VARCHAR) AS as_of, f.flag, count(*)::INTEGER AS n
          FROM flags f JOIN runs r ON r.run_id = f.run_id
         WHERE r.status IN ('complete', 'incomplete') AND r.as_of <= ${run.asOf}::DATE AND ${scopeSql(ctx.user, ctx.roles)} AND ${flagVisible(ctx, 'f')}
           AND (${county}::VARCHAR IS NULL OR starts_with(f.county_code, ${county}))
         GROUP BY ALL ORDER BY as_of`,
  );
  const trend = new Map<string, DashboardData['trend'][number]>();
  for (const t of trendRows) {
    const e = trend.get(t.run_id) ?? { runId: t.run_id, asOf: t.as_of, byType: {}, total: 0 };
    e.byType[t.flag] = t.n;
    e.total += t.n;
    trend.set(t.run_id, e);
  }
  return {
    run: { runId: run.runId, asOf: run.asOf },
    county,
    byType: byType.map((t) => ({ flag: t.flag, label: flagLabel(t.flag), total: t.total, open: t.open, decided: t.total - t.open, overdue: t.overdue })),
    byCategory: [...catMap].map(([label, total]) => ({ label, total })),
    byCounty: byCounty.map((c) => ({ code: c.code ?? '', name: countyName(c.code), total: c.total, open: c.open, decided: c.total - c.open, overdue: c.overdue })),
    decisions: dec.map((d) => ({ label: STATUS_LABELS[d.status as FlagStatus] ?? d.status, n: d.n })),
    trend: [...trend.values()].slice(-8),
  };
}
