import { z } from 'zod';

export const FEEDS = ['registry', 'death', 'incarceration', 'disability', 'enrollment'] as const;
export const feedName = z.enum(FEEDS);
export type FeedName = z.infer<typeof feedName>;

const disabilityLevel = z.number().int().min(1).max(4);
const levels = z.array(disabilityLevel);
const schoolLevel = z.enum(['PRESCHOOL', 'PRIMARY', 'JUNIOR', 'SENIOR', 'VOCATIONAL', 'HIGHER']);
const monthDay = z.string().regex(/^\d{2}-\d{2}$/, 'expected MM-DD');

/** Levels that count as severe, by disability type (智力 5 and 精神 6 have their own list). */
const disabilityThreshold = z.strictObject({
  anyType: levels,
  mentalIntellectual: levels,
});

/** Every parameter of RULES.md, with the national default. A jurisdiction profile overrides any of them. */
export const ruleProfile = z.strictObject({
  name: z.string().default('national'),
  adultAge: z.number().int().default(18),
  restriction: z
    .strictObject({
      minMonths: z.number().int().min(0).default(6),
      /** How OTHER_RESTRICTION's months are measured: the whole term, the part served by T, or what remains after T. */
      measure: z.enum(['term', 'served', 'remaining']).default('term'),
    })
    .prefault({}),
  lostContact: z.strictObject({ minMonths: z.number().int().min(0).default(6) }).prefault({}),
  severeDisability: disabilityThreshold.default({ anyType: [1, 2], mentalIntellectual: [1, 2, 3, 4] }),
  difficulty: z
    .strictObject({
      childDisabilityLevels: disabilityThreshold.default({ anyType: [1, 2], mentalIntellectual: [1, 2, 3, 4] }),
      /** Parent disability that makes DIFFICULTY_FAMILY; null = the severeDisability levels. */
      parentDisabilityLevels: disabilityThreshold.nullable().default(null),
    })
    .prefault({}),
  /** Disease codes of the local serious-illness list (illness feed). */
  seriousIllnessCodes: z.array(z.string()).default([]),
  leftBehind: z.strictObject({ maxAge: z.number().int().default(16) }).prefault({}),
  adultContinuation: z
    .strictObject({
      enabled: z.boolean().default(false),
      maxAge: z.number().int().default(22),
      levels: z.array(schoolLevel).default(['SENIOR', 'VOCATIONAL', 'HIGHER']),
    })
    .prefault({}),
  urgent: z.strictObject({ windowDays: z.number().int().min(1).default(92) }).prefault({}),
  education: z
    .strictObject({
      minAge: z.number().int().default(6),
      maxAge: z.number().int().default(15),
      /** Age is measured on this day (MM-DD) on or before T. */
      ageReferenceDay: monthDay.default('08-31'),
    })
    .prefault({}),
  watch: z.strictObject({ horizonMonths: z.number().int().min(1).default(3) }).prefault({}),
  retention: z.strictObject({ feedDays: z.number().int().min(1).default(400) }).prefault({}),
});
export type RuleProfile = z.infer<typeof ruleProfile>;

export const sourceConfig = z.strictObject({
  /** Unique name of the source, e.g. "death-gongan". */
  name: z.string().min(1),
  feed: feedName,
  /** A folder (every file in it) or a glob, relative to the inbox when not absolute. */
  path: z.string().min(1),
  format: z.enum(['auto', 'csv', 'xlsx', 'jsonl', 'parquet']).default('auto'),
  encoding: z.enum(['auto', 'utf-8', 'gb18030']).default('auto'),
  /** XLSX sheet name; the first sheet when absent. */
  sheet: z.string().optional(),
  /** Extra header aliases: canonical key → headers this source uses. */
  headerAliases: z.record(z.string(), z.array(z.string())).default({}),
  /** Base of spreadsheet serial dates in CSV/JSON sources (XLSX files say their own). */
  dateBase: z.enum(['1900', '1904']).default('1900'),
  /** Cron expression (Asia/Shanghai) for scheduled scans of this source. */
  schedule: z.string().default('0 1 * * *'),
});
export type SourceConfig = z.infer<typeof sourceConfig>;

export const configSchema = z.strictObject({
  database: z.string().default('data/bidui.duckdb'),
  inbox: z.string().default('data/inbox'),
  /** Where temporary files (transcoded CSV) go; the OS temp folder when absent. */
  workDir: z.string().optional(),
  /** Sources; when empty, one per feed reading `<inbox>/<feed>/`. */
  sources: z.array(sourceConfig).default([]),
  jurisdiction: z
    .strictObject({
      name: z.string().default('全国'),
      /** Region code prefixes in scope (2 = province, 4 = city, 6 = county); empty = everything. */
      codePrefixes: z.array(z.string().regex(/^\d{2}(\d{2}){0,2}$/, 'expected 2, 4 or 6 digits')).default([]),
    })
    .prefault({}),
  profile: ruleProfile.prefault({}),
});
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
