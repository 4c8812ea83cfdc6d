// The flag row: one zod schema, from which the TypeScript type, the staging table's columns and
// the appender's order are derived. What the rules raised for a child becomes rows here.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config, RuleProfile } from '../config/index.js';
import {
  evaluateChild,
  FLAG_PRIORITY,
  FLAG_TYPES,
  RuleContext,
  type ChildFacts,
  type EvidenceItem,
  type GatheredFacts,
  type RaisedFlag,
} from '../rules/index.js';

/** A flag of one run as the rules raised it (the stored row adds run_id, as_of and lifecycle). */
export const flagRowSchema = z.object({
  flag_id: z.string(),
  flag_key: z.string(),
  flag: z.enum(FLAG_TYPES),
  category: z.string().nullable(),
  previous_category: z.string().nullable(),
  reason: z.string(),
  child_person_id: z.string(),
  child_name: z.string().nullable(),
  child_id_number: z.string().nullable(),
  child_ref: z.string().nullable(),
  county_code: z.string().nullable(),
  effective_from: z.string().nullable(),
  overpaid_months: z.int().nullable(),
  /** 元: overpaid_months × the monthly standard of the child's category (profile.benefits.monthly). */
  overpaid_amount: z.number().nullable(),
  priority: z.int(),
  score: z.number().nullable(),
  /** JSON text of EvidenceItem[]. */
  evidence: z.string(),
  /** JSON text of the profile parameters the rule used. */
  params: z.string(),
  fingerprint: z.string(),
});
export type FlagRow = z.infer<typeof flagRowSchema>;

export type ColumnType = 'VARCHAR' | 'INTEGER' | 'DOUBLE';

/** The DuckDB type of one field of the schema (nullable unwrapped). */
function columnType(field: z.ZodType): ColumnType {
  const inner = field instanceof z.ZodNullable ? (field.unwrap() as z.ZodType) : field;
  if (inner instanceof z.ZodNumber) return inner.format === 'safeint' ? 'INTEGER' : 'DOUBLE';
  return 'VARCHAR';
}

/** The flag row's columns in schema order: the staging table and the appender follow it. */
export const FLAG_COLUMNS: readonly { name: keyof FlagRow; type: ColumnType }[] = Object.entries(flagRowSchema.shape).map(([name, field]) => ({
  name: name as keyof FlagRow,
  type: columnType(field as z.ZodType),
}));

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The monthly standard (元) of a category and subtype in the profile, or null when it has none. */
export function monthlyBenefit(profile: RuleProfile, category: string | null, subtype: string | null): number | null {
  if (!category) return null;
  const monthly = profile.benefits.monthly;
  return (subtype ? monthly[`${category}:${subtype}`] : undefined) ?? monthly[category] ?? null;
}

/** Flag rows for the flags table from what the rules raised for one child. */
export function flagRows(asOf: string, child: ChildFacts, raised: RaisedFlag[], profile?: RuleProfile): FlagRow[] {
  return raised.map((f) => {
    const childKey = child.idNumber ?? child.personId;
    // The same condition in another quarter keeps its key: a REMOVE whose reason changes is still
    // the one REMOVE; two URGENT or WATCH flags of one child with other reasons are two flags.
    const registryRow = f.registry ? f.registry.childRef ?? `${f.registry.batchId}:${f.registry.srcRow}` : '';
    const discriminator = f.flag === 'URGENT' || f.flag === 'WATCH' || f.flag === 'EDUCATION' ? f.reason : '';
    const flagKey = sha([f.flag, f.category ?? '', childKey, registryRow, discriminator].join('|')).slice(0, 24);
    const evidence = f.evidence.map((e): EvidenceItem => ({
      feed: e.feed,
      record_id: e.recordId,
      date: e.date,
      score: Math.round(e.score * 10_000) / 10_000,
      role: e.role,
      batch_id: e.batchId,
      src_row: e.srcRow,
      ...(e.basis ? { basis: e.basis } : {}),
    }));
    // The best match score in the evidence (FEEDS.md), but a flag that rests on an inferred link (name-only, household) is no surer than it.
    const inferred = evidence.filter((e) => e.basis).map((e) => e.score);
    const best = evidence.length ? Math.max(...evidence.map((e) => e.score)) : null;
    const fingerprint = sha(
      [f.reason, f.category ?? '', ...evidence.map((e) => `${e.feed}:${e.record_id}@${e.date ?? ''}`).sort()].join('|'),
    ).slice(0, 24);
    return {
      flag_id: sha(`${flagKey}@${asOf}`).slice(0, 16),
      flag_key: flagKey,
      flag: f.flag,
      category: f.category,
      previous_category: f.previousCategory,
      reason: f.reason,
      child_person_id: child.personId,
      child_name: child.name,
      child_id_number: child.idNumber,
      child_ref: f.registry?.childRef ?? null,
      county_code: f.registry?.county ?? child.county,
      effective_from: f.effectiveFrom,
      overpaid_months: f.overpaidMonths,
      overpaid_amount: overpaidAmount(f, profile),
      priority: FLAG_PRIORITY[f.flag],
      score: best !== null && inferred.length ? Math.min(best, ...inferred) : best,
      evidence: JSON.stringify(evidence),
      params: JSON.stringify(f.params),
      fingerprint,
    };
  });
}

function overpaidAmount(f: RaisedFlag, profile: RuleProfile | undefined): number | null {
  if (f.overpaidMonths === null || !profile) return null;
  const subtype = f.registry && f.registry.category === f.category ? f.registry.subtype : null;
  const monthly = monthlyBenefit(profile, f.category, subtype);
  return monthly === null ? null : Math.round(f.overpaidMonths * monthly * 100) / 100;
}

function inJurisdiction(jurisdiction: Config['jurisdiction'], county: string | null): boolean {
  const prefixes = jurisdiction.codePrefixes;
  return !prefixes.length || (county !== null && prefixes.some((p) => county.startsWith(p)));
}

/** The flags of the gathered children, within the configured jurisdiction. */
export function raiseFlags(config: Pick<Config, 'profile' | 'jurisdiction'>, asOf: string, facts: GatheredFacts, missingFeeds: readonly string[] = []): FlagRow[] {
  const ctx = new RuleContext(asOf, config.profile, missingFeeds);
  const rows: FlagRow[] = [];
  for (const child of facts.children) {
    const { flags } = evaluateChild(ctx, child, facts.people);
    if (flags.length) rows.push(...flagRows(asOf, child, flags, config.profile).filter((r) => inJurisdiction(config.jurisdiction, r.county_code)));
  }
  return uniqueFlags(rows);
}

/**
 * The same flag reached twice (e.g. one duplicate row seen from two children) is one flag: its first place, its last
 * value. Across batches and partitions flags/store.ts does the same in SQL (raised_flags).
 */
export function uniqueFlags(rows: FlagRow[]): FlagRow[] {
  return [...new Map(rows.map((r) => [r.flag_id, r])).values()];
}
