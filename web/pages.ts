// The server-rendered pages (zh-CN). Data comes from queries/, already scoped, masked and need-to-know filtered.
import { FLAG_LABELS, FLAG_TYPES, NEEDS_INFO_DAYS, STATUS_LABELS, type FollowUp } from '../flags/index.js';
import type { RunInfo } from '../review/index.js';
import { EVIDENCE_BASES } from '../rules/index.js';
import { barChart, FLAG_COLORS, lineChart, NEUTRAL_COLOR, TOTAL_COLOR, waterfallChart } from './charts.js';
import type { Ctx, PageUser } from './context.js';
import { maskEmbeddedId } from '../pipeline/log.js';
import { h, json, raw, type Raw } from './html.js';
import { ACTION_LABELS, AGE_FILTERS, countyName, EVIDENCE_ROLE_LABELS, FEED_LABELS, paramLines } from './labels.js';
import { canSeeRestricted, categoryOptions, decidedByGrantRole, isRestrictedReason, reasonOptions, RESTRICTED, RESTRICTED_EVIDENCE, ROUTED_TO_GRANT } from './privacy.js';
import { AUDIT_PAGE_SIZE, type AuditPage } from './queries/audit.js';
import type { AuditQuery } from './schemas.js';
import type { DashboardData } from './queries/dashboard.js';
import type { Comparison, DecisionEntry, EvidenceItem, Fact, HistoryEntry, MatchExplanation, RecordField, StoredRecord } from './queries/flag.js';
import { PAGE_SIZES, type FlagDetail, type QueueResult, type QueueSort, type QueueView } from './queries/queue.js';
import { ROLE_LABELS } from './roles.js';

const NAV: [string, string][] = [
  ['/queue', '审核队列'],
  ['/dashboard', '统计看板'],
  ['/exports', '导出'],
  ['/audit', '审计日志'],
];
/** Pages only admins see in the navigation. */
const ADMIN_NAV: [string, string][] = [['/rules/preview', '规则预演']];
/** The data page (web/routes/data.ts), for the roles that load the feeds. */
const DATA_NAV: [string, string] = ['/data', '数据导入'];

export function layout(title: string, pu: PageUser | null, active: string, body: Raw): string {
  const nav = pu
    ? h`<nav>${[...NAV, ...(pu.loadsData ? [DATA_NAV] : []), ...(pu.user.role === 'admin' ? ADMIN_NAV : [])].map(([href, label]) => h`<a href="${href}" class="${href === active ? 'on' : ''}">${label}</a>`)}</nav>
<div class="who"><span>${pu.user.displayName ?? pu.user.username}（${ROLE_LABELS[pu.user.role]}${pu.user.areas.length ? ' · ' + pu.user.areas.map((a) => countyName(a) || a).join('、') : ''}）</span>
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

function queryString(f: object, patch: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...patch }) as [string, unknown][]) if (v !== undefined && v !== '' && v !== false) p.set(k, String(v));
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
  const reasons = reasonOptions(ctx);
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
<td>${r.routed ? h`<input type="checkbox" disabled title="由有权限的主管审核" aria-label="${r.flagId} 由有权限的主管审核">` : h`<input type="checkbox" name="sel" value="${r.flagId}" aria-label="选择 ${r.flagId}">`}</td>
<td>${flagTag(r.flag, r.flagLabel)}</td>
<td><a href="/flags/${encodeURIComponent(r.flagId)}?run=${encodeURIComponent(r.runId)}">${r.childName ?? '（无姓名）'}</a><div class="muted idv">${r.childIdMasked}</div></td>
<td>${r.reasonLabel}</td>
<td>${r.categoryLabel}${r.previousCategoryLabel ? h`<div class="muted">原：${r.previousCategoryLabel}</div>` : ''}</td>
<td>${r.countyName || r.countyCode}<div class="muted">${r.countyCode}</div></td>
<td>${r.priority}</td>
<td>${statusCell(r)}${r.decidedBy ? h`<div class="muted">${r.decidedBy}</div>` : ''}</td>
<td>${r.ageDays} 天</td>
<td>${sla(r.daysLeft, r.dueOn)}</td>
<td>${r.assignedTo ? h`<span title="已认领">🔒 ${r.assignedTo}</span>` : r.routed ? h`<span class="muted routed-to" title="${ROUTED_TO_GRANT}">由主管审核</span>` : h`<button type="button" class="link" data-post="/api/flags/${r.flagId}/assign" data-body="${json({ runId: r.runId })}">认领</button>`}</td>
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

/** An ID value with its audited "显示" button, or a value (RESTRICTED in its own style). */
function fieldValueHtml(rec: StoredRecord, f: RecordField, flag: FlagDetail): Raw {
  if (f.unmaskable && f.value !== RESTRICTED) {
    const id = `id-${rec.feed}-${rec.batchId}-${rec.srcRow}-${f.key}`;
    return h`<span class="idv" id="${id}">${f.value}</span> <button type="button" class="link" data-post="/api/flags/${flag.flagId}/unmask" data-reveal="${id}" data-body="${json({ runId: flag.runId, record: { feed: rec.feed, batchId: rec.batchId, srcRow: rec.srcRow, column: f.key } })}">显示</button>`;
  }
  return f.value === RESTRICTED ? h`<span class="restricted">${f.value}</span>` : h`${f.value}`;
}

/** A stored record's fields (labels of its feed contract), the dates the rule used marked. */
function recordFields(rec: StoredRecord, flag: FlagDetail, facts: Fact[] = []): Raw {
  const used = new Set(facts.filter((x) => x.used).map((x) => `${x.label}|${x.value}`));
  return h`<dl class="kv">${rec.fields
    .filter((f) => f.value)
    .map((f) => h`<dt>${f.label}</dt><dd class="${used.has(`${f.label}|${f.value}`) ? 'used' : ''}">${fieldValueHtml(rec, f, flag)}</dd>`)}</dl>${source(rec)}`;
}

const source = (rec: StoredRecord) => h`<p class="muted src">来源文件：${rec.fileName ?? '—'}，第 ${rec.srcLine ?? rec.srcRow} 行</p>`;

/** The facts of a record the rule read, the dates it used highlighted. */
function factList(facts: Fact[]): Raw {
  if (!facts.length) return h`<p class="muted">该记录没有身份以外的内容。</p>`;
  return h`<dl class="kv facts">${facts.map(
    (f) => h`<dt>${f.label}</dt><dd class="${f.used ? 'used' : ''}">${f.restricted ? h`<span class="restricted">${f.value}</span>` : f.value}${f.used ? h`<span class="used-mark">规则所用日期</span>` : ''}</dd>`,
  )}</dl>`;
}

const MARK = { same: '✓ 一致', different: '✗ 不一致', missing: '— 缺失' } as const;

function comparisonTable(cmp: Comparison[], leftHead: string): Raw {
  return h`<table class="cmp"><thead><tr><th>比对项</th><th>${leftHead}</th><th>这条记录</th></tr></thead><tbody>${cmp.map(
    (c) => h`<tr class="${c.agree}"><td>${c.label}</td><td>${c.left || '（空）'}</td><td>${c.right || '（空）'} <span class="mark">${MARK[c.agree]}</span></td></tr>`,
  )}</tbody></table>`;
}

/** How the linkage tied the record to the person, in words; the weights chart one click away (exact links: only there). */
function matchHtml(m: MatchExplanation | null): Raw {
  if (!m) return h`<p class="muted match">这条记录无需跨部门匹配（同一人只有这一条记录），或匹配结果已被之后的批次替换。</p>`;
  const pct = m.probability >= 0.9995 ? '100%' : `${(m.probability * 100).toFixed(1)}%`;
  const items = m.steps.map((s) => `${s.label}${s.level}`).join('，');
  const chart = h`<details class="tech"><summary>技术细节：各项比对的分值</summary>
${raw(waterfallChart(m.prior, m.steps, m.matchWeight))}
<table><thead><tr><th>比对项</th><th>比对结果</th><th>分值</th></tr></thead><tbody>
<tr><td>起始分</td><td class="muted">比对之前，两条随机记录属于同一人的可能性</td><td>${m.prior.toFixed(2)}</td></tr>
${m.steps.map((s) => h`<tr><td>${s.label}</td><td>${s.level}</td><td>${s.weight >= 0 ? '+' : ''}${s.weight.toFixed(2)}</td></tr>`)}
<tr><td>合计</td><td class="muted">分值为似然比的以 2 为底的对数（比特），合计越高越可能是同一人</td><td>${m.matchWeight.toFixed(2)}</td></tr></tbody></table></details>`;
  const whom = `${FEED_LABELS[m.otherFeed] ?? m.otherFeed}中的${EVIDENCE_ROLE_LABELS[m.otherRole] ?? m.otherRole}记录`;
  return m.exact
    ? h`<p class="match exact">✓ 与${whom}确定为同一人（匹配概率 ${pct}）：${items}。</p>${chart}`
    : h`<p class="match ${m.probability < 0.9 ? 'weak' : ''}">与${whom}可能为同一人，匹配概率 ${pct}：${items}。请核对左侧的事实与身份信息。</p>${chart}`;
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
  /** A record this user may not see (need-to-know): nothing of it is shown, not its feed, whose or when. */
  hidden: boolean;
  record: StoredRecord | null;
  match: MatchExplanation | null;
  facts: Fact[];
  comparison: Comparison[];
  /** The person of the reference record it is compared with (child, father, mother, carer, subject). */
  referenceRole: string;
}

export interface FlagView {
  ctx: Ctx;
  flag: FlagDetail;
  registry: StoredRecord | null;
  registryFacts: Fact[];
  /** How the linkage tied the registry row to the child's person (null: no link, or only to a record this user may not know of). */
  registryMatch: MatchExplanation | null;
  /** The child's own school record (a child not on the roll: an ADD). */
  school: StoredRecord | null;
  schoolFacts: Fact[];
  /** What the evidence is compared with: the registry row, or the school record of a child not on the roll. */
  reference: StoredRecord | null;
  /** Why the child is not on the roll (ADD). */
  standing: string | null;
  evidence: EvidenceView[];
  decisions: DecisionEntry[];
  history: HistoryEntry[];
}

function evidenceCard(v: FlagView, e: EvidenceView, n: number): Raw {
  if (e.hidden) {
    return h`<div class="card evidence hidden-ev"><h3>证据 ${n}：限制知悉的记录</h3><p class="restricted">${RESTRICTED_EVIDENCE}</p></div>`;
  }
  const rec = e.record;
  const role = String(e.item.role ?? 'subject');
  const head = h`<h3>证据 ${n}：${EVIDENCE_ROLE_LABELS[role] ?? role}的${rec?.feedLabel ?? FEED_LABELS[e.item.feed] ?? e.item.feed}记录
<span class="muted">编号 ${maskEmbeddedId(e.item.record_id) || '—'}${e.item.basis ? `，${EVIDENCE_BASES[e.item.basis].label}` : ''}</span></h3>`;
  if (!rec) return h`<div class="card evidence">${head}<p class="muted">该记录已不在数据库中（超过保存期限或已清理）。</p></div>`;
  const refName = v.reference ? `${v.reference.feed === 'registry' ? '名册' : '学籍'}：${EVIDENCE_ROLE_LABELS[e.referenceRole === 'subject' ? 'child' : e.referenceRole] ?? e.referenceRole}` : '名册';
  return h`<div class="card evidence">${head}
${e.item.basis ? h`<p class="warn">${EVIDENCE_BASES[e.item.basis].label}：${EVIDENCE_BASES[e.item.basis].why}</p>` : ''}
<div class="ev-grid"><div><h4>规则所用的事实</h4>${factList(e.facts)}</div>
<div><h4>是不是同一人</h4>${v.reference ? comparisonTable(e.comparison, refName) : h`<p class="muted">没有名册或学籍记录可供比对。</p>`}${matchHtml(e.match)}</div></div>
<details><summary>这条记录的全部字段</summary>${recordFields(rec, v.flag, e.facts)}</details></div>`;
}

/** The facts of a flag that rests on no agency record (age, no school record): the registry row says it. */
function noEvidenceNote(v: FlagView): Raw {
  const f = v.flag;
  if (f.flag === 'EDUCATION' && f.reason === 'NOT_ENROLLED') {
    const birth = v.registry?.fields.find((x) => x.key === 'birth_date')?.iso ?? null;
    const edu = (JSON.parse(f.params) as { education?: { minAge?: number; maxAge?: number } }).education;
    const age = birth ? Number(f.asOf.slice(0, 4)) - Number(birth.slice(0, 4)) - (f.asOf.slice(5) < birth.slice(5) ? 1 : 0) : null;
    return h`<div class="card evidence"><h3>规则所用的事实</h3><dl class="kv facts">
<dt>出生日期</dt><dd class="used">${birth ?? '不详'}<span class="used-mark">规则所用日期</span></dd>
<dt>年龄</dt><dd>${age !== null ? `截至 ${f.asOf} 满 ${age} 周岁` : '不详'}${edu?.minAge != null ? `（义务教育年龄 ${edu.minAge}–${edu.maxAge} 周岁）` : ''}</dd>
<dt>学籍</dt><dd class="used">本季度收到的学籍数据中没有找到该儿童的记录（按身份证号和人员匹配）</dd></dl></div>`;
  }
  return h`<div class="card muted">此标记没有部门数据记录作为证据，依据是名册记录本身（例如年龄）。</div>`;
}

/** The child's own school record: school, 学段, status and the guardians with their relation. */
function schoolCard(rec: StoredRecord, facts: Fact[]): Raw {
  return h`<div class="card school"><h3>儿童本人的学籍记录</h3><dl class="kv kv3">${facts.map(
    (f) => h`<dt>${f.label}</dt><dd class="${f.used ? 'used' : ''}">${f.restricted ? h`<span class="restricted">${f.value}</span>` : f.value}</dd>`,
  )}</dl>${source(rec)}</div>`;
}

/**
 * Each parent of a child not on the roll, as its school record lists them, and which evidence
 * cards are that parent's records. A hidden record is not attributed to anyone.
 */
function parentsCard(v: FlagView): Raw {
  const school = v.school!;
  const rows = (['father', 'mother'] as const).map((role) => {
    const who = school.identity[role];
    const cards = v.evidence.flatMap((e, i) => (!e.hidden && e.item.role === role ? [i + 1] : []));
    const name = who?.name ? `${who.name}（学籍中的监护人）` : '学籍中没有列出';
    const records = cards.length
      ? `见证据 ${cards.join('、')}`
      : v.evidence.some((e) => e.hidden)
        ? '没有可显示的记录'
        : '部门数据中没有与其关联的记录';
    return h`<dt>${EVIDENCE_ROLE_LABELS[role]}</dt><dd>${name}：${records}</dd>`;
  });
  return h`<div class="card parents"><h3>父母及其记录</h3><dl class="kv facts">${rows}</dl></div>`;
}

export function flagPage(pu: PageUser, v: FlagView): string {
  const { ctx, flag, registry, evidence, decisions, history } = v;
  const role = ctx.roles[ctx.user.role];
  const locked = flag.assignedTo && flag.assignedTo !== ctx.user.username;
  const routed = decidedByGrantRole(ctx, flag);
  const cards = evidence.map((e, i) => evidenceCard(v, e, i + 1));
  // The restriction settings of a flag whose reason or a record is hidden would tell what is hidden.
  const hides = !canSeeRestricted(ctx) && (isRestrictedReason(flag.reason) || evidence.some((e) => e.hidden));
  const params = paramLines(flag.params).filter((p) => !(hides && p.key.startsWith('restriction')));
  const decideBox = routed
    ? h`<p class="routed">${ROUTED_TO_GRANT}</p>`
    : flag.status === 'approved' && ctx.user.role === 'reviewer'
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
<button type="submit" id="decide-submit">提交审核结论</button>${flag.flag === 'REMOVE' ? h` <span class="muted">确认后须由另一位主管复核，方可进入全国系统变动名单。</span>` : ''}</form>${answerBox(flag)}`;
  const approveBox =
    flag.flag === 'REMOVE' && flag.status === 'awaiting_approval'
      ? role.canApprove && flag.decidedBy !== ctx.user.username
        ? h`<div class="card" id="approve"><h2>主管复核（双人审核）</h2><p>审核员 ${flag.decidedBy} 已确认该退出标记，经另一位主管复核后方可进入全国系统变动名单。</p>
<form data-api="/api/flags/${flag.flagId}/approve" data-confirm="确认复核通过该退出标记？"><div class="msg" hidden></div><input type="hidden" name="runId" value="${flag.runId}">
<p><input type="text" name="note" placeholder="复核意见（可选）" style="width:60%"></p><button type="submit" id="approve-submit">复核通过</button></form></div>`
        : h`<div class="card"><h2>主管复核（双人审核）</h2><p>该退出标记已由 ${flag.decidedBy} 确认，等待另一位主管复核${flag.decidedBy === ctx.user.username ? '（不能复核自己的审核决定）' : ''}。</p></div>`
      : '';
  const shown = evidence.length;
  const basis = [registry ? '名册记录' : '', v.school ? '学籍记录' : '', shown ? `${shown} 条部门数据记录` : ''].filter(Boolean).join('、');

  return layout(
    `标记 ${flag.flagId}`,
    pu,
    '/queue',
    h`<p class="back"><a href="/queue?run=${encodeURIComponent(flag.runId)}">← 返回审核队列</a></p>
<h1>${flagTag(flag.flag, flag.flagLabel)} ${flag.childName ?? '（无姓名）'} <span class="idv" id="child-id">${flag.childIdMasked}</span>
${flag.childIdMasked ? h`<button type="button" class="link" id="unmask-child" data-post="/api/flags/${flag.flagId}/unmask" data-reveal="child-id" data-body="${json({ runId: flag.runId })}">显示身份证号</button>` : ''}</h1>
<div class="card summary"><dl class="kv kv3">
<dt>原因</dt><dd id="reason">${flag.reasonLabel.includes('限制知悉') ? h`<span class="restricted">${flag.reasonLabel}</span>` : flag.reasonLabel}</dd>
<dt>保障类别</dt><dd>${flag.categoryLabel}${flag.previousCategoryLabel ? `（原 ${flag.previousCategoryLabel}）` : ''}</dd>
<dt>审核状态</dt><dd id="status">${statusCell(flag)} ${flag.decidedBy ? h`<span class="muted">${flag.decidedBy}，${(flag.decidedAt ?? '').slice(0, 16)}</span>` : ''}</dd>
<dt>生效日期</dt><dd>${flag.effectiveFrom ?? '—'}${flag.overpaidMonths ? `，已多发 ${flag.overpaidMonths} 个月${flag.overpaidAmount != null ? `（${flag.overpaidAmount} 元）` : ''}` : flag.overpaidMonths === 0 ? '，尚未多发' : ''}</dd>
<dt>区县</dt><dd>${flag.countyName || flag.countyCode}</dd>
<dt>时限</dt><dd>${sla(flag.daysLeft, flag.dueOn)}（期限 ${flag.dueOn}）</dd>
<dt>比对批次</dt><dd>${flag.runId}（数据截止 ${flag.asOf}）· ${flag.lifecycle === 'persisting' ? '上期延续' : '本期新发现'}</dd>
<dt>标记编号</dt><dd>${flag.flagId}</dd>
<dt>认领</dt><dd>${flag.assignedTo ? `${flag.assignedTo}` : '未认领'}
${!flag.assignedTo && !routed ? h`<button type="button" class="link" data-post="/api/flags/${flag.flagId}/assign" data-body="${json({ runId: flag.runId })}">认领给我</button>` : ''}
${flag.assignedTo && (!locked || ctx.user.role !== 'reviewer') ? h`<button type="button" class="link" data-post="/api/flags/${flag.flagId}/assign" data-body="${json({ runId: flag.runId, release: true })}">释放</button>` : ''}</dd>
</dl></div>
<h2>证据：规则所用的事实与身份比对</h2>
<div id="evidence">
${v.standing ? h`<div class="card standing"><h3>为什么不在保障名册中</h3><p>${v.standing}</p></div>` : ''}
${
  v.school
    ? h`${schoolCard(v.school, v.schoolFacts)}${parentsCard(v)}`
    : flag.flag === 'ADD'
      ? h`<div class="card school none"><h3>儿童本人的学籍记录</h3><p>没有该儿童的学籍记录：收到的学籍数据中按身份证号和人员匹配都没有找到该儿童，父母（监护人）的信息只能看下面的证据。</p></div>`
      : ''
}
${cards.length ? cards : noEvidenceNote(v)}
${
  registry
    ? h`<details class="card registry" ${flag.flag === 'ADD' ? '' : raw('open')}><summary><strong>名册记录</strong>${flag.flag === 'ADD' ? h` <span class="muted">（已停止保障的记录）</span>` : ''}</summary>${recordFields(registry, flag, v.registryFacts)}${v.registryMatch ? matchHtml(v.registryMatch) : ''}</details>`
    : flag.flag === 'ADD'
      ? ''
      : h`<div class="card muted">该儿童不在保障名册中。</div>`
}
</div>
<div class="grid2" id="decision">
<div class="card"><h2>审核</h2>${decideBox}</div>
<div class="card"><h2>审核记录</h2>${
      decisions.length
        ? h`<table><thead><tr><th>时间</th><th>审核</th><th>审核人</th><th>理由</th></tr></thead><tbody>${decisions.map((d) => h`<tr><td>${d.decidedAt.slice(0, 16)}</td><td>${d.label}</td><td>${d.decidedBy}</td><td>${d.reason ?? ''}</td></tr>`)}</tbody></table>`
        : h`<p class="muted">尚无审核记录</p>`
    }</div></div>
${approveBox}
<h2>规则说明</h2>
<div class="card"><p>成立的规则：<strong>${flag.flagLabel} · ${flag.reasonLabel}</strong>${basis ? `，依据上面的${basis}` : ''}。</p>
${params.length ? h`<table class="params"><thead><tr><th>规则设定</th><th>取值</th></tr></thead><tbody>${params.map((p) => h`<tr><td>${p.label}</td><td>${p.value}</td></tr>`)}</tbody></table>
<details class="tech"><summary>技术细节：设定在规则配置中的名称</summary><ul>${params.map((p) => h`<li>${p.label}：<code>${p.key}</code></li>`)}</ul></details>` : h`<p class="muted">该规则没有使用可调整的设定。</p>`}
<details id="trace" class="tech"><summary>技术细节：规则一步步的判断过程</summary><pre class="trace" id="trace-body" data-src="/api/flags/${flag.flagId}/trace?run=${encodeURIComponent(flag.runId)}">加载中…</pre></details></div>
<h2>历次比对中的同一情形</h2>
<div class="card"><table><thead><tr><th>比对批次</th><th>数据截止</th><th>标记</th><th>原因</th><th>审核状态</th></tr></thead><tbody>
${history.map((x) => h`<tr><td>${x.runId === flag.runId ? x.runId : h`<a href="/flags/${encodeURIComponent(x.flagId)}?run=${encodeURIComponent(x.runId)}">${x.runId}</a>`}</td><td>${x.asOf}</td><td>${x.flagLabel}</td><td>${x.reasonLabel}</td><td>${statusTag(x.status)}</td></tr>`)}
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
    h`<h1>统计看板 <span class="muted">${d.run.runId}（数据截止 ${d.run.asOf}）${d.county ? ' · ' + (countyName(d.county) || d.county) : ''}</span></h1>
<div class="card"><form class="filters" method="get" action="/dashboard">
<label>比对批次<select name="run">${runs.map((r) => h`<option value="${r.runId}" ${r.runId === d.run!.runId ? raw('selected') : ''}>${r.runId}</option>`)}</select></label>
<label>区县<select name="county"><option value="">全部（我的管辖区域）</option>${counties.map((c) => h`<option value="${c}" ${c === d.county ? raw('selected') : ''}>${countyName(c) || c}</option>`)}</select></label>
<button type="submit">查看</button></form></div>
<div class="chips"><span class="chip">标记总数<b>${decided + open}</b></span><span class="chip">已审核<b>${decided}</b></span><span class="chip">待办<b>${open}</b></span><span class="chip">超期<b class="overdue">${breaches}</b></span></div>
<div class="grid2">
<div class="card">${raw(barChart(d.byType.map((t) => ({ label: t.label, value: t.total, color: FLAG_COLORS[t.flag] })), { title: '按标记类型' }))}</div>
<div class="card">${raw(barChart(d.byCategory.map((c) => ({ label: c.label, value: c.total, color: NEUTRAL_COLOR })), { title: '按保障类别' }))}</div>
<div class="card">${raw(barChart(d.decisions.map((x) => ({ label: x.label, value: x.n, color: NEUTRAL_COLOR })), { title: '审核进度' }))}</div>
<div class="card">${raw(barChart(d.byType.map((t) => ({ label: t.label, value: t.overdue, color: FLAG_COLORS[t.flag] })), { title: '超期未审（按标记类型）' }))}</div>
</div>
<div class="card">${raw(lineChart(d.trend.map((t) => t.asOf), [{ name: '合计', values: d.trend.map((t) => t.total), color: TOTAL_COLOR }, ...types.map((t) => ({ name: FLAG_LABELS[t], values: d.trend.map((x) => x.byType[t] ?? 0), color: FLAG_COLORS[t] }))], '历季度标记数趋势'))}</div>
<h2>按区县</h2>
<table><thead><tr><th>区划代码</th><th>区县</th><th>标记数</th><th>已审核</th><th>待办</th><th>超期</th></tr></thead><tbody>
${d.byCounty.map((c) => h`<tr><td>${c.code}</td><td>${c.name}</td><td>${c.total}</td><td>${c.decided}</td><td>${c.open}</td><td class="${c.overdue ? 'overdue' : ''}">${c.overdue}</td></tr>`)}</tbody></table>`,
  );
}

export function auditPage(pu: PageUser, p: AuditPage, f: AuditQuery, scopeNote: string): string {
  const link = (page: number) => `/audit${queryString(f, { page: String(page) })}`;
  const pager =
    p.pages > 1
      ? h`<div class="pager">${p.page > 1 ? h`<a class="btn secondary" href="${link(p.page - 1)}" id="audit-prev">上一页</a>` : ''}
<span>第 ${p.page} / ${p.pages} 页</span>${p.page < p.pages ? h`<a class="btn secondary" href="${link(p.page + 1)}" id="audit-next">下一页</a>` : ''}</div>`
      : '';
  return layout(
    '审计日志',
    pu,
    '/audit',
    h`<h1>审计日志</h1><p class="muted">${scopeNote}审计日志只增不改。身份证号只显示前 6 位和后 4 位。</p>
<div class="card"><form class="filters" method="get" action="/audit">
<label>操作人<input type="text" name="actor" value="${f.actor ?? ''}" placeholder="用户名"></label>
<label>操作<select name="action">${options(Object.entries(ACTION_LABELS), f.action)}</select></label>
<label>对象包含<input type="text" name="target" value="${f.target ?? ''}" placeholder="标记编号或文件名"></label>
<label>从<input type="date" name="from" value="${f.from ?? ''}"></label>
<label>到<input type="date" name="to" value="${f.to ?? ''}"></label>
<button type="submit">筛选</button> <a class="btn secondary" href="/audit">清除</a></form></div>
<p class="muted" id="audit-count">共 ${p.total} 条${p.pages > 1 ? `，每页 ${AUDIT_PAGE_SIZE} 条` : ''}。</p>
<table class="audit"><colgroup><col style="width:5em"><col style="width:11em"><col style="width:8em"><col style="width:8em"><col style="width:15em"><col></colgroup>
<thead><tr><th>编号</th><th>时间</th><th>操作人</th><th>操作</th><th>对象</th><th>说明</th></tr></thead><tbody>
${p.rows.map(
  (r) => h`<tr><td>${r.auditId}</td><td class="when">${r.loggedAt.replace('T', ' ')}</td><td>${r.actor}</td><td>${ACTION_LABELS[r.action] ?? r.action}</td>
<td class="obj">${r.flagId ? h`<a href="/flags/${encodeURIComponent(r.flagId)}${r.runId ? `?run=${encodeURIComponent(r.runId)}` : ''}">${r.object}</a>` : h`<span title="${r.target ?? ''}">${r.object}</span>`}</td>
<td>${r.summary}${r.rows != null && r.rows > 1 ? h`<span class="muted">，${r.rows} 行</span>` : ''}${r.runId ? h`<div class="muted">比对批次 ${r.runId}</div>` : ''}</td></tr>`,
)}
${p.rows.length ? '' : h`<tr><td colspan="6" class="muted">没有符合条件的记录</td></tr>`}
</tbody></table>${pager}`,
  );
}

export function exportsPage(pu: PageUser, runs: { runId: string; asOf: string }[], areas: string[], choices: { id: string; label: string }[]): string {
  return layout(
    '导出',
    pu,
    '/exports',
    h`<h1>导出</h1>
<form class="card filters" data-api="/api/exports" data-result="export-files">
<div class="msg" hidden></div>
<label>文件<select name="kind">${choices.map((c) => h`<option value="${c.id}">${c.label}</option>`)}</select></label>
<label>比对批次<select name="runId">${runs.map((r) => h`<option value="${r.runId}">${r.runId}（${r.asOf}）</option>`)}</select></label>
<label>区划<select name="county">${areas.map((a) => h`<option value="${a}">${a}</option>`)}</select></label>
<button type="submit" id="export-submit">导出</button>
</form>
<p class="muted">导出文件含个人信息，仅限审核工作使用；每次导出都记入审计日志。全国系统变动名单只收录已确认的新增、类别变更，以及经主管复核的退出。查阅、打印请用 XLSX 或 PDF；“_系统导入”CSV 供系统导入，用 Excel 直接打开会损坏身份证号。</p>
<ul id="export-files"></ul>`,
  );
}

export function errorPage(pu: PageUser | null, status: number, message: string): string {
  return layout(status === 404 ? '找不到' : '错误', pu, '', h`<h1>${status === 404 ? '找不到页面' : '无法完成'}</h1><div class="card">${message}</div><p><a href="/queue">返回审核队列</a></p>`);
}

