// The rules' trace for the child of a flag (rules/evaluateChild), computed on demand on the persons
// of the latest linkage, which is valid only for the run that made that linkage.
import type { Config } from '../config/index.js';
import { z } from 'zod';
import { queryOne, sql, type Db } from '../pipeline/store/index.js';
import { evaluateChild, exchangeTraceLines, explainFlagLines, gatherFacts, RuleContext, type GatheredFacts } from '../rules/index.js';
import type { Ctx } from './context.js';
import { canSeeRestricted, RESTRICTED_TRACE } from './privacy.js';
import type { FlagDetail } from './queries/queue.js';

let cache: { key: string; facts: Promise<GatheredFacts> } | null = null;

async function facts(db: Db, runId: string, asOf: string, adultAge: number): Promise<GatheredFacts> {
  // A quarter run again keeps its run id: its finish time tells the runs apart.
  const run = await queryOne(db, z.object({ finished: z.string().nullable() }), sql`SELECT CAST(finished_at AS VARCHAR) AS finished FROM runs WHERE run_id = ${runId}`);
  const key = `${runId}|${run?.finished ?? ''}|${asOf}|${adultAge}`;
  if (!cache || cache.key !== key) cache = { key, facts: gatherFacts(db, asOf, adultAge) };
  try {
    return await cache.facts;
  } catch (err) {
    cache = null;
    throw err;
  }
}

export type TraceResult = { available: true; lines: string[] } | { available: false; message: string };

export async function ruleTrace(ctx: Ctx, flag: FlagDetail): Promise<TraceResult> {
  // No match_runs table (a store without linkage): no trace.
  const latest = await queryOne(ctx.db, z.object({ run_id: z.string() }), sql`SELECT run_id FROM match_runs ORDER BY created_at DESC LIMIT 1`).catch(() => undefined);
  if (!latest || latest.run_id !== flag.runId) {
    return { available: false, message: '该比对批次的人员匹配结果已被之后的批次替换（或不存在），此处只显示标记保存的证据和参数。' };
  }
  if (!flag.childPersonId) return { available: false, message: '该标记没有记录儿童的人员编号。' };
  const run = await queryOne(ctx.db, z.object({ config: z.string().nullable() }), sql`SELECT CAST(config AS VARCHAR) AS config FROM runs WHERE run_id = ${flag.runId}`);
  const config = JSON.parse(run?.config ?? '{}') as Config;
  if (!config.profile) return { available: false, message: '该批次没有保存规则配置。' };
  const g = await facts(ctx.db, flag.runId, flag.asOf, config.profile.adultAge);
  const child = g.children.find((c) => c.personId === flag.childPersonId);
  if (!child) return { available: false, message: '在当前匹配结果中找不到该儿童。' };
  const { trace, flags } = evaluateChild(new RuleContext(flag.asOf, config.profile), child, g.people);
  if (!canSeeRestricted(ctx)) {
    // The trace names statuses and records (prison, health) a role without the grant may not see.
    return { available: false, message: RESTRICTED_TRACE };
  }
  // The exchange: what the query lists asked about the child and its family, and what the answers said.
  const lines = [...trace, ...(await exchangeTraceLines(ctx.db, child))];
  for (const f of flags) lines.push(...explainFlagLines(f));
  return { available: true, lines };
}
