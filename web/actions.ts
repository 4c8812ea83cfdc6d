// Every change the web review queue makes: decisions (through review/decide), the second approval
// of a REMOVE (four-eyes), assignments, and audited unmasking. Each first finds the flag in the
// user's scope (queries/queue.ts findFlag): outside it, the flag does not exist.
import { parseEvidence, type DecisionKind } from '../flags/index.js';
import { exec, sql } from '../pipeline/store/index.js';
import { answerNeedsInfo, appendAudit, approve, ApprovalRefused, decide, UserError } from '../review/index.js';
import type { Ctx } from './context.js';
import { WebError } from './errors.js';
import { decidedByGrantRole, evidenceHidden, ROUTED_TO_GRANT } from './privacy.js';
import { recordIdValue, registryRecordOf } from './queries/flag.js';
import { findFlag, type FlagDetail } from './queries/queue.js';

export const NOT_FOUND = '找不到该标记（可能不存在，或不在您的管辖区域内）';

export async function requireFlag(ctx: Ctx, flagId: string, runId?: string | null): Promise<FlagDetail> {
  const flag = await findFlag(ctx, flagId, runId);
  if (!flag) throw new WebError(404, NOT_FOUND);
  return flag;
}

function lockedByOther(ctx: Ctx, flag: FlagDetail): string | null {
  return flag.assignedTo && flag.assignedTo !== ctx.user.username ? flag.assignedTo : null;
}

/** Why this user may not record a reviewer's decision on this flag, or null. */
function decideBlock(ctx: Ctx, flag: FlagDetail): string | null {
  const other = lockedByOther(ctx, flag);
  if (other) return `该标记已由 ${other} 认领，其他人不能审核`;
  if (flag.status === 'approved' && ctx.user.role === 'reviewer') return '该退出标记已经主管复核，不能再修改';
  if (decidedByGrantRole(ctx, flag)) return ROUTED_TO_GRANT;
  return null;
}

export interface DecideRequest {
  decision: DecisionKind;
  reason?: string | null;
  /** needs_info: the date the material is due. */
  dueOn?: string | null;
  runId?: string | null;
}

export async function decideFlag(ctx: Ctx, flagId: string, req: DecideRequest) {
  const flag = await requireFlag(ctx, flagId, req.runId);
  const block = decideBlock(ctx, flag);
  if (block) throw new WebError(409, block);
  try {
    return await decide(ctx.db, { flagId: flag.flagId, runId: flag.runId, decision: req.decision, reason: req.reason, dueOn: req.dueOn, by: ctx.user.username, today: ctx.today });
  } catch (err) {
    if (err instanceof UserError) throw new WebError(400, err.message.replace(/（--reason）|（--by）|（--due）/g, ''));
    throw err;
  }
}

/** Records the material received for a needs-info request: the flag is back in the queue. */
export async function answerFlag(ctx: Ctx, flagId: string, req: { answer: string; runId?: string | null }) {
  const flag = await requireFlag(ctx, flagId, req.runId);
  const other = lockedByOther(ctx, flag);
  if (other) throw new WebError(409, `该标记已由 ${other} 认领，其他人不能记录补充材料`);
  try {
    return await answerNeedsInfo(ctx.db, { flagId: flag.flagId, runId: flag.runId, answer: req.answer, by: ctx.user.username, today: ctx.today });
  } catch (err) {
    if (err instanceof UserError) throw new WebError(409, err.message.replace(/（--note）|（--by）/g, ''));
    throw err;
  }
}

/** The second approval of a confirmed REMOVE (four-eyes, flags/status.ts), by a role that may approve. */
export async function approveFlag(ctx: Ctx, flagId: string, opts: { runId?: string | null; note?: string | null }) {
  const flag = await requireFlag(ctx, flagId, opts.runId);
  try {
    const d = await approve(ctx.db, { flagId: flag.flagId, runId: flag.runId, note: opts.note, by: ctx.user.username, mayApprove: ctx.roles[ctx.user.role].canApprove });
    return { decisionId: d.decisionId, flagId: d.flagId, runId: d.runId, decision: 'approved' as const, decidedBy: d.decidedBy };
  } catch (err) {
    if (err instanceof ApprovalRefused) throw new WebError(err.kind === 'forbidden' ? 403 : 409, err.message);
    throw err;
  }
}

/** "Assign to me" (locks the flag for others) or release it. */
export async function assignFlag(ctx: Ctx, flagId: string, opts: { runId?: string | null; release?: boolean }) {
  const flag = await requireFlag(ctx, flagId, opts.runId);
  const other = lockedByOther(ctx, flag);
  if (opts.release) {
    if (other && ctx.user.role === 'reviewer') throw new WebError(409, `该标记由 ${other} 认领，只有本人或主管可以释放`);
    await exec(ctx.db, sql`DELETE FROM flag_assignments WHERE run_id = ${flag.runId} AND flag_id = ${flag.flagId}`);
    return { flagId: flag.flagId, runId: flag.runId, assignedTo: null };
  }
  if (other) throw new WebError(409, `该标记已由 ${other} 认领`);
  // Claiming locks the flag for others: not by one who may not decide it (its reason is hidden from them).
  if (decidedByGrantRole(ctx, flag)) throw new WebError(409, ROUTED_TO_GRANT);
  await exec(ctx.db, sql`INSERT OR REPLACE INTO flag_assignments VALUES (${flag.runId}, ${flag.flagId}, ${ctx.user.username}, now())`);
  return { flagId: flag.flagId, runId: flag.runId, assignedTo: ctx.user.username };
}

/**
 * One decision with one reason for many flags. All or nothing: a flag that is missing or outside
 * the scope fails the whole request (404) and one locked by another user fails it too (409).
 */
export async function bulkDecide(ctx: Ctx, req: { flagIds: string[]; decision: 'confirmed' | 'rejected'; reason?: string | null; runId?: string | null }) {
  const ids = [...new Set(req.flagIds)];
  if (req.decision === 'rejected' && !req.reason?.trim()) throw new WebError(400, '批量驳回必须填写驳回理由');
  const flags: FlagDetail[] = [];
  for (const id of ids) flags.push(await requireFlag(ctx, id, req.runId));
  for (const f of flags) {
    const block = decideBlock(ctx, f);
    if (block) throw new WebError(409, `${f.flagId}: ${block}`);
  }
  const out = [];
  for (const f of flags) out.push(await decide(ctx.db, { flagId: f.flagId, runId: f.runId, decision: req.decision, reason: req.reason, by: ctx.user.username }));
  return out;
}

export interface UnmaskRequest {
  runId?: string | null;
  /** A stored record of the flag (its registry row or an evidence record) and its ID column; absent: the flag's child. */
  record?: { feed: string; batchId: number; srcRow: number; column: string } | null;
}

/** The full ID number behind a mask, written to the audit log (action unmask). */
export async function unmask(ctx: Ctx, flagId: string, req: UnmaskRequest): Promise<{ id: string }> {
  const flag = await requireFlag(ctx, flagId, req.runId);
  let id: string | null = null;
  if (!req.record) id = flag.childIdNumber;
  else {
    const r = req.record;
    const allowed = parseEvidence(flag.evidence).some((e) => !evidenceHidden(ctx, e) && e.feed === r.feed && Number(e.batch_id) === r.batchId && Number(e.src_row) === r.srcRow);
    const registry = r.feed === 'registry' ? await registryRecordOf(ctx, flag) : null;
    const isRegistry = registry !== null && registry.batchId === r.batchId && registry.srcRow === r.srcRow;
    if (!allowed && !isRegistry) throw new WebError(404, '该记录不属于此标记');
    id = await recordIdValue(ctx, r.feed, r.batchId, r.srcRow, r.column);
  }
  if (!id) throw new WebError(404, '没有可显示的身份证号');
  await appendAudit(ctx.db, {
    actor: ctx.user.username,
    action: 'unmask',
    runId: flag.runId,
    target: flag.flagId,
    rows: 1,
    detail: req.record ? { feed: req.record.feed, batch_id: req.record.batchId, src_row: req.record.srcRow, column: req.record.column } : { field: 'child_id_number' },
  });
  return { id };
}
