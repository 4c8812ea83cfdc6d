// The review queue: the page /queue (and / that leads to it), its list GET /api/flags (filters,
// order, page), the export of the current view POST /api/queue/export (XLSX, audited), and the
// answer to a needs-info request POST /api/flags/:flagId/answer.
import { basename, join } from 'node:path';
import { Hono } from 'hono';
import { addNotesSheet, addSheet, newWorkbook, saveWorkbook, type ColumnSpec } from '../../exports/index.js';
import { FOLLOW_UP_LABELS } from '../../flags/index.js';
import { appendAudit, type RunInfo } from '../../review/index.js';
import { answerFlag } from '../actions.js';
import { randomToken } from '../auth.js';
import { ctxOf, pageUser, userExportDir, type Env } from '../context.js';
import { WebError } from '../errors.js';
import { queuePage } from '../pages.js';
import { queue as queueOf, queueViewRows, QUEUE_EXPORT_LIMIT, type QueueView } from '../queries/queue.js';
import { runFor, scopedRuns } from '../queries/runs.js';
import { answerBody, flagParam, queueExportBody, queueQuery, type QueueQuery } from '../schemas.js';
import { json, params, query } from '../validate.js';

const viewOf = (q: Partial<QueueQuery>): QueueView => ({
  flag: q.flag,
  category: q.category,
  reason: q.reason,
  priority: q.priority,
  status: q.status,
  age: q.age,
  q: q.q,
  mine: !!q.mine,
  sort: q.sort,
  dir: q.dir,
  page: q.page,
  size: q.size,
});

export const queue = new Hono<Env>();

queue.get('/', (c) => c.redirect('/queue', 303));

queue.get('/queue', query(queueQuery), async (c) => {
  const ctx = ctxOf(c);
  const q = c.req.valid('query');
  const run = await runFor(ctx, q.run);
  const view = viewOf(q);
  const result = run ? await queueOf(ctx, run, view) : null;
  return c.html(queuePage(pageUser(c), ctx, run, await scopedRuns(ctx), view, result));
});

queue.get('/api/flags', query(queueQuery), async (c) => {
  const ctx = ctxOf(c);
  const q = c.req.valid('query');
  const run = await runFor(ctx, q.run);
  if (!run) return c.json({ run: null, total: 0, page: 1, pages: 1, size: 0, items: [], byType: {} });
  const r = await queueOf(ctx, run, viewOf(q));
  return c.json({ run: { runId: run.runId, asOf: run.asOf }, total: r.total, page: r.page, pages: r.pages, size: r.size, sort: r.sort, dir: r.dir, items: r.rows, byType: r.byType });
});

queue.post('/api/flags/:flagId/answer', params(flagParam), json(answerBody), async (c) => {
  const d = await answerFlag(ctxOf(c), c.req.valid('param').flagId, c.req.valid('json'));
  return c.json({ ok: true, decision: d });
});

/** The columns of the queue's export: what the page shows, plus the dates behind it. */
const EXPORT_COLUMNS: readonly ColumnSpec[] = [
  { key: 'flagId', header: '标记编号', width: 18, text: true },
  { key: 'flag', header: '标记类型', width: 16, text: true },
  { key: 'name', header: '姓名', width: 10, text: true },
  { key: 'id', header: '身份证号', width: 21, text: true },
  { key: 'ref', header: '儿童编号', width: 18, text: true },
  { key: 'reason', header: '原因', width: 30, text: true },
  { key: 'category', header: '保障类别', width: 16, text: true },
  { key: 'countyCode', header: '区县代码', width: 10, text: true },
  { key: 'county', header: '区县', width: 10, text: true },
  { key: 'priority', header: '优先级', width: 7 },
  { key: 'status', header: '审核状态', width: 12, text: true },
  { key: 'followUp', header: '补充材料', width: 22, text: true },
  { key: 'infoDueOn', header: '补充期限', width: 12, text: true },
  { key: 'decidedBy', header: '审核人', width: 12, text: true },
  { key: 'decidedAt', header: '审核时间', width: 17, text: true },
  { key: 'raisedOn', header: '发现日期', width: 12, text: true },
  { key: 'dueOn', header: '审核时限', width: 12, text: true },
  { key: 'assignedTo', header: '认领人', width: 12, text: true },
];

/** The view's conditions in words, for the file's 说明 sheet. */
function viewNote(run: RunInfo, v: QueueView): string {
  const parts = Object.entries({ flag: v.flag, category: v.category, reason: v.reason, priority: v.priority, status: v.status, age: v.age, q: v.q })
    .filter(([, x]) => x !== undefined && x !== '')
    .map(([k, x]) => `${k}=${String(x)}`);
  if (v.mine) parts.push('只看我认领的');
  return `比对批次 ${run.runId}；${parts.length ? parts.join('，') : '无筛选'}`;
}

/**
 * The export of the current view (every page, in its order) as XLSX. ID numbers are masked unless
 * the role may see them in full (RoleSettings.seesFullIds); either way the file is audited (action
 * export, kind queue, with the view and whether the IDs are full).
 */
queue.post('/api/queue/export', json(queueExportBody), async (c) => {
  const ctx = ctxOf(c);
  const q = c.req.valid('json');
  const run = await runFor(ctx, q.run);
  if (!run) throw new WebError(404, '没有可导出的比对批次');
  const view = viewOf(q);
  const rows = await queueViewRows(ctx, run, view);
  const fullIds = ctx.roles[ctx.user.role].seesFullIds;
  const wb = newWorkbook();
  addNotesSheet(wb, [
    ['内容', '审核队列（按页面上的筛选和排序，含全部页）'],
    ['筛选', viewNote(run, view)],
    ['行数', `${rows.length} 条${rows.length >= QUEUE_EXPORT_LIMIT ? `（最多导出 ${QUEUE_EXPORT_LIMIT} 条）` : ''}`],
    ['身份证号', fullIds ? '完整（本角色可查看完整身份证号）；本文件含个人信息，导出已记入审计日志' : '已隐去中间部分；导出已记入审计日志'],
    ['导出人', ctx.user.username],
    ['导出日期', ctx.today],
  ]);
  addSheet(wb, {
    name: '审核队列',
    columns: EXPORT_COLUMNS,
    rows: rows.map((r) => ({
      flagId: r.flagId,
      flag: r.flagLabel,
      name: r.childName,
      id: fullIds ? r.childIdNumber : r.childIdMasked,
      ref: r.childRef,
      reason: r.reasonLabel,
      category: r.categoryLabel + (r.previousCategoryLabel ? `（原 ${r.previousCategoryLabel}）` : ''),
      countyCode: r.countyCode,
      county: r.countyName,
      priority: r.priority,
      status: r.statusLabel,
      followUp: r.followUp ? FOLLOW_UP_LABELS[r.followUp] : null,
      infoDueOn: r.infoDueOn,
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt?.slice(0, 16) ?? null,
      raisedOn: r.raisedOn,
      dueOn: r.dueOn,
      assignedTo: r.assignedTo,
    })),
  });
  const path = join(userExportDir(c, ctx.user.username, randomToken(4)), `审核队列_${run.runId}_${ctx.today}.xlsx`);
  await saveWorkbook(wb, path);
  const auditId = await appendAudit(ctx.db, {
    actor: ctx.user.username,
    action: 'export',
    runId: run.runId,
    target: path,
    rows: rows.length,
    detail: { kind: 'queue', format: 'xlsx', view: { ...view, page: undefined, size: undefined }, fullIds },
  });
  return c.json({ ok: true, runId: run.runId, files: [{ name: basename(path), format: 'xlsx', rows: rows.length, url: `/api/exports/${auditId}/download` }] });
});
