import { z } from 'zod';
import { queryOne, sql, type Db } from '../pipeline/store/index.js';

export type AuditAction = 'export' | 'unmask' | 'decide' | 'login' | 'view' | 'retention' | 'key';

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  runId?: string | null;
  target?: string | null;
  rows?: number | null;
  detail?: Record<string, unknown> | null;
}

/** Appends one row to the append-only audit_log (RULES.md §4). Returns its audit_id. */
export async function appendAudit(db: Db, e: AuditEntry): Promise<number> {
  const row = await queryOne(
    db,
    z.object({ audit_id: z.coerce.number() }),
    sql`INSERT INTO audit_log (logged_at, actor, action, run_id, target, rows, detail)
        VALUES (now(), ${e.actor}, ${e.action}, ${e.runId ?? null}, ${e.target ?? null},
                ${e.rows == null ? null : Math.trunc(e.rows)}::INTEGER, ${e.detail == null ? null : JSON.stringify(e.detail)}::JSON)
        RETURNING audit_id`,
  );
  return row!.audit_id;
}
