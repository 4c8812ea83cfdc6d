// Rule preview for admins (issue 15 item 6): /rules/preview (a form, posted with the session's CSRF
// token like every other form) and POST /api/rules/preview (JSON). A candidate rule profile is
// evaluated on a run's facts beside the rules the run was made with (jobs/ previewProfile): nothing
// is stored but the audit row of each preview. Only the admin role may use it; the result keeps to
// the user's areas and, without the need-to-know grant, leaves HIV flags out, counts included.
import { Hono } from 'hono';
import { z } from 'zod';
import { categoryLabel, flagLabel, isRestrictedReason, reasonLabel, RESTRICTED_REASON_LABEL } from '../../flags/index.js';
import { parseCandidateProfile, previewProfile, ProfileError, type PreviewFlag, type PreviewResult } from '../../jobs/index.js';
import { appendAudit } from '../../review/index.js';
import { ctxOf, pageUser, type Ctx, type Env, type PageUser } from '../context.js';
import { WebError } from '../errors.js';
import { h, raw, type Raw } from '../html.js';
import { layout } from '../pages.js';
import { canSeeRestricted } from '../privacy.js';
import { runFor, scopedRuns } from '../queries/runs.js';
import { inScope, scopePrefixes } from '../roles.js';
import { formOrJson, json } from '../validate.js';

export const PREVIEW_PATH = '/rules/preview';

const previewBody = z.object({
  profile: z.string().min(2, '请填写候选规则配置（JSON）').max(100_000),
  runId: z.string().min(1).max(64).regex(/^[\w.:-]+$/).nullish(),
  asOf: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '截止日期应为 YYYY-MM-DD')]).nullish(),
  _csrf: z.string().max(200).optional(),
});
type PreviewBody = z.infer<typeof previewBody>;

const EXAMPLE_PROFILE = '{\n  "extends": "national",\n  "restriction": { "minMonths": 12 }\n}';

function adminOnly(ctx: Ctx): void {
  if (ctx.user.role !== 'admin') throw new WebError(403, '只有系统管理员可以使用规则预演');
}

/** Runs the preview for the signed-in admin, keeps to its areas, and audits it. */
async function runPreview(ctx: Ctx, b: PreviewBody): Promise<PreviewResult> {
  const run = await runFor(ctx, b.runId);
  if (!run) throw new WebError(404, '没有可预演的比对批次');
  const candidate = parseCandidateProfile(b.profile, '候选规则配置');
  const needToKnow = canSeeRestricted(ctx);
  const r = await previewProfile(ctx.db, { candidate, runId: run.runId, asOf: b.asOf || undefined, needToKnow });
  const all = scopePrefixes(ctx.user, ctx.roles) === 'all';
  const groups = all ? r.groups : r.groups.filter((g) => g.county !== null && inScope(ctx.user, ctx.roles, g.county));
  const result = { ...r, groups, added: groups.reduce((n, g) => n + g.added, 0), dropped: groups.reduce((n, g) => n + g.dropped, 0) };
  await appendAudit(ctx.db, {
    actor: ctx.user.username,
    action: 'view',
    runId: r.runId,
    target: 'rules-preview',
    rows: result.added + result.dropped,
    detail: { kind: 'rules-preview', asOf: r.asOf, parameters: r.parameters, added: result.added, dropped: result.dropped, needToKnow },
  });
  return result;
}

const asProfileError = (err: unknown) => (err instanceof ProfileError ? new WebError(400, err.message) : err);

export const previewRoutes = new Hono<Env>();

previewRoutes.get(PREVIEW_PATH, async (c) => {
  const ctx = ctxOf(c);
  adminOnly(ctx);
  return c.html(previewPage(pageUser(c), await scopedRuns(ctx), { profile: EXAMPLE_PROFILE }, null, null, canSeeRestricted(ctx)));
});

previewRoutes.post(PREVIEW_PATH, formOrJson(previewBody), async (c) => {
  const ctx = ctxOf(c);
  adminOnly(ctx);
  const b = c.req.valid('form');
  const runs = await scopedRuns(ctx);
  try {
    const result = await runPreview(ctx, b);
    return c.html(previewPage(pageUser(c), runs, b, result, null, canSeeRestricted(ctx)));
  } catch (err) {
    if (!(err instanceof ProfileError)) throw err;
    return c.html(previewPage(pageUser(c), runs, b, null, err.message, canSeeRestricted(ctx)), 400);
  }
});

previewRoutes.post('/api/rules/preview', json(previewBody), async (c) => {
  const ctx = ctxOf(c);
  adminOnly(ctx);
  try {
    return c.json(await runPreview(ctx, c.req.valid('json')));
  } catch (err) {
    throw asProfileError(err);
  }
});

function previewPage(pu: PageUser, runs: { runId: string; asOf: string }[], b: Partial<PreviewBody>, r: PreviewResult | null, error: string | null, needToKnow: boolean): string {
  const reason = (code: string) => (!needToKnow && isRestrictedReason(code) ? RESTRICTED_REASON_LABEL : reasonLabel(code));
  const example = (kind: string, e: PreviewFlag): Raw =>
    h`<li>${kind} · ${e.stored ? h`<a href="/flags/${e.flag_id}">标记 ${e.flag_id}</a>` : h`<span class="muted">该期无此标记（预演编号 ${e.flag_id}）</span>`}
 · 儿童编号 ${e.child_ref ?? '无'} · 身份证号 ${e.child_id_masked || '无'} · ${e.category ? categoryLabel(e.category) : '类别不详'}</li>`;
  const results = r
    ? h`<section class="card" id="preview-result">
<h2>预演结果：${r.runId}，截至 ${r.asOf}</h2>
${r.parameters.length
  ? h`<p>改动的参数：</p><ul>${r.parameters.map((p) => h`<li><code>${p.key}</code>：${JSON.stringify(p.live) ?? '（无）'} → ${JSON.stringify(p.candidate) ?? '（无）'}</li>`)}</ul>`
  : h`<p>候选规则配置与该期比对所用的规则相同。</p>`}
<p>现行规则 ${r.baseline} 条标记，候选规则 ${r.candidate} 条：<strong>新增 ${r.added} 条，不再提出 ${r.dropped} 条</strong>，依据或日期有变 ${r.changed} 条。</p>
${r.baselineVsRun && (r.baselineVsRun.onlyRun || r.baselineVsRun.onlyBaseline)
  ? h`<div class="msg err">按现行规则重新计算的结果与该期已保存的标记不同（仅已保存的 ${r.baselineVsRun.onlyRun} 条，仅重新计算的 ${r.baselineVsRun.onlyBaseline} 条）：该期之后导入了新数据。以下对比的是两次重新计算的结果。</div>`
  : ''}
${r.groups.length
  ? h`<table><thead><tr><th>标记类型</th><th>原因</th><th>区县</th><th>新增</th><th>不再提出</th><th>示例</th></tr></thead><tbody>
${r.groups.map((g) => h`<tr><td>${flagLabel(g.flag)}</td><td>${reason(g.reason)}</td><td>${g.county ?? '不详'}</td><td>${g.added}</td><td>${g.dropped}</td>
<td><ul>${g.examples.added.map((e) => example('新增', e))}${g.examples.dropped.map((e) => example('不再提出', e))}</ul></td></tr>`)}
</tbody></table>`
  : h`<p>没有标记会变化。</p>`}
</section>`
    : '';
  return layout(
    '规则预演',
    pu,
    PREVIEW_PATH,
    h`<h1>规则预演</h1>
<p class="muted">用候选规则配置重新计算一期比对的数据，与该期所用的规则比较：哪些标记会新增、哪些不再提出。只计算、不保存；每次预演记入审计日志。</p>
<form class="card" method="post" action="${PREVIEW_PATH}">
${error ? h`<div class="msg err">${error}</div>` : ''}
<input type="hidden" name="_csrf" value="${pu.csrf}">
<label>比对批次<select name="runId">${runs.map((x) => h`<option value="${x.runId}" ${x.runId === b.runId ? raw('selected') : ''}>${x.runId}（${x.asOf}）</option>`)}</select></label>
<label>截止日期（可不填，默认该期的截止日期）<input type="date" name="asOf" value="${b.asOf ?? ''}"></label>
<label>候选规则配置（JSON，可用 "extends" 继承内置配置）<textarea name="profile" rows="10" cols="70" spellcheck="false">${b.profile ?? ''}</textarea></label>
<p><button type="submit">预演</button></p>
</form>
${results}`,
  );
}
