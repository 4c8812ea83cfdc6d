// The vocabulary of RULES.md §3: flag types, reason codes, categories, priorities and their Chinese
// labels. The rules raise these codes; flags/ publishes them to every later stage, so a code and
// its label are defined here once. Everything a user sees is Chinese; the codes stay English in the store.

import { FEED_SPECS } from '../pipeline/feeds.js';
import { codeLabel } from '../pipeline/identity/index.js';

export type Category = 'ORPHAN' | 'HIV' | 'DE_FACTO' | 'DIFFICULTY_FAMILY' | 'DIFFICULTY_SELF' | 'LEFT_BEHIND';

/** Categories that need the need-to-know grant (RULES.md §4). */
export const RESTRICTED_CATEGORIES: readonly Category[] = ['HIV'];
/**
 * Feeds whose records need the grant: criminal (or compulsory-treatment) records, and the hiv feed
 * (an HIV record is cited only by a flag of the HIV category, which is hidden whole; masking its
 * items too keeps a file without the grant free of them whatever flag cites one).
 */
export const RESTRICTED_FEEDS: readonly string[] = Object.values(FEED_SPECS).filter((s) => s.needToKnow).map((s) => s.feed);

export const CATEGORY_RANK: Record<Category, number> = {
  ORPHAN: 5,
  HIV: 5,
  DE_FACTO: 4,
  DIFFICULTY_FAMILY: 3,
  DIFFICULTY_SELF: 2,
  LEFT_BEHIND: 1,
};

export const FLAG_TYPES = ['ADD', 'REMOVE', 'RECLASSIFY', 'URGENT', 'EDUCATION', 'WATCH'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

/** 1 = most urgent. */
export const FLAG_PRIORITY: Readonly<Record<FlagType, number>> = { URGENT: 1, REMOVE: 2, ADD: 3, RECLASSIFY: 4, EDUCATION: 5, WATCH: 6 };

/** Flags that change the rolls only after a second person approves the confirmation (four-eyes). */
export const NEEDS_APPROVAL: readonly FlagType[] = ['REMOVE'];


/** Flag type → Chinese name used in lists and reports. */
export const FLAG_LABELS: Readonly<Record<FlagType, string>> = {
  ADD: '疑似保障对象',
  REMOVE: '应退未退',
  RECLASSIFY: '类别变更',
  URGENT: '突发事件需紧急关爱',
  EDUCATION: '控辍保学',
  WATCH: '预警关注',
};

/** Change type of the national template (变动类型) for the three flags that change the rolls. */
export const CHANGE_TYPE_LABELS: Readonly<Record<'ADD' | 'REMOVE' | 'RECLASSIFY', string>> = {
  ADD: '新增',
  REMOVE: '退出',
  RECLASSIFY: '类别变更',
};

/** Every reason code of RULES.md §3, grouped by the flag that uses it. */
export const REASON_CODES: Readonly<Record<FlagType, readonly string[]>> = {
  REMOVE: [
    'CHILD_DEAD',
    'AGED_OUT',
    'PARENT_RELEASED',
    'PARENT_DISABILITY_ENDED',
    'PARENT_REAPPEARED',
    'GUARDIANSHIP_RESTORED',
    'POVERTY_ENDED',
    'BASIS_NO_LONGER_HOLDS',
    'DUPLICATE_REGISTRATION',
  ],
  ADD: ['BOTH_PARENTS_GONE', 'PARENTS_QUALIFY', 'CHILD_DISABLED', 'CHILD_SERIOUSLY_ILL', 'PARENTS_SEVERELY_DISABLED', 'POOR_FAMILY', 'CHILD_HIV'],
  RECLASSIFY: ['BOTH_PARENTS_GONE', 'PARENTS_QUALIFY', 'CHILD_DISABLED', 'CHILD_SERIOUSLY_ILL', 'PARENTS_SEVERELY_DISABLED', 'POOR_FAMILY', 'CHILD_HIV'],
  URGENT: ['PARENT_EVENT_NO_CARER', 'CARER_EVENT'],
  EDUCATION: ['NOT_ENROLLED', 'DROPPED_OUT'],
  WATCH: ['THRESHOLD_PENDING', 'AGES_OUT_NEXT_QUARTER'],
};

/** Reason code → Chinese label (变动原因 of the national template, 情形 of the education list). */
export const REASON_LABELS: Readonly<Record<string, string>> = {
  // REMOVE
  CHILD_DEAD: '儿童死亡',
  AGED_OUT: '年满18周岁',
  PARENT_RELEASED: '父母刑满释放或解除限制人身自由',
  PARENT_DISABILITY_ENDED: '父母重残情形消失',
  PARENT_REAPPEARED: '父母重新出现（撤销失踪或死亡宣告、失联人员已找回）',
  GUARDIANSHIP_RESTORED: '父母恢复监护人资格',
  POVERTY_ENDED: '家庭退出低保或特困救助',
  BASIS_NO_LONGER_HOLDS: '认定情形不再成立',
  DUPLICATE_REGISTRATION: '重复纳入保障',
  // ADD and RECLASSIFY
  BOTH_PARENTS_GONE: '父母双方死亡或失踪',
  PARENTS_QUALIFY: '父母符合事实无人抚养情形',
  CHILD_DISABLED: '儿童本人重度残疾',
  CHILD_SERIOUSLY_ILL: '儿童本人患重病',
  PARENTS_SEVERELY_DISABLED: '父母重残或重病',
  POOR_FAMILY: '低保或特困家庭儿童',
  CHILD_HIV: '儿童感染艾滋病病毒',
  // URGENT
  PARENT_EVENT_NO_CARER: '父母突发变故且无其他监护人照料',
  CARER_EVENT: '委托照护人突发变故',
  // EDUCATION
  NOT_ENROLLED: '未入学',
  DROPPED_OUT: '辍学',
  // WATCH
  THRESHOLD_PENDING: '即将达到认定期限',
  AGES_OUT_NEXT_QUARTER: '下季度年满18周岁',
};

export function flagLabel(flag: string | null | undefined): string {
  if (!flag) return '';
  return (FLAG_LABELS as Record<string, string>)[flag] ?? flag;
}

export function reasonLabel(reason: string | null | undefined): string {
  if (!reason) return '';
  return REASON_LABELS[reason] ?? reason;
}

/** Chinese label of a category code (DE_FACTO → 事实无人抚养儿童); the code itself when unknown. */
export function categoryLabel(category: string | null | undefined): string {
  if (!category) return '';
  const [code, subtype] = category.split(':');
  return codeLabel('category', code!, subtype ?? null) ?? category;
}

/** Whose record a piece of evidence is (the roles of a flag's evidence), as a caseworker says it. */
export const EVIDENCE_ROLE_LABELS: Readonly<Record<string, string>> = {
  registry: '儿童本人（名册）',
  child: '儿童本人',
  subject: '本人',
  father: '父亲',
  mother: '母亲',
  carer: '委托照护人',
  guardian1: '监护人一',
  guardian2: '监护人二',
};
