// The Chinese labels the web adds to flags/' vocabulary (STATUS_LABELS, FLAG_LABELS… come from
// there): age filters, feeds, evidence roles, comparison levels, rule parameters, audit actions.
import { FEED_LABELS as FEED_SPEC_LABELS } from '../pipeline/feeds.js';
import { codeLabel, regionInfo } from '../pipeline/identity/index.js';

export { STATUS_LABELS, FLAG_LABELS, REASON_LABELS } from '../flags/index.js';

/** The queue's "时长" filter: days since the run raised the flag, or past its SLA. */
export const AGE_FILTERS = {
  lt7: '7 天内',
  '7to30': '7–30 天',
  '30to90': '30–90 天',
  gt90: '90 天以上',
  overdue: '已超期',
} as const;
export type AgeFilter = keyof typeof AGE_FILTERS;

/** The queue's "保障类别" filter (restricted categories are dropped for roles without the grant: privacy.ts). */
export const CATEGORY_OPTIONS: readonly [string, string][] = [
  ['ORPHAN', '孤儿'],
  ['DE_FACTO', '事实无人抚养儿童'],
  ['DIFFICULTY_SELF', '自身困境儿童'],
  ['DIFFICULTY_FAMILY', '家庭困境儿童'],
  ['LEFT_BEHIND', '留守儿童'],
  ['HIV', '艾滋病病毒感染儿童'],
];

export const FEED_LABELS: Readonly<Record<string, string>> = FEED_SPEC_LABELS;

export { EVIDENCE_ROLE_LABELS } from '../flags/index.js';

/** The registry person an evidence role is compared with (others: the child). */
export const REGISTRY_ROLE_FOR: Readonly<Record<string, string>> = { father: 'father', mother: 'mother', carer: 'carer' };

export const IDENTITY_LABELS: Readonly<Record<string, string>> = { name: '姓名', id: '身份证号', gender: '性别', birth_date: '出生日期' };

export const COMPARISON_LABELS: Readonly<Record<string, string>> = { id: '身份证号', name: '姓名', birth_date: '出生日期', gender: '性别', region: '户籍地', name_only: '仅凭姓名匹配' };

import { PROFILE_PARAM_LABELS as PARAM_LABELS } from '../config/index.js';
import { paramValue } from '../rules/index.js';

export const ACTION_LABELS: Readonly<Record<string, string>> = { login: '登录', view: '查看', unmask: '显示身份证号', decide: '审核', export: '导出', retention: '数据保留期清理', key: '更换加密密钥' };

/** A stored decision as the act it was (the status it leads to is flags/status.ts's). */
export const DECISION_LABELS: Readonly<Record<string, string>> = { confirmed: '确认', rejected: '驳回', needs_info: '要求补充材料', approved: '主管复核通过' };

/** Profile parameters as "label: value" lines (nested keys joined; values in words, as `rules explain` gives them). */
export function paramLines(json: string): { key: string; label: string; value: string }[] {
  let p: unknown;
  try {
    p = JSON.parse(json);
  } catch {
    return [];
  }
  const out: { key: string; label: string; value: string }[] = [];
  const walk = (o: unknown, path: string[]) => {
    if (o && typeof o === 'object' && !Array.isArray(o)) {
      for (const [k, v] of Object.entries(o as Record<string, unknown>)) walk(v, [...path, k]);
      return;
    }
    const value = path.at(-1) === 'povertyTypes' && Array.isArray(o) ? o.map((x) => codeLabel('assistanceType', String(x)) ?? String(x)).join('、') : paramValue(path, o);
    out.push({ key: path.join('.'), label: path.map((k) => PARAM_LABELS[k] ?? k).join(' · '), value });
  };
  // Keys may be dotted paths ('urgent.windowDays', as the rules name the parameters they used).
  if (p && typeof p === 'object' && !Array.isArray(p)) for (const [k, v] of Object.entries(p as Record<string, unknown>)) walk(v, k.split('.'));
  return out;
}

/** The name of a county (6 digits) or of the city or province an area prefix (4 or 2 digits) stands for. */
export function countyName(code: string | null): string {
  if (!code) return '';
  return regionInfo(code.padEnd(6, '0')).name ?? '';
}

const EXPORT_KIND_LABELS: Readonly<Record<string, string>> = {
  national: '全国儿童福利信息系统变动名单',
  education: '控辍保学名单',
  summary: '季度比对汇总报告',
  flags: '全部标记（分析用）',
  'flags.csv': '比对结果 flags.csv（含完整身份证号）',
  open: '加密文件的原文件（bidui open）',
};
const ROLE_WORDS: Readonly<Record<string, string>> = { reviewer: '审核员', supervisor: '主管', admin: '系统管理员' };
const ID_COLUMN_WORDS: Readonly<Record<string, string>> = { child_id_number: '儿童身份证号' };

/**
 * An audit row in words for the audit page: the object (a flag id, a file's name without its
 * folders, a masked ID number as written) and what happened, from the action and its detail. A
 * detail this does not know is listed as "key：value" pairs, never as JSON.
 */
export function auditWords(action: string, target: string | null, detailJson: string | null): { object: string; flagId: string | null; summary: string } {
  let d: Record<string, unknown> = {};
  try {
    const v = detailJson ? (JSON.parse(detailJson) as unknown) : {};
    if (v && typeof v === 'object' && !Array.isArray(v)) d = v as Record<string, unknown>;
  } catch {
    d = {};
  }
  const str = (k: string) => (d[k] == null ? '' : String(d[k]));
  const isFile = action === 'export' && !!target && /[\\/.]/.test(target);
  const object = !target ? '' : isFile ? target.split(/[\\/]/).pop()! : target;
  const flagId = (action === 'decide' || action === 'unmask' || (action === 'view' && d.what === 'flag')) && target ? target : null;
  const rest = (skip: string[]) =>
    Object.entries(d)
      .filter(([k, v]) => !skip.includes(k) && v != null && typeof v !== 'object')
      .map(([k, v]) => `${k}：${String(v)}`)
      .join('，');
  let summary: string;
  switch (action) {
    case 'login':
      summary = d.logout
        ? '退出登录'
        : d.success
          ? `登录成功（${ROLE_WORDS[str('role')] ?? str('role')}）`
          : d.reason === 'rate_limited'
            ? `登录尝试过于频繁被拒绝，须等待 ${str('waitSeconds')} 秒`
            : '登录失败：用户名或密码错误';
      if (d.ip) summary += `，来自 ${str('ip')}`;
      break;
    case 'view':
      summary = d.what === 'flag' ? '查看标记详情' : d.what === 'rules explain' ? `查看规则判定过程（数据截止 ${str('asOf')}）` : '查看';
      break;
    case 'unmask':
      summary = d.field
        ? `显示${ID_COLUMN_WORDS[str('field')] ?? '身份证号'}`
        : `显示${FEED_LABELS[str('feed')] ?? str('feed')}记录（批次 ${str('batch_id')} 第 ${str('src_row')} 行）中的身份证号`;
      break;
    case 'decide': {
      const what = DECISION_LABELS[str('decision')] ?? str('decision');
      summary = `审核结论：${what}${d.confirmed_by ? `（复核 ${str('confirmed_by')} 的确认）` : ''}`;
      break;
    }
    case 'export':
      summary = `导出${EXPORT_KIND_LABELS[str('kind')] ?? str('kind')}${d.format ? `（${str('format').toUpperCase()}）` : ''}${d.county ? `，区划 ${countyName(str('county')) || str('county')}` : ''}${
        d.needToKnow === true ? '，含限制知悉信息' : d.needToKnow === false ? '，不含限制知悉信息' : ''
      }${d.fullIds ? '，含完整身份证号' : ''}`;
      break;
    case 'key':
      summary = `更换数据加密密钥：密钥编号 ${str('from')} → ${str('to')}，重新加密 ${str('rows')} 行`;
      break;
    case 'retention':
      summary = `删除超过保存期限（${str('feedDays')} 天，截至 ${str('cutoff').slice(0, 10)}）的部门数据`;
      break;
    default:
      summary = rest([]);
  }
  return { object, flagId, summary };
}
