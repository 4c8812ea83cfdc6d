// Person mentions: one row per person named in any feed row (registry children and their parents and
// carers, the subjects of the agency feeds, the guardians of enrollment records), built in one SQL
// statement over the whole feed tables of the store.
import { FEED_SPECS, type FeedSpec } from '../pipeline/feeds.js';
import { quoteIdent, lit } from '../pipeline/store/index.js';
import type { Stage } from './stage.js';

function roleSelect(spec: FeedSpec, roleIndex: number): string {
  const p = spec.people[roleIndex]!;
  const c = (key: string) => `t.${quoteIdent(key)}`;
  const n = (form: string) => `nf.${form}`;
  const id = (suffix: string) => c(p.id + suffix);
  // The record's own region column describes its subject (the registry child, the deceased), not the
  // parents or guardians named in the same row.
  const hasRegion = !!p.birthDate && spec.fields.some((f) => f.key === 'region_code');
  const recordRegion = hasRegion ? c('region_code_county') : 'NULL::VARCHAR';
  // What an ID says (birth date, sex, address code) counts only when its digits can be trusted: a valid ID,
  // or the surviving leading digits of a spreadsheet-damaged one. An ID with a wrong check digit may carry
  // the error in exactly those digits, and the ID comparison already weighs it.
  const trusted = `(coalesce(${id('_valid')}, false) OR coalesce(${id('_damaged')}, false))`;
  const fromId = (suffix: string) => `CASE WHEN ${trusted} THEN ${id(suffix)} END`;
  // Subjects carry their own birth date and sex columns (the store already fills them from a valid ID).
  const birth = p.birthDate ? `coalesce(${c(p.birthDate)}, ${fromId('_birth_date')})` : fromId('_birth_date');
  const gender = p.gender ? `coalesce(${c(p.gender)}, ${fromId('_gender')})` : fromId('_gender');
  const region6 = `coalesce(${fromId('_region')}, ${recordRegion})`;
  return `SELECT
  ((t.batch_id::BIGINT << 32) | (t.src_row::BIGINT << 3) | ${roleIndex})::BIGINT AS uid,
  ${lit(spec.feed + ':')} || t.batch_id || ':' || t.src_row || ${lit(':' + p.role)} AS mention_key,
  ${lit(spec.feed)} AS feed, ${lit(p.role)} AS role, t.batch_id, t.src_row,
  ${c(p.name)} AS name_raw, ${n('norm')} AS name_norm, ${n('simplified')} AS name_simp, ${n('pinyin')} AS name_pinyin,
  ${n('pinyin_alts')} AS name_alts, nullif(${n('surname')}, '') AS name_surname, ${n('given')} AS name_given, ${n('tokens')} AS name_tokens,
  ${c(p.id)} AS id, coalesce(${id('_valid')}, false) AS id_valid, coalesce(${id('_damaged')}, false) AS id_damaged,
  coalesce(list_contains(${id('_issues')}, 'UPGRADED_15'), false) AS id_15,
  ${id('_birth_date')} AS id_birth_date, ${id('_region')} AS id_region,
  ${birth} AS birth_date, ${gender} AS gender,
  ${region6} AS region6,
  ${fromId('_region_current')}[1] AS id_county
FROM ${quoteIdent(spec.table)} AS t LEFT JOIN name_forms AS nf ON nf.name = ${c(p.name)}
WHERE (${c(p.name)} IS NOT NULL OR ${c(p.id)} IS NOT NULL)`;
}

/**
 * Creates the mentions table (needs bidui_region_current: ensureMatchFunctions). `uid` = batch_id << 32 |
 * src_row << 3 | role index (stable). `where` optionally restricts the feed rows (e.g. to some batches), as
 * SQL over t.batch_id / t.src_row.
 */
export function mentionsStage(table = 'mentions', opts: { where?: string } = {}): Stage {
  const parts: string[] = [];
  for (const spec of Object.values(FEED_SPECS)) {
    spec.people.forEach((_, i) => {
      const sel = roleSelect(spec, i);
      parts.push(opts.where ? `${sel} AND (${opts.where})` : sel);
    });
  }
  // The county today: the ID's own mapping when trusted, else the record's code mapped once per distinct value.
  const regionSources = Object.values(FEED_SPECS)
    .filter((spec) => spec.fields.some((f) => f.key === 'region_code'))
    .map((spec) => `SELECT DISTINCT region_code_county AS region6 FROM ${quoteIdent(spec.table)}`);
  const sql = `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS
WITH reg AS (SELECT region6, bidui_region_current(region6) AS cur FROM (${regionSources.join(' UNION ')}) WHERE region6 IS NOT NULL),
base AS (
${parts.join('\nUNION ALL\n')}
)
SELECT base.* EXCLUDE (id_county),
  coalesce(base.id_county, reg.cur, base.region6) AS county,
  CASE WHEN name_simp LIKE '%·%' THEN replace(name_simp, '·', '') ELSE name_simp END AS name_nodots,
  replace(name_pinyin, '.', '') AS name_pinyin_nodots,
  strftime(birth_date, '%Y%m%d') AS birth_ymd
FROM base LEFT JOIN reg USING (region6)`;
  return { name: 'mentions', outputTable: table, sql };
}
