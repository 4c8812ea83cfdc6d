import { queryAll, sql, type Db } from '../pipeline/store/index.js';
import { z } from 'zod';
import { UserError } from './errors.js';

export interface RunInfo {
  runId: string;
  asOf: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  /** The run's configuration (parsed JSON), rule profile included. */
  config: unknown;
  previousRunId: string | null;
}

const runRowSchema = z.object({
  run_id: z.string(),
  as_of: z.string(),
  status: z.string(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  config: z.string().nullable(),
  previous_run_id: z.string().nullable(),
});
type RunRow = z.infer<typeof runRowSchema>;

const COLS = sql`run_id, CAST(as_of AS VARCHAR) AS as_of, status, CAST(started_at AS VARCHAR) AS started_at,
  CAST(finished_at AS VARCHAR) AS finished_at, CAST(config AS VARCHAR) AS config, previous_run_id`;

function toRun(r: RunRow): RunInfo {
  let config: unknown = null;
  try {
    config = r.config ? JSON.parse(r.config) : null;
  } catch {
    config = null;
  }
  return { runId: r.run_id, asOf: r.as_of, status: r.status, startedAt: r.started_at, finishedAt: r.finished_at, config, previousRunId: r.previous_run_id };
}

/** Statuses whose flags may be reviewed and exported (a running or failed run may be partial). */
export const EXPORTABLE_STATUSES = ['complete', 'incomplete'] as const;

/** The latest complete run (by as-of date, then finish time), or null. */
export async function latestCompleteRun(db: Db): Promise<RunInfo | null> {
  const rows = await queryAll(
    db,
    runRowSchema,
    sql`SELECT ${COLS} FROM runs WHERE status = 'complete' ORDER BY as_of DESC, finished_at DESC NULLS LAST, started_at DESC LIMIT 1`,
  );
  return rows[0] ? toRun(rows[0]) : null;
}

export async function getRun(db: Db, runId: string): Promise<RunInfo | null> {
  const rows = await queryAll(db, runRowSchema, sql`SELECT ${COLS} FROM runs WHERE run_id = ${runId}`);
  return rows[0] ? toRun(rows[0]) : null;
}

/**
 * The run a command works on: the one named (which must exist and be complete or incomplete),
 * else the latest complete run. Throws a UserError (Chinese) otherwise.
 */
export async function resolveRun(db: Db, runId?: string | null): Promise<RunInfo> {
  if (runId) {
    const run = await getRun(db, runId);
    if (!run) throw new UserError(`找不到比对批次 ${runId}`);
    if (!(EXPORTABLE_STATUSES as readonly string[]).includes(run.status)) {
      throw new UserError(`比对批次 ${runId} 的状态为 ${run.status}（未完成），不能审核或导出`);
    }
    return run;
  }
  const run = await latestCompleteRun(db);
  if (!run) throw new UserError('数据库中还没有已完成的比对批次，请先运行季度比对');
  return run;
}

/** The rule profile's name as configured: a shipped name, a file path, or `<extends>（自定义）`. */
export function profileName(config: unknown): string {
  const p = (config as { profile?: unknown } | null)?.profile;
  if (typeof p === 'string') return p;
  if (p && typeof p === 'object') {
    const o = p as { name?: unknown; extends?: unknown };
    if (typeof o.name === 'string') return o.name;
    if (typeof o.extends === 'string') return `${o.extends}（自定义）`;
    return '自定义';
  }
  return 'national';
}
