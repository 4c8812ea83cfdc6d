// Person mentions: one row per person named in any feed row (registry children and their parents and
// carers, the subjects of the agency feeds, the guardians of enrollment records), built in one SQL
// statement over the whole feed tables of the store.
import { FEED_SPECS, type FeedSpec } from '../pipeline/feeds.js';
import { certificateIdSql, REGION_TABLE } from '../pipeline/identity/index.js';
import { lit, openExpr, quoteIdent, sealedTable } from '../pipeline/store/index.js';
import type { InterestFeeds } from './sql-persons.js';
import type { Stage } from './stage.js';

/**
 * A disability record's subject: the ID its certificate number carries (pipeline/identity certificateIdSql),
 * computed only where it could differ from the ID column (that column is empty, invalid or another value).
 */
const certificateId = (t: string) =>
  `CASE WHEN ${t}.certificate_no IS NOT NULL AND (NOT coalesce(${t}.id_number_valid, false) OR upper(left(${t}.certificate_no, 18)) IS DISTINCT FROM ${t}.id_number)
    THEN ${certificateIdSql(`${t}.certificate_no`, (id) => `bidui_region_current(${id}) IS NOT NULL`)} END`;

/**
 * The valid IDs of the father and mother a child's record lists, for the linkage's `parents` comparison: the
 * registry row's 父亲 / 母亲, a school record's guardian whose relation is 父亲 / 母亲. Two records of one child list
 * the same parents; a registered child and a homonym's school record (same name, a birth date that could be a typo)
 * do not. Not a number ending in 000 (a spreadsheet's cut). Other mentions: NULL.
 */
const CHILD_PARENTS: Record<string, { role: string; father: string; mother: string }> = {
  registry: { role: 'child', father: "CASE WHEN #father_id_number_valid THEN #father_id_number END", mother: "CASE WHEN #mother_id_number_valid THEN #mother_id_number END" },
  enrollment: {
    role: 'subject',
    father: "CASE WHEN #guardian1_relation = 'FATHER' AND #guardian1_id_number_valid THEN #guardian1_id_number WHEN #guardian2_relation = 'FATHER' AND #guardian2_id_number_valid THEN #guardian2_id_number END",
    mother: "CASE WHEN #guardian1_relation = 'MOTHER' AND #guardian1_id_number_valid THEN #guardian1_id_number WHEN #guardian2_relation = 'MOTHER' AND #guardian2_id_number_valid THEN #guardian2_id_number END",
  },
};
function parentIds(spec: FeedSpec, role: string): [string, string] {
  const cp = CHILD_PARENTS[spec.feed];
  if (!cp || cp.role !== role) return ['NULL::VARCHAR', 'NULL::VARCHAR'];
  const valid = (x: string) => {
    const v = x.replaceAll('#', 't.');
    return `CASE WHEN right(${v}, 3) <> '000' THEN ${v} END`;
  };
  return [valid(cp.father), valid(cp.mother)];
}

/** A mention's uid: batch_id << 32 | src_row << 3 | role index (stable; unique across feeds, batch ids being per file). */
const uidSql = (t: string, roleIndex: number) => `((${t}.batch_id::BIGINT << 32) | (${t}.src_row::BIGINT << 3) | ${roleIndex})::BIGINT`;

/**
 * The uid of the mention of `role` in row `t` (batch_id, src_row) of `feed`: a record's guardian or child looked up
 * in mentions and persons by one BIGINT, not by four columns (at province size each such join took a minute or more).
 */
export function mentionUidSql(t: string, feed: string, role: string): string {
  const index = (FEED_SPECS as Record<string, FeedSpec | undefined>)[feed]?.people.findIndex((p) => p.role === role) ?? -1;
  if (index < 0) throw new Error(`mentionUidSql: feed ${feed} names no ${role}`);
  return uidSql(t, index);
}

/**
 * The rows of mentions or persons (both carry feed and role) of some feeds' roles (SQL lists of literals): a join on
 * uid with the whole table probes all of its rows (23.5M at province size) for the few millions of one role;
 * filtered in the scan, only those.
 */
export const ofRoles = (table: 'mentions' | 'persons', feeds: string, roles: string) => `(SELECT * FROM ${table} WHERE feed IN (${feeds}) AND role IN (${roles}))`;

/**
 * The parts of a valid ID that the store also keeps in sealed columns (`<id>_birth_date` …), from its digits as
 * pipeline/identity normalizeId derives them (tests/matchers/mentions-id.test.ts compares the two): the birth date,
 * the sex (none for a number ending in 000, as likely a spreadsheet's cut), the address code and the counties it
 * maps to today (`r`: its row of the region table).
 */
const FROM_VALID_ID: Record<string, (id: string, r: string) => string> = {
  _birth_date: (id) => `try_strptime(substr(${id}, 7, 8), '%Y%m%d')::DATE`,
  _gender: (id) => `CASE WHEN right(${id}, 3) = '000' THEN NULL WHEN (ascii(substr(${id}, 17, 1)) - 48) % 2 = 1 THEN 'M' ELSE 'F' END`,
  _region: (id) => `substr(${id}, 1, 6)`,
  _region_current: (_id, r) => `${r}.current`,
};

function roleSelect(spec: FeedSpec, roleIndex: number): string {
  const p = spec.people[roleIndex]!;
  const c = (key: string) => `t.${quoteIdent(key)}`;
  const n = (form: string) => `nf.${form}`;
  // ID sources: the ID column as stored, or, for the subject of a disability certificate, the valid ID its
  // certificate number carries when the column is empty, invalid or says another number (FEEDS.md: the
  // certificate is issued on the ID; a wrong digit typed into the ID column does not reach it).
  const fromCertificate = spec.feed === 'disability' && p.id === 'id_number' && spec.fields.some((f) => f.key === 'certificate_no');
  const cert = `t."id_number$certificate"`;
  const useCert = fromCertificate ? `(${cert} IS NOT NULL AND ${cert} IS DISTINCT FROM ${c(p.id)})` : 'false';
  const certPart: Record<string, string> = {
    '': cert,
    _valid: 'true',
    _damaged: 'false',
    // The certificate's ID is a valid one: what it says is read as a valid ID column's is (no sex for one ending in 000).
    _birth_date: FROM_VALID_ID._birth_date!(cert, ''),
    _gender: FROM_VALID_ID._gender!(cert, ''),
    _region: FROM_VALID_ID._region!(cert, ''),
  };
  // What a valid ID says is read from its digits (FROM_VALID_ID), not opened from the sealed columns the store keeps
  // beside it: each sealed value crosses into JavaScript one by one (an incarceration record opened 7.4 of them).
  const idPart = (suffix: string) =>
    suffix in FROM_VALID_ID ? `CASE WHEN ${c(p.id + '_valid')} THEN ${FROM_VALID_ID[suffix]!(c(p.id), 'idr')} ELSE ${c(p.id + suffix)} END` : c(p.id + suffix);
  const id = (suffix: string) => (fromCertificate && suffix in certPart ? `CASE WHEN ${useCert} THEN ${certPart[suffix]} ELSE ${idPart(suffix)} END` : idPart(suffix));
  // The record's own region column describes its subject (the registry child, the deceased), not the
  // parents or guardians named in the same row.
  const hasRegion = !!p.birthDate && spec.fields.some((f) => f.key === 'region_code');
  const recordRegion = hasRegion ? c('region_code_county') : 'NULL::VARCHAR';
  // What an ID says (birth date, sex, address code) counts only when its digits can be trusted: a valid ID,
  // or the surviving leading digits of a spreadsheet-damaged one. An ID with a wrong check digit may carry
  // the error in exactly those digits, and the ID comparison already weighs it.
  const trusted = `(coalesce(${id('_valid')}, false) OR coalesce(${id('_damaged')}, false))`;
  const fromId = (suffix: string) => `CASE WHEN ${trusted} THEN ${id(suffix)} END`;
  // Subjects carry their own birth date and sex columns (the store already fills them from a valid ID). When
  // the certificate's ID replaces a valid ID column, a value the store derived from that column gives way.
  const own = (col: string, suffix: string) =>
    fromCertificate
      ? `CASE WHEN ${useCert} AND coalesce(${c(p.id + '_valid')} AND ${c(col)} = ${idPart(suffix)}, false) THEN NULL ELSE ${c(col)} END`
      : c(col);
  const birth = p.birthDate ? `coalesce(${own(p.birthDate, '_birth_date')}, ${fromId('_birth_date')})` : fromId('_birth_date');
  const gender = p.gender ? `coalesce(${own(p.gender, '_gender')}, ${fromId('_gender')})` : fromId('_gender');
  const region6 = `coalesce(${fromId('_region')}, ${recordRegion})`;
  const county = fromCertificate
    ? `CASE WHEN ${useCert} THEN bidui_region_current(${cert}) ELSE ${fromId('_region_current')}[1] END`
    : `${fromId('_region_current')}[1]`;
  // The stored (sealed) rows, opened here column by column rather than through the feed's view: the name stays
  // sealed and finds its plain text and forms in name_forms by its sealed text (equal values seal alike), and the
  // filter reads sealed columns (NULL stays NULL). Each value is opened at most once.
  const stored = sealedTable(spec.table);
  const derived = new Set(Object.keys(FROM_VALID_ID).map((suffix) => p.id + suffix));
  const opened = stored.columns
    .filter((col) => col.name !== p.name)
    .map((col) => {
      const open = openExpr(col, quoteIdent(col.name));
      return `${derived.has(col.name) ? `CASE WHEN NOT coalesce(${quoteIdent(p.id + '_valid')}, false) THEN ${open} END` : open} AS ${quoteIdent(col.name)}`;
    });
  const [name, idCol] = [quoteIdent(p.name), quoteIdent(p.id)];
  const rows = `(SELECT * REPLACE (${opened.join(', ')}), ${name} AS "name$sealed", ${idCol} AS "id$sealed"
    FROM ${quoteIdent(stored.table)} WHERE ${name} IS NOT NULL OR ${idCol} IS NOT NULL${fromCertificate ? ' OR certificate_no IS NOT NULL' : ''})`;
  const from = fromCertificate ? `(SELECT *, ${certificateId('d')} AS "id_number$certificate" FROM ${rows} AS d)` : rows;
  const present = fromCertificate ? `(t."name$sealed" IS NOT NULL OR t."id$sealed" IS NOT NULL OR ${cert} IS NOT NULL)` : 'true';
  return `SELECT
  ${uidSql('t', roleIndex)} AS uid,
  ${lit(spec.feed + ':')} || t.batch_id || ':' || t.src_row || ${lit(':' + p.role)} AS mention_key,
  ${lit(spec.feed)} AS feed, ${lit(p.role)} AS role, t.batch_id, t.src_row,
  coalesce(${n('name')}, bidui_open(t."name$sealed")) AS name_raw, ${n('norm')} AS name_norm, ${n('simplified')} AS name_simp, ${n('pinyin')} AS name_pinyin,
  ${n('pinyin_alts')} AS name_alts, nullif(${n('surname')}, '') AS name_surname, ${n('given')} AS name_given, ${n('tokens')} AS name_tokens,
  ${id('')} AS id, coalesce(${id('_valid')}, false) AS id_valid, coalesce(${id('_damaged')}, false) AS id_damaged,
  NOT ${useCert} AND coalesce(list_contains(${c(p.id + '_issues')}, 'UPGRADED_15'), false) AS id_15,
  ${useCert} AS id_from_certificate,
  ${id('_birth_date')} AS id_birth_date, ${id('_region')} AS id_region,
  ${birth} AS birth_date, ${gender} AS gender,
  ${region6} AS region6,
  ${parentIds(spec, p.role).map((x, i) => `${x} AS ${i ? 'mother_id' : 'father_id'}`).join(', ')},
  ${county} AS id_county
FROM ${from} AS t LEFT JOIN name_forms AS nf ON nf.name_sealed = t."name$sealed"
LEFT JOIN ${REGION_TABLE} AS idr ON idr.code = CASE WHEN ${c(p.id + '_valid')} THEN substr(${c(p.id)}, 1, 6) END
WHERE ${present}`;
}

/**
 * The name and ID of every mention as its feed row stores them, sealed: what the mentions kept for later processes
 * hold (persistWorkTable's `sealedAlready`), without sealing two values a mention again. A disability record's
 * subject whose ID comes from its certificate number (id_from_certificate) has another ID than its row's.
 */
export function storedMentionText(): { sql: string; columns: Record<string, string> } {
  const parts = Object.values(FEED_SPECS).flatMap((spec) =>
    spec.people.map((p, i) => `SELECT ${uidSql('t', i)} AS uid, t.${quoteIdent(p.name)} AS name_raw, t.${quoteIdent(p.id)} AS id FROM ${quoteIdent(sealedTable(spec.table).table)} AS t`),
  );
  return { sql: parts.join('\nUNION ALL\n'), columns: { name_raw: 's.name_raw', id: 'CASE WHEN NOT w.id_from_certificate THEN s.id END' } };
}

/**
 * The feeds whose people are persons of interest (deduplicated) and the link-only rosters (linked to them),
 * from the feed specs' `linkOnly`: a feed added to FEED_SPECS is a person-of-interest feed unless it says so.
 */
export function interestFeeds(): InterestFeeds {
  const specs = Object.values(FEED_SPECS);
  return { anchors: specs.filter((f) => !f.linkOnly).map((f) => f.feed), linkOnly: specs.filter((f) => f.linkOnly).map((f) => f.feed) };
}

/**
 * Creates the mentions table (needs bidui_region_current: ensureMatchFunctions). `uid` = batch_id << 32 |
 * src_row << 3 | role index (stable). `where` optionally restricts the feed rows (e.g. to some batches), as
 * SQL over t.batch_id / t.src_row.
 *
 * One statement per feed role, not one UNION ALL of them: each role joins the name forms, and DuckDB keeps the
 * hash tables of a union's joins side by side; at province size under a 2.5 GB memory limit that statement failed
 * ("failed to pin block"), where one join at a time spills.
 */
export function mentionsStages(table = 'mentions', opts: { where?: string } = {}): Stage[] {
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
  const regions = 'mention_regions';
  const select = (part: string) => `SELECT base.* EXCLUDE (id_county),
  coalesce(base.id_county, reg.cur, base.region6) AS county,
  CASE WHEN name_simp LIKE '%·%' THEN replace(name_simp, '·', '') ELSE name_simp END AS name_nodots,
  replace(name_pinyin, '.', '') AS name_pinyin_nodots,
  strftime(birth_date, '%Y%m%d') AS birth_ymd
FROM (
${part}
) AS base LEFT JOIN ${regions} AS reg USING (region6)`;
  return [
    {
      name: 'mention_regions',
      outputTable: regions,
      sql: `CREATE OR REPLACE TABLE ${regions} AS SELECT region6, bidui_region_current(region6) AS cur FROM (${regionSources.join(' UNION ')}) WHERE region6 IS NOT NULL`,
    },
    { name: 'mentions', outputTable: table, sql: `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS ${select(parts[0]!)}` },
    ...parts.slice(1).map((part) => ({ name: 'mentions', outputTable: table, sql: `INSERT INTO ${quoteIdent(table)} ${select(part)}` })),
    { name: 'mention_regions_drop', sql: `DROP TABLE ${regions}` },
  ];
}
