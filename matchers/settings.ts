import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** One level of a comparison: an SQL condition over `l.` / `r.` columns of a candidate pair. */
const levelSchema = z
  .object({
    /** The level's name in reports, explanations and the stored run (English, short). */
    label: z.string().min(1),
    /** The same level in plain Chinese for caseworkers (the review pages show it beside the comparison's name). */
    labelZh: z.string().min(1),
    /** SQL condition over l./r.; the null level comes first; the last level is the catch-all `ELSE`. */
    sql: z.string().min(1),
    isNull: z.boolean().optional(),
    /** Term-frequency adjustment on this level (normally the exact-match level) using this column. */
    tfAdjustColumn: z.string().min(1).optional(),
    /** Weight of the term-frequency adjustment (Splink's tf_adjustment_weight); default 1. */
    tfAdjustWeight: z.number().min(0).max(1).optional(),
    /** P(level | match): starting value for EM, or the fixed value when training is off. */
    m: z.number().gt(0).lte(1).optional(),
    /** P(level | non-match): used as given (not re-estimated) when present. */
    u: z.number().gt(0).lte(1).optional(),
    /**
     * m and u are used as given and never estimated (for evidence the training pairs cannot show, e.g. two
     * valid IDs of twins). Needs both m and u.
     */
    fixed: z.boolean().optional(),
    /**
     * For callers that re-estimate u (they drop the u of other levels): keep this level's u as given. For rates
     * far below what a random-pair sample can measure (e.g. two different people's IDs one digit apart).
     */
    fixedU: z.boolean().optional(),
  })
  .strict()
  .refine((l) => !l.fixed || (l.m != null && l.u != null), { message: 'a fixed level needs m and u' })
  .refine((l) => !l.fixedU || l.u != null, { message: 'a fixedU level needs u' });

const comparisonSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'comparison name must be an SQL-safe identifier'),
    columns: z.array(z.string().min(1)).min(1),
    levels: z.array(levelSchema).min(2),
  })
  .strict()
  .superRefine((c, ctx) => {
    const nullIdx = c.levels.map((l, i) => (l.isNull ? i : -1)).filter((i) => i >= 0);
    if (nullIdx.length > 1) ctx.addIssue({ code: 'custom', path: ['levels'], message: `comparison ${c.name}: at most one null level` });
    if (nullIdx.length === 1 && nullIdx[0] !== 0)
      ctx.addIssue({ code: 'custom', path: ['levels', nullIdx[0]!], message: `comparison ${c.name}: the null level must come first` });
    const last = c.levels[c.levels.length - 1]!;
    if (last.sql.trim().toUpperCase() !== 'ELSE' || last.isNull)
      ctx.addIssue({ code: 'custom', path: ['levels', c.levels.length - 1, 'sql'], message: `comparison ${c.name}: the last level must be the catch-all 'ELSE'` });
    c.levels.forEach((l, i) => {
      if (i < c.levels.length - 1 && l.sql.trim().toUpperCase() === 'ELSE')
        ctx.addIssue({ code: 'custom', path: ['levels', i, 'sql'], message: `comparison ${c.name}: only the last level may be 'ELSE'` });
    });
    const nonNull = c.levels.filter((l) => !l.isNull);
    if (nonNull.length < 2) ctx.addIssue({ code: 'custom', path: ['levels'], message: `comparison ${c.name}: needs at least two non-null levels` });
    const labels = new Set<string>();
    const labelsZh = new Set<string>();
    for (const l of c.levels) {
      if (labels.has(l.label)) ctx.addIssue({ code: 'custom', path: ['levels'], message: `comparison ${c.name}: duplicate level label '${l.label}'` });
      labels.add(l.label);
      if (labelsZh.has(l.labelZh)) ctx.addIssue({ code: 'custom', path: ['levels'], message: `comparison ${c.name}: duplicate level labelZh '${l.labelZh}'` });
      labelsZh.add(l.labelZh);
    }
  });

/**
 * A blocking rule over generated keys: every record yields a list of keys (an SQL expression over its own
 * columns, unqualified, giving a LIST of VARCHAR); two records are candidates when they share a key. Use it
 * where an equi-join condition cannot express the rule (e.g. one of several readings equal, IDs that differ
 * in one position) and a condition over l./r. would be a nested loop.
 */
const keyRuleSchema = z
  .object({
    name: z.string().min(1),
    keys: z.string().min(1),
    /** Optional extra condition over l./r. applied to the pairs sharing a key. */
    where: z.string().min(1).optional(),
    /** Keys shared by more records than this are skipped (a guard against runaway blocks). */
    maxBlockSize: z.number().int().min(2).optional(),
    /**
     * Optional condition over one record's columns (unqualified): the rule pairs two records only when at least one
     * meets it, and reads the keys of the others only for the blocks such a record is in. For a rule whose pairs
     * can only match when one side is unusual (an ID failing its check): the keys of every other record are never
     * joined with each other, which at province size was most of the rule's cost.
     */
    oneSide: z.string().min(1).optional(),
  })
  .strict();

const blockingRuleSchema = z.union([z.string().min(1), keyRuleSchema]);

const settingsSchema = z
  .object({
    linkType: z.enum(['link_only', 'dedupe_only', 'link_and_dedupe']),
    uniqueIdColumn: z.string().min(1),
    sourceColumn: z.string().min(1).optional(),
    /** SQL conditions over l./r.; candidates are the union (rule i excludes pairs of rules < i). Empty = all pairs. */
    blockingRules: z.array(blockingRuleSchema),
    comparisons: z.array(comparisonSchema).min(1),
    /** Prior λ over all record pairs; estimated when absent (and training is on). */
    probabilityTwoRandomRecordsMatch: z.number().gt(0).lt(1).optional(),
    thresholds: z
      .object({ link: z.number().gt(0).lt(1), review: z.number().gt(0).lt(1) })
      .strict()
      .refine((t) => t.review <= t.link, { message: 'thresholds.review must be ≤ thresholds.link' }),
    em: z
      .object({
        maxIterations: z.number().int().min(1),
        tolerance: z.number().gt(0),
        /** One EM session per rule (Splink style: u fixed, comparisons whose columns the rule uses are not trained in it). Empty = the blocking rules. */
        trainingBlockingRules: z.array(z.string().min(1)),
        /**
         * Pseudo-pairs of the settings' m (or the default m) added to every EM session's M-step: a Dirichlet
         * prior that keeps a level the training pairs never show from collapsing to m ≈ 0. 0 or absent = plain EM.
         */
        mPriorPairs: z.number().min(0).optional(),
        /**
         * A training rule's pairs beyond this many are sampled down to about this many (by a hash of the pair, with
         * uSampling's seed; a session without a rule reads the candidates' vectors, unsampled): m is a share, which a
         * million pairs measure as well as six; every pair of a province's ID rule, joined with the records' columns,
         * cost a minute a session. mPriorPairs weighs against the sample.
         */
        maxPairs: z.number().int().min(1000).default(1_000_000),
      })
      .strict(),
    /** Random-pair sampling for u. */
    uSampling: z
      .object({ maxPairs: z.number().int().min(1000).default(1_000_000), seed: z.number().int().min(0).default(42) })
      .strict()
      .optional(),
    /** Source values whose records may link to only one record from each other source. */
    oneToOne: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.linkType !== 'dedupe_only' && !s.sourceColumn)
      ctx.addIssue({ code: 'custom', path: ['sourceColumn'], message: `linkType ${s.linkType} needs sourceColumn` });
    if (s.oneToOne?.length && !s.sourceColumn)
      ctx.addIssue({ code: 'custom', path: ['oneToOne'], message: 'oneToOne needs sourceColumn' });
    const names = new Set<string>();
    s.comparisons.forEach((c, i) => {
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: ['comparisons', i, 'name'], message: `duplicate comparison name '${c.name}'` });
      names.add(c.name);
    });
  });

export type LinkageSettings = z.infer<typeof settingsSchema>;
export type ComparisonSettings = z.infer<typeof comparisonSchema>;
export type KeyRule = z.infer<typeof keyRuleSchema>;
export type BlockingRule = z.infer<typeof blockingRuleSchema>;

/** Validates settings (object or JSON text); throws a readable error listing every problem. */
export function parseSettings(input: unknown): LinkageSettings {
  const value = typeof input === 'string' ? JSON.parse(input) : input;
  const r = settingsSchema.safeParse(value);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new SettingsError(msg, r.error.issues);
  }
  return r.data;
}

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly issues: unknown[],
  ) {
    super(`invalid linkage settings: ${message}`);
    this.name = 'SettingsError';
  }
}

/** Level index as used in comparison vectors: −1 for the null level, else count down to 0 for ELSE (Splink order). */
export function levelIndices(c: ComparisonSettings): number[] {
  const nonNull = c.levels.filter((l) => !l.isNull).length;
  let k = nonNull - 1;
  return c.levels.map((l) => (l.isNull ? -1 : k--));
}

/** The text of a shipped settings file, matchers/settings/<name>.json (from matchers/ or from dist/matchers/: the JSON is not compiled). */
export function shippedSettingsText(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'settings', `${name}.json`), join(here, '..', '..', 'matchers', 'settings', `${name}.json`)];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`${name} settings not found (looked for ${candidates.join(', ')})`);
  return readFileSync(file, 'utf8');
}
