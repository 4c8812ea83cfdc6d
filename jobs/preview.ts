// Rule preview (issue 15 item 6): what a candidate rule profile would change in a run's flags,
// before a province changes a threshold. It evaluates the run's facts twice on the quarter's own
// path — gatherFacts, then raiseFlags as the evaluate step runs it, then the suppression that
// storeRunFlags applies — once with the live profile (the baseline) and once with the candidate,
// and compares the two. Nothing is written: the facts live in the connection's temporary tables
// (as in a quarter) and the flags in memory. Because both sides are evaluated the same way, an
// unchanged profile previews no change, whatever happened to the store since the run; the baseline
// is also compared with the run's stored flags, and a difference is reported (new files ingested,
// another configuration) rather than mixed into the preview.
//
// It lives in jobs/ rather than rules/: it needs raiseFlags and the suppressions of flags/, which
// rules/ may not import.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, configSchema, resolveProfile, ruleProfile, type Config, type RuleProfile } from '../config/index.js';
import { categoryLabel, flagLabel, isRestrictedFlag, isRestrictedReason, raiseFlags, reasonLabel, RESTRICTED_REASON_LABEL, suppressions, type FlagRow } from '../flags/index.js';
import { maskId } from '../pipeline/log.js';
import { queryAll, queryOne, sql, type Db } from '../pipeline/store/index.js';
import { gatherFacts } from '../rules/index.js';

/** A candidate profile that cannot be used: the message is Chinese and names the file and the key. */
export class ProfileError extends Error {
  override name = 'ProfileError';
}

/**
 * Reads a candidate rule profile file (JSON: a whole profile, or `{ "extends": "national", … }`
 * like the configuration's `profile`) and validates it with the profile's schema.
 */
export function loadCandidateProfile(file: string): RuleProfile {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProfileError(`候选规则配置 ${file}：无法读取（${(err as NodeJS.ErrnoException).code ?? '读取失败'}）`);
  }
  return parseCandidateProfile(text, `候选规则配置 ${file}`, { baseDir: dirname(path) });
}

/**
 * A candidate profile from its JSON text; `origin` starts every error message. Without `baseDir`
 * (the web) `extends` may name only a shipped profile, not a file of the server.
 */
export function parseCandidateProfile(text: string, origin: string, opts: { baseDir?: string } = {}): RuleProfile {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ProfileError(`${origin}：不是有效的 JSON（${(err as Error).message.split('\n')[0]}）`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProfileError(`${origin}：应为一个 JSON 对象`);
  const parent = (value as Record<string, unknown>).extends;
  if (!opts.baseDir && parent !== undefined && (typeof parent !== 'string' || /[\\/]|\.json$/i.test(parent))) {
    throw new ProfileError(`${origin}：键 extends：这里只能继承内置的规则配置（national、example-province）`);
  }
  let merged: Record<string, unknown>;
  try {
    merged = resolveProfile(value, opts.baseDir ?? process.cwd());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ProfileError(`${origin}：键 extends：找不到所继承的规则配置（${err.message.replace(/^profile: /, '')}）`);
  }
  const parsed = ruleProfile.safeParse(merged, { error: z.locales.zhCN().localeError });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = [...i.path, ...(i.code === 'unrecognized_keys' ? [i.keys.join(', ')] : [])].map(String).join('.');
      return `${origin}：键 ${key || '(根)'}：${i.message}`;
    });
    throw new ProfileError(lines.join('\n'));
  }
  return parsed.data;
}

const runRow = z.object({ run_id: z.string(), as_of: z.string(), summary: z.string().nullable(), config: z.string() });
const recordedConfig = z.object({ profile: ruleProfile, jurisdiction: configSchema.shape.jurisdiction });

/** The run to preview on: `runId`, else the latest complete run. */
async function previewRun(db: Db, runId?: string) {
  const run = await queryOne(
    db,
    runRow,
    runId
      ? sql`SELECT run_id, as_of::VARCHAR AS as_of, summary::VARCHAR AS summary, config::VARCHAR AS config FROM runs WHERE run_id = ${runId}`
      : sql`SELECT run_id, as_of::VARCHAR AS as_of, summary::VARCHAR AS summary, config::VARCHAR AS config FROM runs WHERE status = 'complete' ORDER BY as_of DESC LIMIT 1`,
  );
  if (!run) throw new ProfileError(runId ? `没有编号为 ${runId} 的季度比对` : '数据库中还没有完成的季度比对：请先运行 bidui quarter');
  const missing = z.object({ missingFeeds: z.array(z.string()).optional() }).safeParse(run.summary ? JSON.parse(run.summary) : {});
  // The rules the run was made with (the configuration is recorded on its row).
  const recorded = recordedConfig.parse(JSON.parse(run.config));
  return { runId: run.run_id, asOf: run.as_of, missingFeeds: missing.success ? (missing.data.missingFeeds ?? []) : [], recorded };
}

export interface PreviewOptions {
  /** The candidate profile (loadCandidateProfile). */
  candidate: RuleProfile;
  /** The live rules (the configuration in force); default: those the run was made with. */
  live?: Pick<Config, 'profile' | 'jurisdiction'>;
  /** The run whose facts are evaluated (default: the latest complete run). */
  runId?: string;
  /** Evaluate as of this date (default: the run's as-of date). */
  asOf?: string;
  /** Whether the reader holds the need-to-know grant: without it, HIV flags are left out, counts included (flags/privacy.ts). */
  needToKnow: boolean;
  /** Examples per group (default 3). */
  examples?: number;
}

/** One flag of the preview, as a reviewer may look it up: the flag id, the child ref, a masked ID number. */
export interface PreviewFlag {
  flag_id: string;
  flag: string;
  reason: string;
  category: string | null;
  county_code: string | null;
  child_ref: string | null;
  child_person_id: string;
  child_id_masked: string;
  /** Whether the run stored this flag (a dropped flag can be opened in the queue). */
  stored: boolean;
}

export interface PreviewGroup {
  flag: string;
  reason: string;
  county: string | null;
  added: number;
  dropped: number;
  examples: { added: PreviewFlag[]; dropped: PreviewFlag[] };
}

export interface PreviewResult {
  runId: string;
  asOf: string;
  /** The profile parameters that differ, dotted keys with the live and the candidate value. */
  parameters: { key: string; live: unknown; candidate: unknown }[];
  baseline: number;
  candidate: number;
  added: number;
  dropped: number;
  /** Flags raised by both whose evidence, effective date or overpaid months differ. */
  changed: number;
  /** By flag type, reason and county; added and dropped per group. */
  groups: PreviewGroup[];
  /** The baseline against the run's stored flags: flags only the run has, and only the baseline has (0 and 0 when the facts and profile are those of the run). */
  baselineVsRun: { onlyRun: number; onlyBaseline: number } | null;
}

/** Dotted keys whose values differ between two profiles. */
function differences(a: unknown, b: unknown, prefix = ''): PreviewResult['parameters'] {
  const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ key: prefix, live: a, candidate: b }];
}

/** A flag's identity across the two evaluations: the flag of the same condition with the same reason. */
const identity = (f: FlagRow) => `${f.flag_id}|${f.reason}`;

/** Evaluates the run's facts with the live and the candidate profile; stores nothing. */
export async function previewProfile(db: Db, opts: PreviewOptions): Promise<PreviewResult> {
  const run = await previewRun(db, opts.runId);
  const asOf = opts.asOf ?? run.asOf;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))) throw new ProfileError(`--as-of：日期应为 YYYY-MM-DD，收到 "${asOf}"`);
  const config = opts.live ?? run.recorded;
  const live = config.profile;
  const candidate = opts.candidate;
  const suppressed = new Set((await suppressions(db)).map((s) => `${s.flagKey}|${s.fingerprint}`));
  const visible = (f: FlagRow) => (opts.needToKnow || !isRestrictedFlag(f)) && !suppressed.has(`${f.flag_key}|${f.fingerprint}`);
  // The facts depend on the profile only through the adult age (which disabled children are gathered).
  const facts = new Map<number, Awaited<ReturnType<typeof gatherFacts>>>();
  const evaluate = async (profile: RuleProfile) => {
    let f = facts.get(profile.adultAge);
    if (!f) facts.set(profile.adultAge, (f = await gatherFacts(db, asOf, profile.adultAge)));
    return raiseFlags({ profile, jurisdiction: config.jurisdiction }, asOf, f, run.missingFeeds).filter(visible);
  };
  const base = await evaluate(live);
  const cand = await evaluate(candidate);

  const stored = await queryAll(
    db,
    z.object({ flag_id: z.string(), reason: z.string(), category: z.string().nullable(), previous_category: z.string().nullable() }),
    sql`SELECT flag_id, reason, category, previous_category FROM flags WHERE run_id = ${run.runId}`,
  );
  const storedIds = new Set(stored.filter((f) => opts.needToKnow || !isRestrictedFlag(f)).map((f) => `${f.flag_id}|${f.reason}`));
  const baseIds = new Map(base.map((f) => [identity(f), f]));
  const candIds = new Map(cand.map((f) => [identity(f), f]));
  const added = cand.filter((f) => !baseIds.has(identity(f)));
  const dropped = base.filter((f) => !candIds.has(identity(f)));
  const changed = cand.filter((f) => {
    const b = baseIds.get(identity(f));
    return !!b && (b.fingerprint !== f.fingerprint || b.effective_from !== f.effective_from || b.overpaid_months !== f.overpaid_months);
  }).length;

  const perGroup = opts.examples ?? 3;
  const groups = new Map<string, PreviewGroup>();
  const example = (f: FlagRow): PreviewFlag => ({
    flag_id: f.flag_id,
    flag: f.flag,
    reason: f.reason,
    category: f.category,
    county_code: f.county_code,
    child_ref: f.child_ref,
    child_person_id: f.child_person_id,
    child_id_masked: maskId(f.child_id_number),
    stored: asOf === run.asOf && storedIds.has(identity(f)),
  });
  const byOrder = (a: FlagRow, b: FlagRow) => (a.flag_id < b.flag_id ? -1 : a.flag_id > b.flag_id ? 1 : 0);
  for (const [kind, list] of [['added', added], ['dropped', dropped]] as const) {
    for (const f of [...list].sort(byOrder)) {
      const k = `${f.flag}|${f.reason}|${f.county_code ?? ''}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { flag: f.flag, reason: f.reason, county: f.county_code, added: 0, dropped: 0, examples: { added: [], dropped: [] } }));
      g[kind]++;
      if (g.examples[kind].length < perGroup) g.examples[kind].push(example(f));
    }
  }
  const sortedGroups = [...groups.values()].sort((a, b) =>
    a.flag !== b.flag ? (a.flag < b.flag ? -1 : 1) : a.reason !== b.reason ? (a.reason < b.reason ? -1 : 1) : (a.county ?? '') < (b.county ?? '') ? -1 : (a.county ?? '') > (b.county ?? '') ? 1 : 0,
  );
  return {
    runId: run.runId,
    asOf,
    parameters: differences(live, candidate),
    baseline: base.length,
    candidate: cand.length,
    added: added.length,
    dropped: dropped.length,
    changed,
    groups: sortedGroups,
    baselineVsRun:
      asOf === run.asOf
        ? { onlyRun: [...storedIds].filter((k) => !baseIds.has(k)).length, onlyBaseline: [...baseIds.keys()].filter((k) => !storedIds.has(k)).length }
        : null,
  };
}

/** The preview as the CLI prints it (Chinese). */
export function formatPreview(r: PreviewResult, needToKnow: boolean): string[] {
  const reason = (code: string) => (!needToKnow && isRestrictedReason(code) ? RESTRICTED_REASON_LABEL : reasonLabel(code));
  const out = [`规则预演：季度比对 ${r.runId}，截至 ${r.asOf}（只计算，不保存任何结果）`];
  if (!r.parameters.length) out.push('候选规则配置与现行规则配置相同。');
  else {
    out.push('改动的参数：');
    for (const p of r.parameters) out.push(`  ${p.key}：${JSON.stringify(p.live) ?? '（无）'} → ${JSON.stringify(p.candidate) ?? '（无）'}`);
  }
  out.push(`现行规则 ${r.baseline} 条标记，候选规则 ${r.candidate} 条：新增 ${r.added} 条，不再提出 ${r.dropped} 条，依据或日期有变 ${r.changed} 条。`);
  if (r.baselineVsRun && (r.baselineVsRun.onlyRun || r.baselineVsRun.onlyBaseline)) {
    out.push(
      `注意：按现行规则重新计算的结果与该期已保存的标记不同（仅已保存的有 ${r.baselineVsRun.onlyRun} 条，仅重新计算的有 ${r.baselineVsRun.onlyBaseline} 条）：该期之后导入了新数据或改了配置；以下对比的是两次重新计算的结果。`,
    );
  }
  if (!r.groups.length) {
    out.push('没有标记会变化。');
    return out;
  }
  out.push('', '按标记类型、原因和区县：');
  for (const g of r.groups) {
    out.push(`  ${flagLabel(g.flag)} · ${reason(g.reason)} · ${g.county ?? '区县不详'}：新增 ${g.added}，不再提出 ${g.dropped}`);
    for (const [kind, list] of [['新增', g.examples.added], ['不再提出', g.examples.dropped]] as const) {
      for (const e of list) {
        const opened = e.stored ? `标记编号 ${e.flag_id}` : `（该期无此标记，预演编号 ${e.flag_id}）`;
        out.push(`    ${kind}  ${opened}  儿童编号 ${e.child_ref ?? '无'}  身份证号 ${e.child_id_masked || '无'}  类别 ${e.category ? categoryLabel(e.category) : '无'}`);
      }
    }
  }
  return out;
}
