import { PROFILE_PARAM_LABELS, type Config, type FeedName } from '../config/index.js';
import { FEED_LABELS } from '../pipeline/feeds.js';
import { maskId } from '../pipeline/log.js';
import { z } from 'zod';
import { lit, queryOne, sql, type Db } from '../pipeline/store/index.js';
import { EVIDENCE_ROLE_LABELS, flagLabel, reasonLabel, RESTRICTED_CATEGORIES } from './vocabulary.js';
import { RuleContext, evaluateChild, type RaisedFlag } from './evaluate.js';
import { gatherFacts } from './gather.js';
import { exchangeTraceLines } from './exchange.js';
import { EVIDENCE_BASES } from './evidence.js';

const PARAM_VALUES: Readonly<Record<string, string>> = {
  term: '按整个期限',
  served: '按截至判定日已执行的部分',
  remaining: '按判定日后剩余的部分',
  DIBAO: '低保',
  TEKUN: '特困',
  DIBAO_EDGE: '低保边缘',
};

/** A parameter value in words: lists joined with '、', levels as 'N 级', null as 同重残认定 (parentDisabilityLevels) or 未设定. */
export function paramValue(path: string[], v: unknown): string {
  const last = path[path.length - 1] ?? '';
  if (v === null || v === undefined) return last === 'parentDisabilityLevels' ? '同重残认定' : '未设定';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (Array.isArray(v)) return v.map((x) => PARAM_VALUES[String(x)] ?? String(x)).join('、') + (path.some((k) => /Levels$|^anyType$|^mentalIntellectual$/.test(k)) ? ' 级' : '');
  return PARAM_VALUES[String(v)] ?? String(v);
}

/** "限制人身自由 · 最少月数 6" for each leaf of the parameters (keys may be dotted paths: 'watch.horizonMonths'). */
export function paramWords(params: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string[]) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, [...path, k]);
      return;
    }
    out.push(`${path.map((k) => PROFILE_PARAM_LABELS[k] ?? k).join(' · ')} ${paramValue(path, v)}`);
  };
  for (const [k, v] of Object.entries(params)) walk(v, k.split('.'));
  return out;
}

/** A raised flag in words: the rule, each evidence record (whose, which data, which record, when, match score), the parameters. */
export function explainFlagLines(f: RaisedFlag): string[] {
  const evidence = f.evidence
    .map((e) => {
      const whose = EVIDENCE_ROLE_LABELS[e.role] ?? e.role;
      const feed = FEED_LABELS[e.feed as FeedName] ?? e.feed;
      return `${whose}：${feed} 记录 ${e.recordId}${e.date ? `，日期 ${e.date}` : ''}（匹配概率 ${(e.score * 100).toFixed(1)}%${e.basis ? `，${EVIDENCE_BASES[e.basis].label}` : ''}）`;
    })
    .join('；');
  const lines = [`${flagLabel(f.flag)}（${reasonLabel(f.reason)}）依据：${evidence || '无'}`];
  const params = paramWords(f.params);
  if (params.length) lines.push(`  规则参数：${params.join('；')}`);
  return lines;
}

const restricted = (category: string | null) => !!category && (RESTRICTED_CATEGORIES as readonly string[]).includes(category.split(':')[0]!);

/**
 * The trace of the rules for one child (by ID number, child ref, person id, or the id of one of its
 * flags as `bidui review list` prints it) as of T, on the persons of the latest linkage. Written
 * to the audit log: it shows personal data.
 *
 * Need-to-know (RULES.md §4): without `needToKnow` the rules run as if the child had no HIV record,
 * and no flag of a restricted category (HIV, now or before) is shown; the id of such a flag is
 * answered like an unknown one. Nothing tells that an HIV record or flag exists.
 */
export async function explainChild(
  db: Db,
  config: Config,
  child: string,
  asOf: string,
  actor = process.env.USER ?? 'cli',
  opts: { needToKnow?: boolean } = {},
): Promise<string[]> {
  const needToKnow = opts.needToKnow ?? false;
  const asked = child;
  const flag = await queryOne(
    db,
    z.object({ child_person_id: z.string().nullable(), category: z.string().nullable(), previous_category: z.string().nullable() }),
    sql`SELECT child_person_id, category, previous_category FROM flags WHERE flag_id = ${child} ORDER BY as_of DESC LIMIT 1`,
  );
  const hiddenFlag = !!flag && !needToKnow && (restricted(flag.category) || restricted(flag.previous_category));
  if (flag?.child_person_id && !hiddenFlag) child = flag.child_person_id;
  const { children, people } = await gatherFacts(db, asOf, config.profile.adultAge);
  const found = hiddenFlag ? [] : children.filter((c) => c.personId === child || c.idNumber === child || c.registry.some((r) => r.childRef === child));
  if (!found.length) return [`未找到儿童 ${/^\d{15}(\d{2}[\dXx])?$/.test(asked) ? maskId(asked) : asked}`];
  const lines: string[] = [];
  const ctx = new RuleContext(asOf, config.profile);
  for (const c of found) {
    const seen = needToKnow ? c : { ...c, own: { ...c.own, hiv: [] } };
    const { trace, flags } = evaluateChild(ctx, seen, people);
    lines.push(`儿童 ${c.name ?? ''} ${maskId(c.idNumber)}（人员编号 ${c.personId}）`);
    lines.push(...trace.map((t) => '  ' + t));
    // An exchange about a restricted feed (prison, HIV) tells a reviewer without the grant that one was asked.
    lines.push(...(await exchangeTraceLines(db, c, { needToKnow })).map((t) => '  ' + t));
    for (const f of flags) if (needToKnow || !(restricted(f.category) || restricted(f.previousCategory))) lines.push(...explainFlagLines(f).map((l) => '  ' + l));
  }
  await db.run(
    `INSERT INTO audit_log (logged_at, actor, action, target, detail) VALUES (now(), ${lit(actor)}, 'view', ${lit(/^\d{15}(\d{2}[\dXx])?$/.test(asked) ? maskId(asked) : asked)}, ${lit(JSON.stringify({ what: 'rules explain', asOf, needToKnow }))})`,
  );
  return lines;
}
