// The server-rendered pages (zh-CN). Data comes from queries/, already scoped, masked and need-to-know filtered.
import { FLAG_LABELS, FLAG_TYPES, NEEDS_INFO_DAYS, REASON_CODES, REASON_LABELS, STATUS_LABELS, type FollowUp } from '../flags/index.js';
import type { RunInfo } from '../review/index.js';
import { barChart, lineChart, PALETTE, waterfallChart } from './charts.js';
import type { Ctx, PageUser } from './context.js';
import { h, json, raw, type Raw } from './html.js';
import { ACTION_LABELS, AGE_FILTERS, EVIDENCE_ROLE_LABELS, FEED_LABELS, paramLines, REGISTRY_ROLE_FOR } from './labels.js';
import { categoryOptions, RESTRICTED } from './privacy.js';
import type { AuditRow } from './queries/audit.js';
import type { DashboardData } from './queries/dashboard.js';
import { compareIdentity, type DecisionEntry, type EvidenceItem, type HistoryEntry, type MatchExplanation, type StoredRecord } from './queries/flag.js';
import { PAGE_SIZES, type FlagDetail, type QueueResult, type QueueSort, type QueueView } from './queries/queue.js';
import { ROLE_LABELS } from './roles.js';

const NAV: [string, string][] = [
  ['/queue', '审核队列'],
  ['/dashboard', '统计看板'],
  ['/exports', '导出'],
  ['/audit', '审计日志'],
];
/** The data page (web/routes/data.ts), for the roles that load the feeds. */
const DATA_NAV: [string, string] = ['/data', '数据导入'];

export function layout(title: string, pu: PageUser | null, active: string, body: Raw): string {
  const nav = pu
    ? h`<nav>${[...NAV, ...(pu.loadsData ? [DATA_NAV] : [])].map(([href, label]) => h`<a href="${href}" class="${href === active ? 'on' : ''}">${label}</a>`)}</nav>
<div class="who"><span>${pu.user.displayName ?? pu.user.username}（${ROLE_LABELS[pu.user.role]}${pu.user.areas.length ? ' · ' + pu.user.areas.join('、') : ''}）</span>
<button type="button" data-post="/logout">退出登录</button></div>`
    : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${pu ? h`<meta name="csrf-token" content="${pu.csrf}">` : ''}
<title>${h`${title}`} · 比对审核</title><link rel="stylesheet" href="/static/app.css"></head>
<body><header class="top"><span class="brand">比对审核</span>${nav}</header>
<main><div id="msg" class="msg" hidden></div>${body}</main><script src="/static/app.js"></script></body></html>`;
}

export function loginPage(csrf: string, error: string | null, username = ''): string {
  return layout(
    '登录',
    null,
    '',
    h`<form class="login" method="post" action="/login">
<h1>登录审核系统</h1>
<p class="muted">儿童福利保障对象季度比对 · 区县民政审核</p>
${error ? h`<div class="msg err">${error}</div>` : ''}
<input type="hidden" name="_csrf" value="${csrf}">
<label for="username">用户名</label><input id="username" name="username" type="text" value="${username}" autocomplete="username" required>
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">登录</button></p></form>`,
  );
}

function flagTag(flag: string, label: string): Raw {
  return h`<span class="tag t-${flag}">${label}</span>`;
}
function statusTag(status: string): Raw {
  return h`<span class="tag s-${status}">${STATUS_LABELS[status as keyof typeof STATUS_LABELS] ?? status}</span>`;
}
function sla(daysLeft: number | null, dueOn: string): Raw {
  if (daysLeft === null) return h`<span class="muted">—</span>`;
  if (daysLeft < 0) return h`<span class="overdue" title="期限 ${dueOn}">已超期 ${-daysLeft} 天</span>`;
  return h`<span class="sla-ok" title="期限 ${dueOn}">剩 ${daysLeft} 天</span>`;
}

function options(values: [string, string][], selected: string | undefined, empty = '全部'): Raw {
  return h`<option value="">${empty}</option>${values.map(([v, l]) => h`<option value="${v}" ${v === selected ? raw('selected') : ''}>${l}</option>`)}`;
}

function queryString(f: QueueView & { run?: string }, patch: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...patch })) if (v !== undefined && v !== '' && v !== false) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** A status tag with the needs-info follow-up: waiting until its due date, or back in the queue (answered, past due). */
function statusCell(r: { status: string; followUp: FollowUp | null; followUpLabel: string | null; infoDueOn: string | null }): Raw {
  if (r.status === 'needs_info') return h`${statusTag(r.status)}<div class="muted">补充期限 ${r.infoDueOn ?? '—'}</div>`;
  if (r.followUp) return h`${statusTag(r.status)}<div class="${r.followUp === 'overdue' ? 'overdue' : 'muted'}">${r.followUpLabel}</div>`;
  return statusTag(r.status);
}

export function queuePage(pu: PageUser, ctx: Ctx, run: RunInfo | null, runs: { runId: string; asOf: string }[], view: QueueView, result: QueueResult | null): string {
  if (!run || !result) {
    return layout('审核队列', pu, '/queue', h`<h1>审核队列</h1><div class="card">您的管辖区域内还没有可审核的比对批次。</div>`);
  }
  const f: QueueView & { run?: string } = { ...view, run: run.runId, sort: result.sort === 'urgency' ? undefined : result.sort, dir: result.dir === 'asc' ? undefined : result.dir, page: undefined };
  const reasons = [...new Set(Object.values(REASON_CODES).flat())].map((r) => [r, REASON_LABELS[r] ?? r] as [string, string]);
  const chips = FLAG_TYPES.map((t) => {
    const c = result.byType[t] ?? { total: 0, open: 0, waiting: 0, overdue: 0 };
    const on = view.flag === t;
    return h`<a class="chip ${on ? 'on' : ''}" href="/queue${queryString(f, { flag: on ? undefined : t })}">${FLAG_LABELS[t]}<b>${c.total}</b>
<span class="muted">待办 ${c.open}</span>${c.waiting ? h`<span class="muted">待补充 ${c.waiting}</span>` : ''}${c.overdue ? h`<span class="od">超期 ${c.overdue}</span>` : ''}</a>`;
  });
  // A column header sorts by its column; a second click reverses the order.
  const sortable = (label: string, key: QueueSort) => {
    const on = result.sort === key;
    const dir = on && result.dir === 'asc' ? 'desc' : 'asc';
    return h`<th><a class="sort ${on ? 'on' : ''}" href="/queue${queryString(f, { sort: key, dir: dir === 'asc' ? undefined : dir })}" title="按${label}排序">${label}${on ? (result.dir === 'asc' ? ' ▲' : ' ▼') : ''}</a></th>`;
  };
  const rows = result.rows.map(
    (r) => h`<tr class="${r.todo ? '' : 'not-todo'}">
<td><input type="checkbox" name="sel" value="${r.flagId}" aria-label="选择 ${r.flagId}"></td>
<td>${flagTag(r.flag, r.flagLabel)}</td>
<td><a href="/flags/${encodeURIComponent(r.flagId)}?run=${encodeURIComponent(r.runId)}">${r.childName ?? '（无姓名）'}</a><div class="muted idv">${r.childIdMasked}</div></td>
<td>${r.reasonLabel}</td>
<td>${r.categoryLabel}${r.previousCategoryLabel ? h`<div class="muted">原：${r.previousCategoryLabel}</div>` : ''}</td>
<td>${r.countyName || r.countyCode}<div class="muted">${r.countyCode}</div></td>
<td>${r.priority}</td>
<td>${statusCell(r)}${r.decidedBy ? h`<div class="muted">${r.decidedBy}</div>` : ''}</td>
<td>${r.ageDays} 天</td>
<td>${sla(r.daysLeft, r.dueOn)}</td>
<td>${r.assignedTo ? h`<span title="已认领">🔒 ${r.assignedTo}</span>` : h`<button type="button" class="link" data-post="/api/flags/${r.flagId}/assign" data-body="${json({ runId: r.runId })}">认领</button>`}</td>
</tr>`,
  );
  const first = result.total ? (result.page - 1) * result.size + 1 : 0;
  const last = (result.page - 1) * result.size + result.rows.length;
  const pageLink = (p: number, label: string) =>
    p < 1 || p > result.pages || p === result.page ? h`<span class="muted">${label}</span>` : h`<a href="/queue${queryString(f, { page: String(p) })}">${label}</a>`;
  const pager = h`<nav class="pager" aria-label="分页">${pageLink(1, '« 首页')} ${pageLink(result.page - 1, '‹ 上一页')}
<span>第 ${result.page} / ${result.pages} 页（第 ${first}–${last} 条，共 ${result.total} 条）</span>
${pageLink(result.page + 1, '下一页 ›')} ${pageLink(result.pages, '末页 »')}</nav>`;
  const exportFields = Object.entries({ ...f, sort: result.sort, dir: result.dir }).filter(([k, v]) => k !== 'page' && k !== 'size' && v !== undefined && v !== '' && v !== false);
  return layout(
    '审核队列',
    pu,
    '/queue',
    h`<h1>审核队列 <span class="muted">比对批次 ${run.runId}（数据截止 ${run.asOf}）</span></h1>
<div class="chips">${chips}</div>
<div class="card"><form class="filters" method="get" action="/queue">
<label>比对批次<select name="run">${runs.map((r) => h`<option value="${r.runId}" ${r.runId === run.runId ? raw('selected') : ''}>${r.runId}（${r.asOf}）</option>`)}</select></label>
<label>标记类型<select name="flag">${options(FLAG_TYPES.map((t) => [t, FLAG_LABELS[t]]), view.flag)}</select></label>
<label>保障类别<select name="category">${options(categoryOptions(ctx), view.category)}</select></label>
<label>原因<select name="reason">${options(reasons, view.reason)}</select></label>
<label>优先级<select name="priority">${options(['1', '2', '3', '4', '5'].map((p) => [p, p]), view.priority?.toString())}</select></label>
<label>审核状态<select name="status">${options(Object.entries(STATUS_LABELS), view.status)}</select></label>
<label>时长<select name="age">${options(Object.entries(AGE_FILTERS), view.age)}</select></label>
<label>查找<input type="search" name="q" value="${view.q ?? ''}" placeholder="姓名、儿童编号或完整身份证号"></label>
<label>每页<select name="size">${PAGE_SIZES.map((n) => h`<option value="${n}" ${n === result.size ? raw('selected') : ''}>${n} 条</option>`)}</select></label>
<label><span><input type="checkbox" name="mine" value="1" ${view.mine ? raw('checked') : ''}> 只看我认领的</span></label>
${f.sort ? h`<input type="hidden" name="sort" value="${f.sort}">` : ''}${f.dir ? h`<input type="hidden" name="dir" value="${f.dir}">` : ''}
<button type="submit">筛选</button> <a class="btn secondary" href="/queue">清除</a>
</form></div>
<form class="bulk card" data-api="/api/flags/bulk" data-ids="1">
<div class="msg" hidden></div>
<strong>批量审核所选标记：</strong>
<input type="hidden" name="runId" value="${run.runId}">
<label><input type="radio" name="decision" value="confirmed" checked> 确认</label>
<label><input type="radio" name="decision" value="rejected"> 驳回</label>
<input type="text" name="reason" placeholder="理由（驳回时必填，所选标记共用）">
<button type="submit">提交</button>
</form>
<div class="listbar">${pager}
<form class="inline" data-api="/api/queue/export" data-result="queue-export"><div class="msg" hidden></div>
${exportFields.map(([k, v]) => h`<input type="hidden" name="${k}" value="${String(v)}">`)}
<button type="submit" class="secondary" id="queue-export-submit">导出当前列表（XLSX，${result.total} 条）</button></form></div>
<ul id="queue-export"></ul>
<p class="muted">排序：点击列名；默认按待办优先、优先级、时限。身份证号已隐去中间部分${ctx.roles[ctx.user.role].seesFullIds ? '（导出文件含完整身份证号）' : ''}；每次导出都记入审计日志。时限：突发事件 ${ctx.sla.urgentDays} 天，其他标记为下一季度末。“待补充材料”的标记在补充期限内不计入待办，收到补充材料或期限已过即回到待办。</p>
<table class="queue"><thead><tr><th><input type="checkbox" id="sel-all" aria-label="全选"></th>${sortable('标记类型', 'flag')}${sortable('儿童', 'name')}<th>原因</th><th>保障类别</th>${sortable('区县', 'county')}${sortable('优先级', 'priority')}${sortable('审核状态', 'status')}${sortable('已过', 'raised')}${sortable('时限', 'due')}<th>认领</th></tr></thead>
<tbody>${rows.length ? rows : h`<tr><td colspan="11" class="muted">没有符合条件的标记</td></tr>`}</tbody></table>
${result.pages > 1 ? pager : ''}`,
  );
}

function recordFields(rec: StoredRecord, flag: FlagDetail): Raw {
  return h`<dl class="kv">${rec.fields
    .filter((f) => f.value)
    .map(
      (f) => h`<dt>${f.label}</dt><dd>${
        f.unmaskable
          ? h`<span class="idv" id="id-${rec.batchId}-${rec.srcRow}-${f.key}">${f.value}</span> <button type="button" class="link" data-post="/api/flags/${flag.flagId}/unmask" data-reveal="id-${rec.batchId}-${rec.srcRow}-${f.key}" data-body="${json({ runId: flag.runId, record: { feed: rec.feed, batchId: rec.batchId, srcRow: rec.srcRow, column: f.key } })}">显示</button>`
          : f.value === RESTRICTED
            ? h`<span class="restricted">${f.value}</span>`
            : f.value
      }</dd>`,
    )}</dl><p class="muted">来源文件：${rec.fileName ?? '—'}，第 ${rec.srcLine ?? rec.srcRow} 行</p>`;
}

/** The answer to an open needs-info request: what material arrived (the flag is then back in the queue). */
function answerBox(flag: FlagDetail): Raw | '' {
  if (flag.followUp !== 'waiting' && flag.followUp !== 'overdue') return '';
  return h`<form class="answer" data-api="/api/flags/${flag.flagId}/answer"><div class="msg" hidden></div>
<input type="hidden" name="runId" value="${flag.runId}">
<p><strong>已要求补充材料</strong>（期限 ${flag.infoDueOn ?? '—'}${flag.followUp === 'overdue' ? '，已逾期' : ''}）。收到材料后在此记录，标记回到待审核：</p>
<p><textarea name="answer" placeholder="收到的补充材料：来源、内容"></textarea></p>
<button type="submit" class="secondary" id="answer-submit">记录补充材料</button></form>`;
}

export interface EvidenceView {
  item: EvidenceItem;
  record: StoredRecord | null;
  match: MatchExplanation | null;
}

export function flagPage(
  pu: PageUser,
  ctx: Ctx,
  flag: FlagDetail,
  registry: StoredRecord | null,
  evidence: EvidenceView[],
  decisions: DecisionEntry[],
  history: HistoryEntry[],
): string {
  const role = ctx.roles[ctx.user.role];
  const locked = flag.assignedTo && flag.assignedTo !== ctx.user.username;
  const evidenceHtml = evidence
    .filter((e) => !(e.item.feed === 'registry' && registry && e.record && e.record.batchId === registry.batchId && e.record.srcRow === registry.srcRow))
    .map((e, i) => {
      const rec = e.record;
      const evRole = String(e.item.role ?? 'subject');
      const regRole = REGISTRY_ROLE_FOR[evRole] ?? 'child';
      const subjectRole = rec?.feed === 'registry' ? 'child' : 'subject';
      const cmp = rec ? compareIdentity(registry, regRole, rec, subjectRole) : [];
      const mark = { same: '✓ 一致', different: '✗ 不一致', missing: '— 缺失' } as const;
      return h`<div class="card evidence">
<h3>证据 ${i + 1}：${FEED_LABELS[e.item.feed] ?? e.item.feed} <span class="muted">（${EVIDENCE_ROLE_LABELS[evRole] ?? evRole}的记录，编号 ${e.item.record_id ?? '—'}，日期 ${e.item.date ?? '—'}，匹配概率 ${e.item.score ?? '—'}${e.item.basis === 'name_only' ? '，仅凭姓名匹配' : ''}）</span></h3>
${e.item.basis === 'name_only' ? h`<p class="warn">仅凭姓名匹配：学籍中的监护人只有姓名、没有身份证号，按同名、性别与关系相符、生育年龄合理、同一县区且唯一候选关联到此记录，请核实是否为同一人。</p>` : ''}
${
  rec
    ? h`<div class="side"><div class="h">比对项</div><div class="h">名册：${EVIDENCE_ROLE_LABELS[regRole] ?? regRole}</div><div class="h">证据记录</div>
${cmp.map((c) => h`<div class="h">${c.label}</div><div class="${c.agree}">${c.left || '（空）'}</div><div class="${c.agree}">${c.right || '（空）'}<span class="mark">${mark[c.agree]}</span></div>`)}</div>
<details><summary>证据记录的全部字段</summary>${recordFields(rec, flag)}</details>`
    : h`<p class="muted">证据记录已不在数据库中（超过保存期限或已清理）。</p>`
}
<h4>匹配说明</h4>
${
  e.match
    ? h`<p>与${FEED_LABELS[e.match.otherFeed] ?? e.match.otherFeed}中的${EVIDENCE_ROLE_LABELS[e.match.otherRole] ?? e.match.otherRole}记录匹配，匹配概率 ${(e.match.probability * 100).toFixed(2)}%，总权重 ${e.match.matchWeight.toFixed(2)} 比特。</p>
${raw(waterfallChart(e.match.prior, e.match.steps, e.match.matchWeight))}
<details><summary>权重明细</summary><table><thead><tr><th>比较项</th><th>比较结果</th><th>权重（比特）</th></tr></thead><tbody>
<tr><td>先验</td><td class="muted">两条随机记录属于同一人的先验概率</td><td>${e.match.prior.toFixed(2)}</td></tr>
${e.match.steps.map((s) => h`<tr><td>${s.label}</td><td>${s.level}</td><td>${s.weight >= 0 ? '+' : ''}${s.weight.toFixed(2)}</td></tr>`)}</tbody></table></details>`
    : h`<p class="muted">该记录无需跨数据源匹配（同一人只有这一条记录），或匹配结果已被之后的批次替换。</p>`
}</div>`;
    });

  const params = paramLines(flag.params);
  const decideBox =
    flag.status === 'approved' && ctx.user.role === 'reviewer'
      ? h`<p class="muted">该退出标记已经主管复核，审核结论已锁定。</p>`
      : locked
        ? h`<p class="muted">该标记已由 ${flag.assignedTo} 认领，其他人不能审核。</p>`
        : h`<form class="decide" data-api="/api/flags/${flag.flagId}/decide">
<div class="msg" hidden></div>
<input type="hidden" name="runId" value="${flag.runId}">
<p><label><input type="radio" name="decision" value="confirmed" checked> 确认</label>
<label><input type="radio" name="decision" value="rejected"> 驳回（须填理由）</label>
<label><input type="radio" name="decision" value="needs_info"> 待补充材料（须说明缺什么）</label>
<label>补充期限 <input type="date" name="dueOn" min="${ctx.today}" title="要求补充材料时填写；不填为 ${NEEDS_INFO_DAYS} 天后"></label></p>
<p><textarea name="reason" placeholder="理由或需要补充的材料"></textarea></p>
<button type="submit" id="decide-submit">提交审核结论</button></form>${answerBox(flag)}`;
  const approveBox =
    flag.flag === 'REMOVE' && flag.status === 'awaiting_approval'
      ? role.canApprove && flag.decidedBy !== ctx.user.username
        ? h`<div class="card"><h2>主管复核（双人审核）</h2><p>审核员 ${flag.decidedBy} 已确认该退出标记，经另一位主管复核后方可进入全国系统变动名单。</p>
<form data-api="/api/flags/${flag.flagId}/approve" data-confirm="确认复核通过该退出标记？"><div class="msg" hidden></div><input type="hidden" name="runId" value="${flag.runId}">
<p><input type="text" name="note" placeholder="复核意见（可选）" style="width:60%"></p><button type="submit" id="approve-submit">复核通过</button></form></div>`
        : h`<div class="card"><h2>主管复核（双人审核）</h2><p>该退出标记已由 ${flag.decidedBy} 确认，等待另一位主管复核${flag.decidedBy === ctx.user.username ? '（不能复核自己的审核决定）' : ''}。</p></div>`
      : '';

  return layout(
    `标记 ${flag.flagId}`,
    pu,
    '/queue',
    h`<p><a href="/queue?run=${encodeURIComponent(flag.runId)}">← 返回审核队列</a></p>
<h1>${flagTag(flag.flag, flag.flagLabel)} ${flag.childName ?? '（无姓名）'} <span class="idv" id="child-id">${flag.childIdMasked}</span>
${flag.childIdMasked ? h`<button type="button" class="link" id="unmask-child" data-post="/api/flags/${flag.flagId}/unmask" data-reveal="child-id" data-body="${json({ runId: flag.runId })}">显示身份证号</button>` : ''}</h1>
<div class="card"><dl class="kv">
<dt>原因</dt><dd>${flag.reasonLabel}</dd>
<dt>保障类别</dt><dd>${flag.categoryLabel}${flag.previousCategoryLabel ? `（原 ${flag.previousCategoryLabel}）` : ''}</dd>
<dt>区县</dt><dd>${flag.countyName} ${flag.countyCode}</dd>
<dt>比对批次</dt><dd>${flag.runId}（数据截止 ${flag.asOf}）· 标记编号 ${flag.flagId} · ${flag.lifecycle === 'persisting' ? '上期延续' : '本期新发现'}</dd>
<dt>生效日期</dt><dd>${flag.effectiveFrom ?? '—'}${flag.overpaidMonths != null ? `，已多发 ${flag.overpaidMonths} 个月${flag.overpaidAmount != null ? `（${flag.overpaidAmount} 元）` : ''}` : ''}</dd>
<dt>审核状态</dt><dd>${statusCell(flag)} ${flag.decidedBy ? `${flag.decidedBy}，${(flag.decidedAt ?? '').slice(0, 16)}` : ''}</dd>
<dt>时限</dt><dd>${sla(flag.daysLeft, flag.dueOn)}（期限 ${flag.dueOn}）</dd>
<dt>认领</dt><dd>${flag.assignedTo ? `${flag.assignedTo}` : '未认领'}
${!flag.assignedTo ? h`<button type="button" class="link" data-post="/api/flags/${flag.flagId}/assign" data-body="${json({ runId: flag.runId })}">认领给我</button>` : ''}
${flag.assignedTo && (!locked || ctx.user.role !== 'reviewer') ? h`<button type="button" class="link" data-post="/api/flags/${flag.flagId}/assign" data-body="${json({ runId: flag.runId, release: true })}">释放</button>` : ''}</dd>
</dl></div>
<div class="grid2">
<div class="card"><h2>审核</h2>${decideBox}</div>
<div class="card"><h2>审核记录</h2>${
      decisions.length
        ? h`<table><thead><tr><th>时间</th><th>结论</th><th>审核人</th><th>理由</th></tr></thead><tbody>${decisions.map((d) => h`<tr><td>${d.decidedAt}</td><td>${d.label}</td><td>${d.decidedBy}</td><td>${d.reason ?? ''}</td></tr>`)}</tbody></table>`
        : h`<p class="muted">尚无审核记录</p>`
    }</div></div>
${approveBox}
<h2>名册记录</h2>
${registry ? h`<div class="card registry">${recordFields(registry, flag)}</div>` : h`<div class="card muted">该儿童不在保障名册中（新增类标记）。</div>`}
<h2>证据记录与名册对照</h2>
${evidenceHtml.length ? evidenceHtml : h`<div class="card muted">此标记没有外部证据记录（例如依据名册本身的年龄或学籍缺失）。</div>`}
<h2>规则说明</h2>
<div class="card"><p>成立的规则：<strong>${flag.flagLabel} · ${flag.reasonLabel}</strong>，依据上面的 ${evidence.length} 条证据。</p>
${params.length ? h`<table><thead><tr><th>规则参数</th><th>取值</th><th>参数名</th></tr></thead><tbody>${params.map((p) => h`<tr><td>${p.label}</td><td>${p.value}</td><td class="muted">${p.key}</td></tr>`)}</tbody></table>` : h`<p class="muted">该规则未使用可配置参数。</p>`}
<details id="trace"><summary>显示规则判定过程（逐条谓词）</summary><pre class="trace" id="trace-body" data-src="/api/flags/${flag.flagId}/trace?run=${encodeURIComponent(flag.runId)}">加载中…</pre></details></div>
<h2>历次比对中的同一情形</h2>
<div class="card"><table><thead><tr><th>比对批次</th><th>数据截止</th><th>标记</th><th>原因</th><th>审核结论</th></tr></thead><tbody>
${history.map((x) => h`<tr><td>${x.runId === flag.runId ? x.runId : h`<a href="/flags/${encodeURIComponent(x.flagId)}?run=${encodeURIComponent(x.runId)}">${x.runId}</a>`}</td><td>${x.asOf}</td><td>${x.flagLabel}</td><td>${x.reasonLabel}</td><td>${x.decision}</td></tr>`)}
</tbody></table></div>
<script src="/static/trace.js"></script>`,
  );
}

export function dashboardPage(pu: PageUser, runs: { runId: string; asOf: string }[], counties: string[], d: DashboardData): string {
  if (!d.run) return layout('统计看板', pu, '/dashboard', h`<h1>统计看板</h1><div class="card">您的管辖区域内还没有比对批次。</div>`);
  const types = FLAG_TYPES.filter((t) => d.trend.some((x) => x.byType[t]));
  const breaches = d.byType.reduce((a, t) => a + t.overdue, 0);
  const decided = d.byType.reduce((a, t) => a + t.decided, 0);
  const open = d.byType.reduce((a, t) => a + t.open, 0);
  return layout(
    '统计看板',
    pu,
    '/dashboard',
    h`<h1>统计看板 <span class="muted">${d.run.runId}（数据截止 ${d.run.asOf}）${d.county ? ' · ' + d.county : ''}</span></h1>
<div class="card"><form class="filters" method="get" action="/dashboard">
<label>比对批次<select name="run">${runs.map((r) => h`<option value="${r.runId}" ${r.runId === d.run!.runId ? raw('selected') : ''}>${r.runId}</option>`)}</select></label>
<label>区县<select name="county"><option value="">全部（我的管辖区域）</option>${counties.map((c) => h`<option value="${c}" ${c === d.county ? raw('selected') : ''}>${c}</option>`)}</select></label>
<button type="submit">查看</button></form></div>
<div class="chips"><span class="chip">标记总数<b>${decided + open}</b></span><span class="chip">已审核<b>${decided}</b></span><span class="chip">待办<b>${open}</b></span><span class="chip">超期<b class="overdue">${breaches}</b></span></div>
<div class="grid2">
<div class="card">${raw(barChart(d.byType.map((t, i) => ({ label: t.label, value: t.total, color: PALETTE[i % PALETTE.length] })), { title: '按标记类型' }))}</div>
<div class="card">${raw(barChart(d.byCategory.map((c) => ({ label: c.label, value: c.total })), { title: '按保障类别' }))}</div>
<div class="card">${raw(barChart(d.decisions.map((x) => ({ label: x.label, value: x.n })), { title: '审核进度' }))}</div>
<div class="card">${raw(barChart(d.byType.map((t) => ({ label: t.label, value: t.overdue, color: '#c0392b' })), { title: '超期未审（按标记类型）' }))}</div>
</div>
<div class="card">${raw(lineChart(d.trend.map((t) => t.asOf), [{ name: '合计', values: d.trend.map((t) => t.total) }, ...types.map((t) => ({ name: FLAG_LABELS[t], values: d.trend.map((x) => x.byType[t] ?? 0) }))], '历季度标记数趋势'))}</div>
<h2>按区县</h2>
<table><thead><tr><th>区划代码</th><th>区县</th><th>标记数</th><th>已审核</th><th>待办</th><th>超期</th></tr></thead><tbody>
${d.byCounty.map((c) => h`<tr><td>${c.code}</td><td>${c.name}</td><td>${c.total}</td><td>${c.decided}</td><td>${c.open}</td><td class="${c.overdue ? 'overdue' : ''}">${c.overdue}</td></tr>`)}</tbody></table>`,
  );
}

export function auditPage(pu: PageUser, rows: AuditRow[], f: Record<string, string | undefined>, scopeNote: string): string {
  return layout(
    '审计日志',
    pu,
    '/audit',
    h`<h1>审计日志</h1><p class="muted">${scopeNote}审计日志只增不改。</p>
<div class="card"><form class="filters" method="get" action="/audit">
<label>操作人<input type="text" name="actor" value="${f.actor ?? ''}"></label>
<label>操作<select name="action">${options(Object.entries(ACTION_LABELS), f.action)}</select></label>
<label>对象包含<input type="text" name="target" value="${f.target ?? ''}" placeholder="标记编号或文件名"></label>
<label>从<input type="date" name="from" value="${f.from ?? ''}"></label>
<label>到<input type="date" name="to" value="${f.to ?? ''}"></label>
<button type="submit">筛选</button></form></div>
<table><thead><tr><th>编号</th><th>时间</th><th>操作人</th><th>操作</th><th>比对批次</th><th>对象</th><th>行数</th><th>详情</th></tr></thead><tbody>
${rows.map((r) => h`<tr><td>${r.auditId}</td><td>${r.loggedAt}</td><td>${r.actor}</td><td>${ACTION_LABELS[r.action] ?? r.action}</td><td>${r.runId ?? ''}</td><td>${r.target ?? ''}</td><td>${r.rows ?? ''}</td><td class="muted">${r.detail ?? ''}</td></tr>`)}
</tbody></table>`,
  );
}

export function exportsPage(pu: PageUser, runs: { runId: string; asOf: string }[], areas: string[]): string {
  return layout(
    '导出',
    pu,
    '/exports',
    h`<h1>导出</h1>
<form class="card filters" data-api="/api/exports" data-result="export-files">
<div class="msg" hidden></div>
<label>文件<select name="kind">
<option value="national">全国儿童福利信息系统变动名单（XLSX + CSV）</option>
<option value="education">控辍保学名单（XLSX + CSV）</option>
<option value="summary">季度比对汇总报告（XLSX）</option>
<option value="flags">全部标记（分析用，Parquet + Arrow）</option></select></label>
<label>比对批次<select name="runId">${runs.map((r) => h`<option value="${r.runId}">${r.runId}（${r.asOf}）</option>`)}</select></label>
<label>区划<select name="county">${areas.map((a) => h`<option value="${a}">${a}</option>`)}</select></label>
<button type="submit" id="export-submit">导出</button>
</form>
<p class="muted">导出文件含个人信息，仅限审核工作使用；每次导出都记入审计日志。全国系统变动名单只收录已确认的新增、类别变更，以及经主管复核的退出。</p>
<ul id="export-files"></ul>`,
  );
}

export function errorPage(pu: PageUser | null, status: number, message: string): string {
  return layout(status === 404 ? '找不到' : '错误', pu, '', h`<h1>${status === 404 ? '找不到页面' : '无法完成'}</h1><div class="card">${message}</div><p><a href="/queue">返回审核队列</a></p>`);
}

