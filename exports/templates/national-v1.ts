// The national child welfare information system (全国儿童福利信息系统) change template, version 1.
// Documented column by column in NATIONAL-TEMPLATE.md: change both together, and add a
// national-v2.ts rather than changing a version that has shipped.

import { normalizeId } from '../../pipeline/identity/index.js';
import { CHANGE_TYPE_LABELS, categoryLabel, reasonLabel, type FlagRecord } from '../../flags/index.js';
import type { Cell, ColumnSpec } from '../files.js';

export const NATIONAL_TEMPLATE_VERSION = 'national-v1';
export const NATIONAL_TEMPLATE_NAME = '全国儿童福利信息系统保障对象变动模板';

/** The flags that change the rolls, in the order the file lists them. */
export const NATIONAL_FLAGS = ['ADD', 'REMOVE', 'RECLASSIFY'] as const;

export const NATIONAL_V1_COLUMNS: readonly ColumnSpec[] = [
  { key: 'change', header: '变动类型', width: 10, text: true },
  { key: 'name', header: '姓名', width: 12, text: true },
  { key: 'id_number', header: '身份证号', width: 22, text: true },
  { key: 'gender', header: '性别', width: 6, text: true },
  { key: 'birth_date', header: '出生日期', width: 12, text: true },
  { key: 'county', header: '户籍地区划代码', width: 16, text: true },
  { key: 'category', header: '保障类别', width: 18, text: true },
  { key: 'previous_category', header: '原保障类别', width: 18, text: true },
  { key: 'reason', header: '变动原因', width: 30, text: true },
  { key: 'effective_from', header: '生效日期', width: 12, text: true },
  { key: 'overpaid_months', header: '多发月数', width: 10 },
  { key: 'reviewer', header: '审核人', width: 12, text: true },
  { key: 'review_date', header: '审核日期', width: 12, text: true },
  { key: 'run_id', header: '比对批次', width: 14, text: true },
  { key: 'flag_id', header: '标记编号', width: 20, text: true },
];

/** One template row from a confirmed ADD / REMOVE / RECLASSIFY flag. */
export function nationalV1Row(f: FlagRecord): Record<string, Cell> {
  const change = CHANGE_TYPE_LABELS[f.flag as keyof typeof CHANGE_TYPE_LABELS];
  if (!change) throw new Error(`flag ${f.flag_id}: ${f.flag} is not a change of the rolls`);
  const id = f.child_id_number?.trim() || null;
  const parsed = id ? normalizeId(id) : null;
  const gender = parsed?.gender === 'M' ? '男' : parsed?.gender === 'F' ? '女' : null;
  const isRemove = f.flag === 'REMOVE';
  return {
    change,
    name: f.child_name,
    id_number: parsed?.id ?? id,
    gender,
    birth_date: parsed?.birthDate ?? null,
    county: f.county_code,
    // REMOVE: the category the child leaves (flags.category; previous_category when the engine put it there).
    category: categoryLabel(isRemove ? (f.category ?? f.previous_category) : f.category),
    previous_category: f.flag === 'RECLASSIFY' ? categoryLabel(f.previous_category) : null,
    reason: reasonLabel(f.reason),
    effective_from: f.effective_from,
    overpaid_months: isRemove ? (f.overpaid_months ?? null) : null,
    reviewer: f.decided_by,
    review_date: f.decided_at ? f.decided_at.slice(0, 10) : null,
    run_id: f.run_id,
    flag_id: f.flag_id,
  };
}
