// The audit page's query (the rows a user may read) and the export audit rows the download
// links point at.
import { z } from 'zod';
import { queryAll, queryOne, sql, textList, type Sql } from '../../pipeline/store/index.js';
import type { Ctx } from '../context.js';
import type { AuditQuery } from '../schemas.js';
import { scopeSql } from '../roles.js';
import { canSeeRestricted, flagVisible } from '../privacy.js';
import { auditWords } from '../labels.js';

export type AuditFilters = AuditQuery;

export interface AuditRow {
  auditId: number;
  loggedAt: string;
  actor: string;
  action: string;
  runId: string | null;
  target: string | null;
  rows: number | null;
  /** The raw detail (JSON text), for the API and the technical view. */
  detail: string | null;
  /** The object in words: a flag id, a file's name, a masked ID number. */
  object: string;
  /** A flag the row is about (a link on the page), or null. */
  flagId: string | null;
  /** What happened, in a Chinese sentence (auditWords). */
  summary: string;
}

const auditSchema = z.object({
  audit_id: z.number(),
  logged_at: z.string(),
  actor: z.string(),
  action: z.string(),
  run_id: z.string().nullable(),
  target: z.string().nullable(),
  rows: z.number().nullable(),
  detail: z.string().nullable(),
});

/** What the user may read: an admin everything; a supervisor its city's users and flags; anyone else its own actions. */
export function auditScopeNote(ctx: Ctx): string {
  const s = ctx.roles[ctx.user.role];
  return s.allAreas && s.readsAudit ? '全部审计记录。' : s.readsAudit ? '您管辖区域内用户的操作及涉及本区域标记的记录。' : '您本人的操作记录。';
}

function auditScopeSql(ctx: Ctx): Sql {
  const settings = ctx.roles[ctx.user.role];
  if (settings.allAreas && settings.readsAudit) return sql`TRUE`;
  if (!settings.readsAudit) return sql`a.actor = ${ctx.user.username}`;
  const inArea = scopeSql(ctx.user, ctx.roles, sql`x`);
  return sql`(a.actor = ${ctx.user.username}
    OR a.actor IN (SELECT u.username FROM users u WHERE len(u.areas) > 0 AND u.role <> 'admin' AND list_bool_and(list_transform(u.areas, x -> ${inArea})))
    OR a.target IN (SELECT f.flag_id FROM flags f WHERE ${scopeSql(ctx.user, ctx.roles)}))`;
}

export const AUDIT_PAGE_SIZE = 50;

export interface AuditPage {
  rows: AuditRow[];
  total: number;
  page: number;
  pages: number;
}

/**
 * The audit log a user may read, newest first, one page of it: an admin all of it; a supervisor
 * the rows of users whose areas lie in its city and the rows about its flags; anyone else only
 * their own actions.
 */
export async function auditRows(ctx: Ctx, f: AuditFilters, pageSize = AUDIT_PAGE_SIZE): Promise<AuditPage> {
  const w = [auditScopeSql(ctx)];
  // Rows about a flag this user may not know exists (need-to-know) are not theirs to read.
  if (!canSeeRestricted(ctx)) w.push(sql`(a.target IS NULL OR a.target NOT IN (SELECT f.flag_id FROM flags f WHERE NOT ${flagVisible(ctx, 'f')}))`);
  if (f.actor) w.push(sql`a.actor = ${f.actor}`);
  if (f.action) w.push(sql`a.action = ${f.action}`);
  if (f.target) w.push(sql`contains(a.target, ${f.target})`);
  if (f.from) w.push(sql`a.logged_at >= ${f.from}::DATE`);
  if (f.to) w.push(sql`a.logged_at < ${f.to}::DATE + INTERVAL 1 DAY`);
  const where = sql.join(w, sql` AND `);
  const total = (await queryOne(ctx.db, z.object({ n: z.number() }), sql`SELECT count(*)::INTEGER AS n FROM audit_log a WHERE ${where}`))?.n ?? 0;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(f.page ?? 1, pages);
  const rows = await queryAll(
    ctx.db,
    auditSchema,
    sql`SELECT a.audit_id, CAST(a.logged_at AS VARCHAR) AS logged_at, a.actor, a.action, a.run_id, a.target, a.rows, CAST(a.detail AS VARCHAR) AS detail
          FROM audit_log a WHERE ${where} ORDER BY a.audit_id DESC LIMIT ${Math.trunc(pageSize)} OFFSET ${Math.trunc((page - 1) * pageSize)}`,
  );
  return {
    total,
    page,
    pages,
    rows: rows.map((r) => ({
      auditId: r.audit_id,
      loggedAt: r.logged_at.slice(0, 19),
      actor: r.actor,
      action: r.action,
      runId: r.run_id,
      target: r.target,
      rows: r.rows,
      detail: r.detail,
      ...auditWords(r.action, r.target, r.detail),
    })),
  };
}

/** The audit ids of a user's export rows of these files (the download links), by path. */
export async function exportAuditIds(ctx: Ctx, paths: string[]): Promise<Map<string, number>> {
  const rows = await queryAll(
    ctx.db,
    z.object({ audit_id: z.number(), target: z.string() }),
    sql`SELECT audit_id, target FROM audit_log
         WHERE action = 'export' AND actor = ${ctx.user.username} AND list_contains(${textList(paths)}, target) ORDER BY audit_id`,
  );
  return new Map(rows.map((a) => [a.target, a.audit_id]));
}

/** The file of one of the user's own exports (its audit row's target), or null. */
export async function exportFileOf(ctx: Ctx, auditId: number): Promise<string | null> {
  const row = await queryOne(
    ctx.db,
    z.object({ target: z.string().nullable() }),
    sql`SELECT target FROM audit_log WHERE audit_id = ${auditId}::BIGINT AND action = 'export' AND actor = ${ctx.user.username}`,
  );
  return row?.target ?? null;
}
