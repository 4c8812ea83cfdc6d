// The Chinese labels the web adds to flags/' vocabulary (STATUS_LABELS, FLAG_LABELS… come from
// there): age filters, feeds, evidence roles, comparison levels, rule parameters, audit actions.
import { FEED_LABELS as FEED_SPEC_LABELS } from '../pipeline/feeds.js';
import { regionInfo } from '../pipeline/identity/index.js';

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

export const ACTION_LABELS: Readonly<Record<string, string>> = { login: '登录', view: '查看', unmask: '显示身份证号', decide: '审核', export: '导出', retention: '数据保留期清理' };

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
    out.push({ key: path.join('.'), label: path.map((k) => PARAM_LABELS[k] ?? k).join(' · '), value: paramValue(path, o) });
  };
  // Keys may be dotted paths ('urgent.windowDays', as the rules name the parameters they used).
  if (p && typeof p === 'object' && !Array.isArray(p)) for (const [k, v] of Object.entries(p as Record<string, unknown>)) walk(v, k.split('.'));
  return out;
}

export function countyName(code: string | null): string {
  if (!code) return '';
  return regionInfo(code).name ?? '';
}
