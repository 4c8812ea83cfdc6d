import { z } from 'zod';

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
  /** 'name_only': the parent was linked by name alone (matchers/name-only.ts); the web shows 仅凭姓名匹配. */
  basis: z.literal('name_only').optional(),
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
