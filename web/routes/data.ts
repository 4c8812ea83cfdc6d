// The data page, for the roles that load the feeds (RoleSettings.loadsData): the batches loaded
// and failed, and the quarantined rows (file, sheet row or line, field, reason in Chinese, the value
// at fault, ID numbers masked) — GET /data and GET /api/data/quarantine — and the workbook a sender
// fixes, with the full values, POST /api/data/quarantine/export (audited). Quarantined rows have no
// county to scope them by (the region code may be what is wrong): the page shows every area's.
import { basename } from 'node:path';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { SEALED_FILE_SUFFIX } from '../../pipeline/seal/index.js';
import { quarantineReasonLabel, storeStatus, type StoreStatus } from '../../connectors/index.js';
import { exportQuarantine, maskQuarantineRow, quarantineFilterSchema, quarantineRows, type QuarantineFilter, type QuarantineRow } from '../../exports/index.js';
import { FEED_LABELS } from '../../pipeline/feeds.js';
import { randomToken } from '../auth.js';
import { ctxOf, pageUser, userExportDir, type Ctx, type Env } from '../context.js';
import { WebError } from '../errors.js';
import { h, raw } from '../html.js';
import { layout } from '../pages.js';
import { json, query } from '../validate.js';

const PAGE_SIZE = 50;
const dataQuery = quarantineFilterSchema.extend({ page: z.coerce.number().int().min(1).max(100_000).optional() });
type DataQuery = z.infer<typeof dataQuery>;

function requireLoader(ctx: Ctx): void {
  if (!ctx.roles[ctx.user.role].loadsData) throw new WebError(403, '只有负责导入数据的角色可以查看导入批次和隔离数据');
}

const BATCH_STATUS: Readonly<Record<string, string>> = { loaded: '已载入', failed: '失败', loading: '载入中' };

function href(q: DataQuery, patch: Partial<DataQuery>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...patch })) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return `/data${s ? `?${s}` : ''}`;
}

function dataPage(c: Context<Env>, ctx: Ctx, q: DataQuery, status: StoreStatus, total: number, rows: QuarantineRow[], page: number): string {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const feeds = Object.entries(FEED_LABELS);
  const reasons = [...new Map(status.quarantineReasons.map((r) => [r.reason, r.reason])).keys()];
  const link = (p: number, label: string) => (p < 1 || p > pages || p === page ? h`<span class="muted">${label}</span>` : h`<a href="${href(q, { page: p })}">${label}</a>`);
  const batches = [...status.batches].reverse();
  return layout(
    '数据导入',
    pageUser(c),
    '/data',
    h`<h1>数据导入 <span class="muted">导入批次与隔离数据</span></h1>
<h2>导入批次</h2>
<table class="batches"><thead><tr><th>批次</th><th>数据类型</th><th>文件</th><th>状态</th><th>读取</th><th>载入</th><th>隔离</th><th>数据质量提示</th><th>完成时间</th></tr></thead><tbody>
${batches.map(
  (b) => h`<tr><td>#${b.batch_id}</td><td>${FEED_LABELS[b.feed as keyof typeof FEED_LABELS] ?? b.feed}</td><td class="file">${b.file_name}${b.error ? h`<div class="overdue">${b.error}</div>` : ''}</td>
<td>${BATCH_STATUS[b.status] ?? b.status}</td><td>${b.rows_read}</td><td>${b.rows_loaded}</td>
<td>${b.rows_quarantined ? h`<a href="${href({}, { batchId: b.batch_id })}">${b.rows_quarantined}</a>` : '0'}</td><td>${b.findings}</td><td>${b.finished_at ?? ''}</td></tr>`,
)}
</tbody></table>
<h2>隔离数据（未载入的行）</h2>
<div class="card"><form class="filters" method="get" action="/data">
<label>数据类型<select name="feed"><option value="">全部</option>${feeds.map(([k, l]) => h`<option value="${k}" ${k === q.feed ? raw('selected') : ''}>${l}</option>`)}</select></label>
<label>批次<input type="text" name="batchId" value="${q.batchId ?? ''}" size="6" inputmode="numeric"></label>
<label>原因<select name="reason"><option value="">全部</option>${reasons.map((r) => h`<option value="${r}" ${r === q.reason ? raw('selected') : ''}>${quarantineReasonLabel(r)}</option>`)}</select></label>
<button type="submit">筛选</button> <a class="btn secondary" href="/data">清除</a></form></div>
<div class="listbar"><nav class="pager" aria-label="分页">${link(page - 1, '‹ 上一页')} <span>第 ${page} / ${pages} 页，共 ${total} 个问题</span> ${link(page + 1, '下一页 ›')}</nav>
<form class="inline" data-api="/api/data/quarantine/export" data-result="quarantine-export"><div class="msg" hidden></div>
${q.feed ? h`<input type="hidden" name="feed" value="${q.feed}">` : ''}${q.batchId ? h`<input type="hidden" name="batchId" value="${q.batchId}">` : ''}${q.reason ? h`<input type="hidden" name="reason" value="${q.reason}">` : ''}
<button type="submit" class="secondary" id="quarantine-export-submit" ${total ? '' : raw('disabled')}>导出给报送单位更正（XLSX）</button></form></div>
<ul id="quarantine-export"></ul>
<p class="muted">身份证号已隐去中间部分。导出文件含完整原值（供报送单位更正），每次导出都记入审计日志。位置：XLSX 为工作表行号（含表头行），CSV、JSON Lines 为文件行号。</p>
<table class="quarantine"><thead><tr><th>批次</th><th>文件</th><th>位置</th><th>字段</th><th>原因</th><th>原值</th></tr></thead><tbody>
${
  rows.length
    ? rows.map(
        (r) => h`<tr><td>#${r.batchId}</td><td class="file">${r.fileName}<div class="muted">${r.feedLabel}</div></td><td>${r.place}</td><td>${r.fieldLabel}</td>
<td>${r.reasonLabel}${r.detail ? h`<div class="muted">${r.detail}</div>` : ''}</td><td class="value">${r.value ?? h`<span class="muted">（空）</span>`}</td></tr>`,
      )
    : h`<tr><td colspan="6" class="muted">没有被隔离的数据行</td></tr>`
}
</tbody></table>`,
  );
}

export const data = new Hono<Env>();

data.get('/data', query(dataQuery), async (c) => {
  const ctx = ctxOf(c);
  requireLoader(ctx);
  const q = c.req.valid('query');
  const page = q.page ?? 1;
  const { total, rows } = await quarantineRows(ctx.db, q, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  return c.html(dataPage(c, ctx, q, await storeStatus(ctx.db), total, rows.map(maskQuarantineRow), page));
});

data.get('/api/data/quarantine', query(dataQuery), async (c) => {
  const ctx = ctxOf(c);
  requireLoader(ctx);
  const q = c.req.valid('query');
  const page = q.page ?? 1;
  const { total, rows } = await quarantineRows(ctx.db, q, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  // The row as read stays on the server: the list gives the value at fault, masked.
  return c.json({ total, page, size: PAGE_SIZE, items: rows.map(maskQuarantineRow).map(({ raw: _raw, ...r }) => r) });
});

data.post('/api/data/quarantine/export', json(quarantineFilterSchema), async (c) => {
  const ctx = ctxOf(c);
  requireLoader(ctx);
  const filter: QuarantineFilter = c.req.valid('json');
  const r = await exportQuarantine(ctx.db, { ...filter, outDir: userExportDir(c, ctx.user.username, randomToken(4)), by: ctx.user.username });
  return c.json({ ok: true, files: [{ name: basename(r.file.path, SEALED_FILE_SUFFIX), format: 'xlsx', rows: r.rows, url: `/api/exports/${r.auditId}/download` }] });
});
