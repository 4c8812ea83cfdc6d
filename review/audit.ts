import { lit, type Db } from '../pipeline/store/index.js';

export type AuditAction = 'export' | 'unmask' | 'decide' | 'login' | 'view';

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
  const val = (v: string | null | undefined) => (v == null ? 'NULL' : lit(v));
  const reader = await db.runAndReadAll(
    `INSERT INTO audit_log (logged_at, actor, action, run_id, target, rows, detail)
     VALUES (now(), ${lit(e.actor)}, ${lit(e.action)}, ${val(e.runId)}, ${val(e.target)},
             ${e.rows == null ? 'NULL' : Math.trunc(e.rows)}, ${e.detail == null ? 'NULL' : lit(JSON.stringify(e.detail)) + '::JSON'})
     RETURNING audit_id`,
  );
  return Number(reader.getRowObjectsJson()[0]!.audit_id);
}
