// The runs a user may open: those with at least one flag in its scope.
import { z } from 'zod';
import { queryAll, sql } from '../../pipeline/store/index.js';
import { getRun, latestCompleteRun, type RunInfo } from '../../review/index.js';
import type { Ctx } from '../context.js';
import { WebError } from '../errors.js';
import { flagVisible } from '../privacy.js';
import { scopeSql } from '../roles.js';

const scopedRunSchema = z.object({ runId: z.string(), asOf: z.string() });

/** The complete and incomplete runs with a flag in the user's scope, newest first. */
export function scopedRuns(ctx: Ctx): Promise<{ runId: string; asOf: string }[]> {
  return queryAll(
    ctx.db,
    scopedRunSchema,
    sql`SELECT r.run_id AS "runId", CAST(r.as_of AS VARCHAR) AS "asOf" FROM runs r
         WHERE r.status IN ('complete', 'incomplete')
           AND EXISTS (SELECT 1 FROM flags f WHERE f.run_id = r.run_id AND ${scopeSql(ctx.user, ctx.roles)} AND ${flagVisible(ctx, 'f')})
         ORDER BY r.as_of DESC`,
  );
}

/** The run asked for (404 when it has nothing of the scope), else the latest complete run of the scope, else the newest. */
export async function runFor(ctx: Ctx, runId: string | null | undefined): Promise<RunInfo | null> {
  const runs = await scopedRuns(ctx);
  if (runId) {
    if (!runs.some((r) => r.runId === runId)) throw new WebError(404, `找不到比对批次 ${runId}（或其中没有您管辖区域的标记）`);
    return getRun(ctx.db, runId);
  }
  const latest = await latestCompleteRun(ctx.db);
  if (latest && runs.some((r) => r.runId === latest.runId)) return latest;
  return runs[0] ? getRun(ctx.db, runs[0].runId) : null;
}
