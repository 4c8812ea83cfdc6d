import { z } from 'zod';

/**
 * The links that are inferences rather than the model's: 'name_only', a parent linked by name alone (matchers/name-only.ts);
 * 'name_only_alternatives', a guardian listed by name alone who is one of several namesakes, each of whom the flag holds
 * for (matchers/name-only.ts, rules/evaluate.ts); 'household', a child's record linked to its other records through the
 * adults they list (matchers/household.ts).
 * A flag resting on one is no surer than the link, and every place that cites the record says which it is.
 */
export const EVIDENCE_BASES = {
  name_only: { label: '仅凭姓名匹配', why: '学籍中的监护人或部门记录只有姓名、没有可用的身份证号，按同名、性别与关系相符、生育年龄合理、同一县区且唯一候选关联到此记录，请核实是否为同一人。' },
  name_only_alternatives: {
    label: '仅凭姓名匹配（同名候选多人）',
    why: '学籍中的监护人只有姓名、没有可用的身份证号；同一县区有多名同名、性别与关系相符、生育年龄合理的人员都有部门记录，无法确定是哪一位。按每一位分别评估，本标记在每种情况下都成立；请核实监护人是其中哪一位。',
  },
  household: { label: '同一家庭推断', why: '儿童本人的身份信息不足（缺少或有误的身份证号、不同县区、同音字），按两条记录所列父母或监护人为同一人、出生日期相同、姓名相同或同音且唯一候选认定为同一儿童，请核实。' },
} as const;
export type EvidenceBasis = keyof typeof EVIDENCE_BASES;

/** One item of flags.evidence (RULES.md §3): a record a flag rests on, and how sure its link is. */
export const evidenceItemSchema = z.object({
  feed: z.string(),
  record_id: z.string(),
  date: z.string().nullable(),
  score: z.number(),
  /** registry | child | father | mother | carer */
  role: z.string(),
  batch_id: z.number().int(),
  src_row: z.number().int(),
  /** How the record reached the person when not by the model (EVIDENCE_BASES); the flag page says so. */
  basis: z.enum(Object.keys(EVIDENCE_BASES) as [EvidenceBasis, ...EvidenceBasis[]]).optional(),
});

export type EvidenceItem = z.infer<typeof evidenceItemSchema>;

/** flags.evidence as stored (JSON text) → its items; malformed items are dropped. */
export function parseEvidence(json: string | null | undefined): EvidenceItem[] {
  if (!json) return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((x) => {
    const r = evidenceItemSchema.safeParse(x);
    return r.success ? [r.data] : [];
  });
}
