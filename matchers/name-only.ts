// Name-only guardian links (issue 14, class 1): school registries often list a student's father or mother
// by name alone. After the Fellegi-Sunter clustering, this deterministic and conservative stage links such a
// guardian to the subject of a death, restriction, disability, court, lost-contact or illness record when the
// evidence around the name makes it safe: the household (the student's county and the listed parents' names), the
// relation (a father is male), a plausible age at the student's birth, a name rare enough in the area and in the
// store, and exactly one candidate each way. The link carries a lower, fixed probability and is marked
// (person_links.basis = 'name_only') so that the flags resting on it show it. Parameters: settings/name-only.json.
// Pure builders; identity.ts runs them on the merged result (never inside a match partition). A parent that another
// record of the same household (a sibling's, or the same student's in another delivery) lists with an ID outweighs
// the name: the name-only mention joins that person, and a record subject of the same name who is another person
// is a homonym, not a rival candidate; so is a record subject whom another household lists with an ID as its parent.
// A school record's guardian with two or three candidates that nothing tells apart is linked to none; its candidates
// (name_only_alternatives) go to the rules, which raise what holds whichever it is.
import { z } from 'zod';
import { lit, sealedTable } from '../pipeline/store/index.js';
import { mentionUidSql, ofRoles } from './mentions.js';
import { shippedSettingsText } from './settings.js';
import { dropStage } from './sql.js';
import type { Stage } from './stage.js';

const ageRange = z.tuple([z.number().int().min(0), z.number().int().min(0)]).refine(([a, b]) => a <= b, { message: 'age range: min > max' });

export const nameOnlySettingsSchema = z
  .object({
    /** Run the stage at all. */
    enabled: z.boolean(),
    /** The match probability a name-only link carries at most (person_links, the evidence's score, the flag's score). */
    matchProbability: z.number().gt(0).lt(1),
    /** Feeds whose subjects are candidates: a record about a parent (death, restriction, disability, a judgment, a lost contact, an illness). */
    eventFeeds: z.array(z.enum(['death', 'incarceration', 'disability', 'court', 'lost_contact', 'illness'])).min(1),
    /** Plausible age (full years) of a father / mother at the student's birth, inclusive: the widest window. */
    parentAge: z.object({ FATHER: ageRange, MOTHER: ageRange }).strict(),
    /**
     * The window narrows to the ages at which this central share of the store's fathers (mothers) listed with a valid ID
     * had their children (1: all of them) ...
     */
    parentAgeCoverage: z.number().gt(0).lte(1),
    /** ... once the store lists at least this many of them. */
    parentAgeMinParents: z.number().int().min(1),
    /**
     * A link's probability is lowered to the share of the store's parents listed with a valid ID who, looked up by name
     * alone, found their own record (see linkProbability) once this many were looked up with one candidate of the feed.
     */
    calibrationMinParents: z.number().int().min(1),
    /**
     * At most about this many of those parents (of a rare name) are looked up: beyond it, a sample by a hash of the
     * mention (the share is a proportion, which this many measure as well as millions; at province size the lookup of
     * all 6.8M took a sixth of the stage). A stratum (relation, feed) of fewer than calibrationMinParents in the sample
     * keeps matchProbability.
     */
    calibrationMaxParents: z.number().int().min(1),
    /** A parent cannot have died more than this many days before the child's birth (a mother: 0; a father: a pregnancy). */
    diedBeforeBirthDays: z.object({ FATHER: z.number().int().min(0), MOTHER: z.number().int().min(0) }).strict(),
    /** The candidate lives where the student does: same county (6 digits, today's code) or same city (4). */
    area: z.enum(['county', 'city']),
    /**
     * A student whose records say no county (an ID with a wrong digit, no registry row) lives in the county of its
     * school: the county of at least this share of the school's students whose IDs say one ...
     */
    schoolCountyShare: z.number().gt(0.5).lte(1),
    /** ... when at least this many of them do. */
    schoolCountyMinStudents: z.number().int().min(1),
    /** At most this many other persons of the store with the same name (and a compatible sex) in the area. */
    maxNamesakes: z.number().int().min(0),
    /**
     * A school record's guardian with two to this many candidates (each passing every test but uniqueness) is linked
     * to none, and the rules raise what holds whichever candidate it is (name_only_alternatives). 1: never.
     */
    maxCandidates: z.number().int().min(1),
    /** At most this share of the store's named mentions carry the name (term frequency) ... */
    maxNameShare: z.number().gt(0).lte(1),
    /** ... a share the stage estimates only from a store with at least this many named mentions. */
    nameShareMinMentions: z.number().int().min(0),
  })
  .strict();
export type NameOnlySettings = z.infer<typeof nameOnlySettingsSchema>;

/** The shipped name-only settings (settings/name-only.json), validated. */
export function nameOnlySettings(): NameOnlySettings {
  return nameOnlySettingsSchema.parse(JSON.parse(shippedSettingsText('name-only')));
}

/**
 * Sex, birth date and county of each person of \`persons\` (SQL selecting person_id), from those of its mentions that
 * say them (a mention of its own ID or columns), when they agree.
 */
const personAttrs = (persons: string) => `SELECT p.person_id,
    CASE WHEN count(DISTINCT m.gender) = 1 THEN any_value(m.gender) END AS gender,
    CASE WHEN count(DISTINCT m.birth_date) = 1 THEN any_value(m.birth_date) END AS birth_date,
    CASE WHEN count(DISTINCT m.county) = 1 THEN any_value(m.county) END AS county
  FROM persons p JOIN mentions m ON m.uid = p.uid
  WHERE p.person_id IN (${persons})
  GROUP BY p.person_id`;

/**
 * The counties a mention's address code stands for today (`rl`: a LEFT JOIN of region_lists on
 * regionCode(m)), else its own county. An old ID keeps a retired code whose area went to several counties:
 * a parent born there may live in any of them, so the area comparisons below take all of them (the mention's
 * `county` is the first).
 */
const countiesOf = (m: string, rl: string) => `coalesce(${rl}.counties, CASE WHEN ${m}.county IS NOT NULL THEN [${m}.county] END)`;
/**
 * The address code a mention's counties come from: its record's or its trusted ID's (region6), else the first six
 * digits of an ID that fails its check (a wrong digit elsewhere leaves them right; a wrong one among them seldom
 * names a county, and one that is not the parent's gives no candidate rather than a wrong one).
 */
const regionCode = (m: string) => `coalesce(${m}.region6, CASE WHEN NOT ${m}.id_damaged THEN ${m}.id_region END)`;
/**
 * The birth year an 18-digit ID's digits say: its year, or, when the year is not one (6996, 1587: a wrong digit in
 * its first two), the one 19xx or 20xx a single digit away.
 */
const idYear = (m: string) => {
  const yy = `substr(${m}.id, 7, 2)`;
  const century = (c: string, other: string) => `hamming(${yy}, '${c}') = 1 AND hamming(${yy}, '${other}') <> 1`;
  return `CASE WHEN TRY_CAST(substr(${m}.id, 7, 4) AS INTEGER) BETWEEN 1900 AND 2100 THEN substr(${m}.id, 7, 4)::INTEGER
      WHEN TRY_CAST(substr(${m}.id, 9, 2) AS INTEGER) IS NULL THEN NULL
      WHEN ${century('19', '20')} THEN ('19' || substr(${m}.id, 9, 2))::INTEGER
      WHEN ${century('20', '19')} THEN ('20' || substr(${m}.id, 9, 2))::INTEGER END`;
};
/**
 * What an ID that fails its check still says, for a mention that says nothing else: birth date and sex from its
 * digits. A wrong digit in the year, month or day leaves no date; its year (idYear) still places the person in a
 * generation (the middle of that year: the parent-age test is years wide).
 */
const untrustedBirth = (m: string) => `CASE WHEN NOT ${m}.id_valid AND NOT ${m}.id_damaged THEN coalesce(${m}.id_birth_date,
    CASE WHEN length(${m}.id) = 18 THEN make_date(${idYear(m)}, 7, 1) END) END`;
const untrustedSex = (m: string) =>
  `CASE WHEN NOT ${m}.id_valid AND NOT ${m}.id_damaged AND length(${m}.id) = 18 THEN CASE WHEN (ascii(substr(${m}.id, 17, 1)) - 48) % 2 = 1 THEN 'M' ELSE 'F' END END`;
/**
 * The areas of a county list, one per row (`unnest`): its counties, or (area 'city') their cities. Two lists share an
 * area when an area row of one equals one of the other: the joins below are equi-joins on (reading, area), so their
 * cost grows with the namesakes of one area, not with the namesakes of the whole store.
 */
const areaRows = (area: 'county' | 'city', counties: string) =>
  area === 'county' ? `unnest(${counties})` : `unnest(list_distinct(list_transform(${counties}, x -> left(x, 4))))`;

/**
 * A parent listed with an ID that fails its check (a wrong digit, two swapped) is not named by the name alone: its
 * digits still say who it is. Its candidate must carry an ID at most two digits away (the first 14, address and birth
 * date, at most one away when either ends in the 000 of a spreadsheet cut), or, without an ID, the birth date the
 * digits say give or take one digit. On the synthetic province nearly every name-only link against this was a namesake's.
 */
const idDigitsAgree = (gid: string, cid: string, cBirth: string) => `(${gid} IS NULL OR length(${gid}) <> 18 OR CASE
      WHEN ${cid} IS NOT NULL AND length(${cid}) = 18 THEN
        CASE WHEN right(${gid}, 3) = '000' OR right(${cid}, 3) = '000' THEN hamming(left(${gid}, 14), left(${cid}, 14)) <= 1
        ELSE hamming(left(${gid}, 17), left(${cid}, 17)) <= 2 END
      WHEN ${cBirth} IS NOT NULL THEN hamming(substr(${gid}, 7, 8), strftime(${cBirth}, '%Y%m%d')) <= 1
      ELSE true END)`;

/** The parents a school record or a registry row lists (listed's uid), and the children they are listed beside (child_uid). */
const listedParents = (table: 'mentions' | 'persons') => ofRoles(table, `'enrollment', 'registry'`, `'guardian1', 'guardian2', 'father', 'mother'`);
const listedChildren = (table: 'mentions' | 'persons') => ofRoles(table, `'enrollment', 'registry'`, `'subject', 'child'`);
const pupils = (table: 'mentions' | 'persons') => ofRoles(table, `'enrollment'`, `'subject'`);

/**
 * `name_only_parents`: every father or mother a school record or registry row lists, with its child and household;
 * then `name_only_candidates`: every record subject (or parent another record lists with an ID: listed) that could be
 * a guardian or registry parent listed by name alone, with the tests' inputs (rare, namesakes, households, persons).
 * Needs mentions, persons, feed_enrollment and feed_registry. The parents are a table, not a CTE of the candidates'
 * statement: eight parts of it read them, and a materialized CTE is read whole, every column, each time (at the
 * adversarial province 10.7M rows of 20 columns, scanned for 81 s of the statement's operator time).
 */
export function nameOnlyCandidatesStages(s: NameOnlySettings): Stage[] {
  const feeds = s.eventFeeds.map(lit).join(', ');
  const [fMin, fMax] = s.parentAge.FATHER;
  const [mMin, mMax] = s.parentAge.MOTHER;
  const tail = (1 - s.parentAgeCoverage) / 2;
  // Alive at the child's conception: no death dated more than diedBeforeBirthDays before the birth.
  const aliveAt = (death: string, rel: string, birth: string) =>
    `(${death} IS NULL OR ${death} >= ${birth} - CASE ${rel} WHEN 'FATHER' THEN ${s.diedBeforeBirthDays.FATHER} ELSE ${s.diedBeforeBirthDays.MOTHER} END)`;
  // The same name: the same simplified form, or (a homophone written for a given-name character) the same surname
  // and the same toneless reading. Joins go through the reading, which both forms share.
  const sameName = (a: string, b: string) => `(${a}.name = ${b}.name OR ${a}.surname = ${b}.surname)`;
  // Record subject c could be the father (mother) g names: the same name, not the parent that another household lists
  // with an ID, the sex of the relation (or none said), a plausible age at the child's birth (age_window w), alive then.
  const couldBeParent = `${sameName('c', 'g')}
    AND NOT EXISTS (SELECT 1 FROM id_claims ic WHERE ic.person_id = c.person_id AND ic.relation = g.relation AND ic.household <> g.household)
    AND (c.gender IS NULL OR c.gender = CASE g.relation WHEN 'FATHER' THEN 'M' ELSE 'F' END)
    AND c.birth_date IS NOT NULL
    AND date_sub('year', c.birth_date, g.child_birth) BETWEEN w.lo AND w.hi
    AND ${aliveAt('c.death_date', 'g.relation', 'g.child_birth')}`;
  // The parents listed with a valid ID (and a rare name) that the calibration looks up (self_test).
  const idParent = `id_birth IS NOT NULL AND name <> '' AND pinyin IS NOT NULL AND county IS NOT NULL AND child_birth IS NOT NULL`;
  const parents = `CREATE OR REPLACE TABLE name_only_parents AS
WITH listed AS (
  -- Every father or mother a record lists beside a child, whatever its ID: the guardians of a school record
  -- (the student is the record's subject) and the parents of a registry row (the registered child).
  -- uid: the parent's mention; child_uid: the child's (one BIGINT each, not four columns).
  SELECT ${mentionUidSql('t', 'enrollment', 'guardian1')} AS uid, guardian1_relation AS relation, ${mentionUidSql('t', 'enrollment', 'subject')} AS child_uid FROM feed_enrollment t WHERE guardian1_relation IN ('FATHER', 'MOTHER')
  UNION ALL
  SELECT ${mentionUidSql('t', 'enrollment', 'guardian2')}, guardian2_relation, ${mentionUidSql('t', 'enrollment', 'subject')} FROM feed_enrollment t WHERE guardian2_relation IN ('FATHER', 'MOTHER')
  UNION ALL
  SELECT ${mentionUidSql('t', 'registry', 'father')}, 'FATHER', ${mentionUidSql('t', 'registry', 'child')} FROM feed_registry t
  UNION ALL
  SELECT ${mentionUidSql('t', 'registry', 'mother')}, 'MOTHER', ${mentionUidSql('t', 'registry', 'child')} FROM feed_registry t
),
region_lists AS (
  -- Every address code with the counties it maps to today (the identity module's table, bidui_regions).
  SELECT code, current AS counties FROM bidui_regions WHERE len(current) > 0
),
child_attrs AS (
  -- A child whose own record says no county or birth date (a school record whose student ID has a wrong digit)
  -- takes them from the other records of its person (its registry row, a school record with a valid ID).
  ${personAttrs(`SELECT sp.person_id FROM ${pupils('mentions')} s JOIN ${pupils('persons')} sp ON sp.uid = s.uid
    WHERE s.feed = 'enrollment' AND s.role = 'subject' AND (s.county IS NULL OR s.birth_date IS NULL)`)}
),
school_county AS (
  -- A school's county: the county of most of its students whose IDs say one (a school code is compared sealed).
  SELECT school_code, arg_max(county, n) AS county FROM (
    SELECT e.school_code, s.county, count(*) AS n, sum(count(*)) OVER (PARTITION BY e.school_code) AS students
    FROM ${sealedTable('feed_enrollment').table} e
    JOIN ${pupils('mentions')} s ON s.uid = ${mentionUidSql('e', 'enrollment', 'subject')}
    WHERE e.school_code IS NOT NULL AND s.county IS NOT NULL AND (s.id_valid OR s.id_damaged)
    GROUP BY e.school_code, s.county
  ) GROUP BY school_code
  HAVING max(n) >= ${s.schoolCountyShare} * any_value(students) AND any_value(students) >= ${s.schoolCountyMinStudents}
),
student_school AS (
  SELECT ${mentionUidSql('e', 'enrollment', 'subject')} AS uid, sc.county FROM ${sealedTable('feed_enrollment').table} e JOIN school_county sc USING (school_code)
),
g00 AS (
  SELECT gm.uid, gm.mention_key, gm.feed, gm.batch_id, gm.src_row, l.relation, gm.name_nodots AS name, gm.name_surname AS surname,
    gm.name_pinyin_nodots AS pinyin, (gm.id_valid OR gm.id_damaged) AS has_id, gm.id AS gid, CASE WHEN gm.id_valid THEN gm.birth_date END AS id_birth, gp.person_id, gp.cluster_size,
    coalesce(s.county, ca.county, crl.counties[1], ss.county) AS county,
    coalesce(CASE WHEN s.county IS NOT NULL THEN ${countiesOf('s', 'crl')} END, CASE WHEN ca.county IS NOT NULL THEN [ca.county] END,
      nullif(list_distinct(coalesce(crl.counties, []) || coalesce([ss.county], [])), [])) AS counties,
    coalesce(s.birth_date, ca.birth_date, ${untrustedBirth('s')}) AS child_birth, sp.person_id AS child_person
  FROM listed l
  JOIN ${listedParents('mentions')} gm ON gm.uid = l.uid
  JOIN ${listedParents('persons')} gp ON gp.uid = l.uid
  LEFT JOIN ${listedChildren('mentions')} s ON s.uid = l.child_uid
  LEFT JOIN ${listedChildren('persons')} sp ON sp.uid = l.child_uid
  LEFT JOIN child_attrs ca ON ca.person_id = sp.person_id
  LEFT JOIN region_lists crl ON crl.code = ${regionCode('s')}
  LEFT JOIN student_school ss ON ss.uid = l.child_uid
),
household AS (
  -- The child's county and the readings of the listed parents' names: siblings, one child delivered again, and a
  -- record that writes a parent's name with a homophone or a traditional form share it.
  SELECT feed, batch_id, src_row,
    coalesce(any_value(county), '') || '|' || coalesce(max(pinyin) FILTER (WHERE relation = 'FATHER'), '') || '|' || coalesce(max(pinyin) FILTER (WHERE relation = 'MOTHER'), '') AS household
  FROM g00 GROUP BY feed, batch_id, src_row
)
SELECT g00.*, h.household FROM g00 JOIN household h USING (feed, batch_id, src_row)`;
  const sql = `CREATE OR REPLACE TABLE name_only_candidates AS
WITH region_lists AS (
  -- Every address code with the counties it maps to today (the identity module's table, bidui_regions).
  SELECT code, current AS counties FROM bidui_regions WHERE len(current) > 0
),
age_window AS (
  -- A plausible age at the child's birth: within parentAge, the central parentAgeCoverage of the ages at which the
  -- store's parents of that relation listed with a valid ID had their children. A namesake decades older (a death
  -- among the elderly) is then neither a candidate nor a rival.
  SELECT w.relation, CASE WHEN a.n >= ${s.parentAgeMinParents} THEN greatest(w.lo, a.lo) ELSE w.lo END AS lo,
    CASE WHEN a.n >= ${s.parentAgeMinParents} THEN least(w.hi, a.hi) ELSE w.hi END AS hi
  FROM (VALUES ('FATHER', ${fMin}, ${fMax}), ('MOTHER', ${mMin}, ${mMax})) w(relation, lo, hi)
  LEFT JOIN (
    SELECT relation, count(*) AS n, quantile_disc(age, ${tail}) AS lo, quantile_disc(age, ${1 - tail}) AS hi
    FROM (SELECT relation, date_sub('year', id_birth, child_birth) AS age FROM name_only_parents WHERE id_birth IS NOT NULL AND child_birth IS NOT NULL)
    GROUP BY relation
  ) a USING (relation)
),
g AS (
  -- Name-only parents: a name, no usable ID, linked to nobody, a child with a county and a birth date.
  SELECT * FROM name_only_parents
  WHERE NOT has_id AND cluster_size = 1 AND name IS NOT NULL AND name <> '' AND pinyin IS NOT NULL AND county IS NOT NULL AND child_birth IS NOT NULL
),
deaths AS (
  SELECT p.person_id, min(d.death_date) AS death_date
  FROM feed_death d JOIN ${ofRoles('persons', `'death'`, `'subject'`)} p ON p.uid = ${mentionUidSql('d', 'death', 'subject')}
  WHERE d.death_date IS NOT NULL GROUP BY p.person_id
),
subject_persons AS (
  SELECT DISTINCT p.person_id FROM mentions m JOIN ${ofRoles('persons', feeds, `'subject'`)} p ON p.uid = m.uid
  WHERE m.role = 'subject' AND m.feed IN (${feeds}) AND p.cluster_size > 1 AND (m.gender IS NULL OR m.birth_date IS NULL OR m.county IS NULL)
),
cand_attrs AS (
  -- A record that leaves out the sex, birth date or county of its subject (no sex column filled, an ID with a wrong
  -- digit) takes them from the other records of the same person: a true parent whose record lacks them would
  -- otherwise drop out and leave a namesake as the only candidate.
  ${personAttrs('SELECT person_id FROM subject_persons')}
),
cand AS (
  -- A record whose ID fails its check and that says nothing else of its subject takes what the ID's digits say.
  SELECT * FROM (
    SELECT m.uid, m.mention_key, m.feed, m.name_nodots AS name, m.name_surname AS surname, m.name_pinyin_nodots AS pinyin, m.id AS cid,
      coalesce(m.gender, pa.gender, ${untrustedSex('m')}) AS gender, coalesce(m.birth_date, pa.birth_date, ${untrustedBirth('m')}) AS birth_date,
      coalesce(CASE WHEN m.county IS NOT NULL THEN ${countiesOf('m', 'rl')} END, CASE WHEN pa.county IS NOT NULL THEN [pa.county] END, rl.counties) AS counties,
      p.person_id, dd.death_date
    FROM mentions m JOIN ${ofRoles('persons', feeds, `'subject'`)} p ON p.uid = m.uid LEFT JOIN deaths dd ON dd.person_id = p.person_id
    LEFT JOIN cand_attrs pa ON pa.person_id = p.person_id
    LEFT JOIN region_lists rl ON rl.code = ${regionCode('m')}
    WHERE m.role = 'subject' AND m.feed IN (${feeds}) AND m.name_pinyin_nodots IS NOT NULL
  ) WHERE counties IS NOT NULL
),
-- The parents that households list with an ID (one-to-one per role: another household's father is not this one's).
id_claims AS (SELECT DISTINCT person_id, relation, household FROM name_only_parents WHERE has_id AND county IS NOT NULL),
share AS (
  SELECT name_nodots AS name, count(*) AS n, sum(count(*)) OVER () AS total
  FROM mentions WHERE name_nodots IS NOT NULL AND name_nodots <> '' GROUP BY name_nodots
),
rare AS (
  -- A name rare enough in the store (term frequency), once the store is large enough to say.
  SELECT name, n <= ${s.maxNameShare} * total OR total < ${s.nameShareMinMentions} AS rare FROM share
),
-- Only a rare name is looked up among the record subjects: a common one links to none of them (and pairing its
-- guardians with its subjects, area by area, grows with the square of the store).
g_area AS (SELECT g.*, ${areaRows(s.area, 'counties')} AS area FROM g SEMI JOIN rare r ON r.name = g.name AND r.rare),
cand_area AS (SELECT *, ${areaRows(s.area, 'counties')} AS area FROM cand),
qa AS (
  -- Record subjects: same name, same area, the sex of the relation (or none said), a plausible age at the child's birth.
  SELECT DISTINCT g.uid AS g_uid, g.mention_key AS g_key, g.feed AS g_feed, g.relation, g.household, g.counties AS g_counties, g.name, g.surname,
    g.pinyin, g.child_birth, c.uid AS c_uid, c.mention_key AS c_key, c.feed AS c_feed, c.person_id, CASE g.relation WHEN 'FATHER' THEN 'M' ELSE 'F' END AS c_gender,
    false AS listed
  FROM g_area g JOIN cand_area c ON c.pinyin = g.pinyin AND c.area = g.area JOIN age_window w ON w.relation = g.relation
  WHERE ${couldBeParent} AND ${idDigitsAgree('g.gid', 'c.cid', 'c.birth_date')}
  UNION ALL
  -- The parent that another record lists with an ID: a record of the same household, or another record of the
  -- same child (its registry row and its school record) naming a parent of that relation by the same name.
  SELECT DISTINCT g.uid, g.mention_key, g.feed, g.relation, g.household, g.counties, g.name, g.surname, g.pinyin, g.child_birth,
    k.uid, k.mention_key, k.feed, k.person_id, CASE g.relation WHEN 'FATHER' THEN 'M' ELSE 'F' END, true
  FROM g JOIN (
    SELECT g.uid AS g_uid, k.uid AS k_uid FROM g JOIN name_only_parents k ON k.household = g.household AND k.relation = g.relation WHERE k.has_id
    UNION
    SELECT g.uid, k.uid FROM g JOIN name_only_parents k ON k.child_person = g.child_person AND k.relation = g.relation AND k.pinyin = g.pinyin
    WHERE k.has_id AND ${sameName('k', 'g')}
  ) j ON j.g_uid = g.uid JOIN name_only_parents k ON k.uid = j.k_uid
  WHERE ${idDigitsAgree('g.gid', 'k.gid', 'NULL::DATE')}
),
q AS (
  -- The household outweighs the name: when a record of the same household (or of the same child) lists the parent
  -- with an ID, that person is the candidate and a record subject of the same name who is another person is a
  -- namesake (a homonym, issue 14 class 4), not a rival.
  SELECT * FROM qa WHERE listed OR g_uid NOT IN (SELECT g_uid FROM qa WHERE listed)
),
claims AS (
  -- Households that claim a person as their father (mother): the name-only candidates and the parents already linked.
  -- A record whose child has no county names no household of its own (it cannot be told apart from its siblings').
  -- Only the candidates' claims are counted (per_person is read for them): at province size the parents linked are
  -- 8.6M rows, the candidates' claims a fraction.
  SELECT person_id, relation, household FROM q
  UNION SELECT person_id, relation, household FROM name_only_parents WHERE county IS NOT NULL AND (person_id, relation) IN (SELECT person_id, relation FROM q)
),
id_parent AS (SELECT * FROM name_only_parents g0 SEMI JOIN rare r ON r.name = g0.name AND r.rare WHERE ${idParent}),
id_parent_area AS (
  SELECT *, ${areaRows(s.area, 'counties')} AS area FROM id_parent
  WHERE hash(uid) % 1000000 < 1000000.0 * ${s.calibrationMaxParents} / greatest(${s.calibrationMaxParents}, (SELECT count(*) FROM id_parent))
),
self_test AS (
  -- The parents listed with a valid ID, looked up as if they were listed by name alone: when exactly one record
  -- subject could be the parent, is it the parent's own record? (A namesake's record is what a name-only link risks.)
  SELECT g.uid, g.relation, any_value(g.person_id) AS own, min(c.feed) AS c_feed, count(DISTINCT c.person_id) AS persons,
    any_value(c.person_id) AS person_id
  FROM id_parent_area g JOIN cand_area c ON c.pinyin = g.pinyin AND c.area = g.area JOIN age_window w ON w.relation = g.relation
  WHERE ${couldBeParent}
  GROUP BY g.uid, g.relation
),
calibration AS (
  SELECT relation, c_feed, count(*) AS parents, count(*) FILTER (WHERE person_id = own) AS own_records
  FROM self_test WHERE persons = 1 GROUP BY relation, c_feed
),
q_area AS (
  -- The candidates the namesake test applies to: not listed by the household, a rare name.
  SELECT q.*, ${areaRows(s.area, 'q.g_counties')} AS area FROM q JOIN rare r ON r.name = q.name WHERE NOT q.listed AND r.rare
),
named AS MATERIALIZED (
  -- The mentions of a candidate's name (sameName: its reading and its name or surname), first and alone: below the
  -- joins, DuckDB joined every mention with its person and death before filtering; on the reading alone, a rare
  -- name's reading let in its common homophones (14M of the province's 23.5M mentions); with the OR in a join's
  -- condition it compared the two sides pair by pair.
  SELECT * FROM mentions
  WHERE (name_pinyin_nodots, name_nodots) IN (SELECT pinyin, name FROM q_area) OR (name_pinyin_nodots, name_surname) IN (SELECT pinyin, surname FROM q_area)
),
located AS (
  -- Every person of the store whose record says where it lives (as the candidates: an ID failing its check included).
  SELECT * FROM (
    SELECT m.name_nodots AS name, m.name_surname AS surname, m.name_pinyin_nodots AS pinyin, coalesce(m.gender, ${untrustedSex('m')}) AS gender,
      coalesce(m.birth_date, ${untrustedBirth('m')}) AS birth_date, coalesce(CASE WHEN m.county IS NOT NULL THEN ${countiesOf('m', 'rl')} END, rl.counties) AS counties,
      p.person_id, dd.death_date
    FROM named m
    JOIN persons p ON p.uid = m.uid LEFT JOIN deaths dd ON dd.person_id = p.person_id
    LEFT JOIN region_lists rl ON rl.code = ${regionCode('m')}
  ) WHERE counties IS NOT NULL
),
located_area AS (
  -- Only the (reading, area) pairs a candidate has: a reading is shared across the province, and the persons who
  -- carry it grow faster than the store (×3.2 for twice the adversarial medium's rows).
  SELECT * FROM (SELECT *, ${areaRows(s.area, 'counties')} AS area FROM located) SEMI JOIN (SELECT DISTINCT pinyin, area FROM q_area) USING (pinyin, area)
),
namesakes AS (
  -- Other persons of the same name in the area who could be this parent: the sex of the relation (or unknown), a
  -- plausible age at the child's birth (or unknown), and not the parent (same relation) that another household
  -- lists with an ID (one-to-one per role: that household's father is not this one's).
  SELECT q.g_uid, q.person_id, count(DISTINCT o.person_id) AS n
  FROM q_area q JOIN age_window w ON w.relation = q.relation
  JOIN located_area o ON o.pinyin = q.pinyin AND o.area = q.area AND ${sameName('o', 'q')}
    AND (o.gender IS NULL OR o.gender = q.c_gender) AND o.person_id <> q.person_id
    AND (o.birth_date IS NULL OR date_sub('year', o.birth_date, q.child_birth) BETWEEN w.lo AND w.hi)
    AND ${aliveAt('o.death_date', 'q.relation', 'q.child_birth')}
  WHERE NOT EXISTS (SELECT 1 FROM id_claims ic WHERE ic.person_id = o.person_id AND ic.relation = q.relation AND ic.household <> q.household)
  GROUP BY q.g_uid, q.person_id
),
per_person AS (SELECT person_id, relation, count(DISTINCT household) AS households FROM claims GROUP BY person_id, relation),
per_guardian AS (SELECT g_uid, count(DISTINCT person_id) AS persons FROM q GROUP BY g_uid)
-- Every candidate with what the tests of nameOnlyLinksFromCandidatesStage and nameOnlyAlternativesStage weigh.
SELECT q.*, r.rare, coalesce(ns.n, 0) AS namesakes, pp.households, pg.persons,
  coalesce(cal.parents, 0) AS calibration_parents, coalesce(cal.own_records, 0) AS calibration_own
FROM q
LEFT JOIN namesakes ns ON ns.g_uid = q.g_uid AND ns.person_id = q.person_id
LEFT JOIN calibration cal ON cal.relation = q.relation AND cal.c_feed = q.c_feed
JOIN rare r ON r.name = q.name
JOIN per_person pp ON pp.person_id = q.person_id AND pp.relation = q.relation
JOIN per_guardian pg ON pg.g_uid = q.g_uid`;
  return [
    { name: 'name_only_parents', outputTable: 'name_only_parents', sql: parents },
    { name: 'name_only_candidates', outputTable: 'name_only_candidates', sql },
    dropStage('name_only_parents_drop', 'name_only_parents'),
  ];
}

/**
 * The probability a name-only link carries (a row of name_only_candidates): matchProbability for the parent its household
 * lists with an ID; else, once calibrationMinParents of the store's parents listed with a valid ID were looked up by
 * name alone with one candidate of the feed (self_test), the share of them whose candidate was their own record (with
 * one pseudo-count each way), and never more than matchProbability.
 */
const linkProbability = (s: NameOnlySettings) =>
  `CASE WHEN listed OR calibration_parents < ${s.calibrationMinParents} THEN ${s.matchProbability}::DOUBLE
    ELSE least(${s.matchProbability}, (calibration_own + 1) / (calibration_parents + 2)) END`;

/**
 * `name_only_links`: one row per accepted link (g_uid / g_key: the guardian mention; c_uid / c_key: the record
 * subject's mention; person_id: the subject's person; relation; match_probability), from name_only_candidates.
 */
export function nameOnlyLinksFromCandidatesStage(s: NameOnlySettings): Stage {
  return {
    name: 'name_only_links',
    outputTable: 'name_only_links',
    sql: `CREATE OR REPLACE TABLE name_only_links AS
SELECT g_uid, g_key, g_feed, relation, arg_min(c_uid, c_key) AS c_uid, min(c_key) AS c_key, any_value(person_id) AS person_id,
  arg_min(${linkProbability(s)}, c_feed) AS match_probability
FROM name_only_candidates
-- The rarity filters weigh a name against the area; a parent the household lists with an ID needs none. One household
-- per person and role; one candidate person per parent (counted before the other filters: a second qualifying
-- namesake is doubt).
WHERE (listed OR rare AND namesakes <= ${s.maxNamesakes}) AND households = 1 AND persons = 1
GROUP BY g_uid, g_key, g_feed, relation`,
  };
}

/**
 * `name_only_alternatives` (g_uid: a school record's guardian listed by name alone; relation; person_id; match_probability):
 * the candidates of a guardian the stage links to none because two to maxCandidates record subjects pass every test
 * but uniqueness, and nobody else of the name could be the parent (each candidate's namesakes are the other
 * candidates). The guardian is one of them; the rules raise what holds whichever it is (rules/evaluate.ts).
 */
export function nameOnlyAlternativesStage(s: NameOnlySettings): Stage {
  return {
    name: 'name_only_alternatives',
    outputTable: 'name_only_alternatives',
    sql: `CREATE OR REPLACE TABLE name_only_alternatives AS
SELECT g_uid, relation, person_id, arg_min(p, c_feed) AS match_probability
FROM (
  SELECT *, ${linkProbability(s)} AS p FROM name_only_candidates
  WHERE g_feed = 'enrollment' AND persons BETWEEN 2 AND ${s.maxCandidates}
  QUALIFY bool_and(NOT listed AND rare AND households = 1 AND namesakes <= ${s.maxNamesakes} + persons - 1) OVER (PARTITION BY g_uid)
)
GROUP BY g_uid, relation, person_id`,
  };
}

/**
 * Adds to `name_only_links` the subjects of death and restriction records that carry neither a usable ID nor a
 * birth date (an empty ID column, an ID a spreadsheet cut to its first digits): the engine has nothing but the name
 * to compare. Such a subject joins the father or mother that a registry row lists with a valid ID, of the same name
 * (as above), the sex not contradicting, when that row states the record's event for this parent (死亡 for a death,
 * the record's measure for a restriction) since the record's own date, and exactly one such person qualifies.
 * relation = 'SUBJECT'. The name alone (with the county) is not enough: on the adversarial scenario more than half
 * of such links were a homonym's, and a record without a county (a prison list, a cremation record) would be
 * compared with the whole store.
 */
export function nameOnlySubjectsStage(s: NameOnlySettings): Stage {
  // Only records whose event a registry row states: a death, a restriction.
  const feeds = s.eventFeeds.filter((f) => f === 'death' || f === 'incarceration').map(lit).join(', ');
  if (!feeds) return { name: 'name_only_subjects', outputTable: 'name_only_links', sql: 'SELECT 1 WHERE false' };
  const status = (col: string) => `CASE c.role WHEN 'father' THEN r.father_${col} ELSE r.mother_${col} END`;
  const sql = `INSERT INTO name_only_links BY NAME
WITH subj AS (
  SELECT m.uid, m.mention_key, m.feed, m.name_nodots AS name, m.name_surname AS surname, m.name_pinyin_nodots AS pinyin, m.gender,
    coalesce(d.death_date, r.start_date) AS event_date, CASE m.feed WHEN 'death' THEN 'DEAD' ELSE r.measure END AS event_status
  FROM mentions m JOIN ${ofRoles('persons', feeds, `'subject'`)} p ON p.uid = m.uid
  -- A batch is one file of one feed. (A test of m.feed in these ON clauses made DuckDB join by nested loops: 7 s on
  -- two million rows, growing with the square of the store.)
  LEFT JOIN feed_death d ON d.batch_id = m.batch_id AND d.src_row = m.src_row
  LEFT JOIN feed_incarceration r ON r.batch_id = m.batch_id AND r.src_row = m.src_row
  -- No ID to compare (an ID with a wrong digit is still one: the engine weighs it); a damaged ID is stored empty.
  WHERE m.role = 'subject' AND m.feed IN (${feeds}) AND m.id IS NULL AND m.birth_date IS NULL AND p.cluster_size = 1
    AND m.name_pinyin_nodots IS NOT NULL AND m.name_nodots <> ''
),
registry_parents AS (
  -- The fathers and mothers the registry lists with a valid ID, with what the row says of them (情况, 起始日期).
  SELECT c.uid AS c_uid, c.mention_key AS c_key, c.name_nodots AS name, c.name_surname AS surname, c.name_pinyin_nodots AS pinyin,
    c.gender, p.person_id, ${status('status')} AS status, ${status('status_since')} AS status_since
  FROM mentions c JOIN ${ofRoles('persons', `'registry'`, `'father', 'mother'`)} p ON p.uid = c.uid
  JOIN feed_registry r ON r.batch_id = c.batch_id AND r.src_row = c.src_row
  WHERE c.feed = 'registry' AND c.role IN ('father', 'mother') AND c.id_valid
),
corroborated AS (
  -- The registry row says its father (mother) died, or is held under the record's measure, since the record's date:
  -- the name, the event and its date agree (an equi-join on all three: a reading alone pairs the province's namesakes).
  SELECT s.uid, s.mention_key, s.feed, c.c_uid, c.c_key, c.person_id
  FROM subj s JOIN registry_parents c ON c.pinyin = s.pinyin AND c.status_since = s.event_date AND c.status = s.event_status
  WHERE (c.name = s.name OR c.surname = s.surname) AND (s.gender IS NULL OR c.gender IS NULL OR c.gender = s.gender)
),
per_subject AS (SELECT uid, count(DISTINCT person_id) AS persons FROM corroborated GROUP BY uid)
SELECT c.uid AS g_uid, c.mention_key AS g_key, c.feed AS g_feed, 'SUBJECT' AS relation, arg_min(c.c_uid, c.c_key) AS c_uid, min(c.c_key) AS c_key,
  any_value(c.person_id) AS person_id, ${s.matchProbability}::DOUBLE AS match_probability
FROM corroborated c JOIN per_subject ps ON ps.uid = c.uid
WHERE ps.persons = 1
GROUP BY c.uid, c.mention_key, c.feed`;
  return { name: 'name_only_subjects', outputTable: 'name_only_links', sql };
}

/** The guardian mentions join the persons of their records' subjects (person ids unchanged: the subjects'). */
export function nameOnlyPersonsStages(): Stage[] {
  return [
    {
      name: 'name_only_persons',
      outputTable: 'persons',
      sql: `UPDATE persons SET person_id = n.person_id FROM name_only_links n WHERE persons.uid = n.g_uid AND persons.feed = n.g_feed`,
    },
    {
      name: 'name_only_cluster_sizes',
      outputTable: 'persons',
      sql: `UPDATE persons SET cluster_size = c.n
FROM (SELECT person_id, count(*)::INTEGER AS n FROM persons WHERE person_id IN (SELECT person_id FROM name_only_links) GROUP BY person_id) c
WHERE persons.person_id = c.person_id`,
    },
  ];
}

/** The links in person_links (basis 'name_only', kept, linked), explained in English and Chinese. */
export function nameOnlyLinksStage(s: NameOnlySettings): Stage {
  const area = s.area === 'county' ? 'same county' : 'same city';
  const areaZh = s.area === 'county' ? '同县区' : '同地市';
  const level = `same name, sex fits the relation, plausible parent age, ${area}, the only candidate`;
  const levelZh = `仅凭姓名匹配（性别与关系相符、生育年龄合理、${areaZh}、唯一候选）`;
  // A record subject without ID or birth date whose event and date a registry row states for the parent of that name
  // (nameOnlySubjectsStage).
  const subject = `same name, sex not contradicting, a registry row states this parent's event (death, the measure) since the record's date, the only candidate`;
  const subjectZh = `仅凭姓名匹配（记录无身份证号和出生日期；性别不矛盾、保障名册所列该父母情况及起始日期与记录相符、唯一候选）`;
  const pick = (a: string, b: string) => `CASE WHEN n.relation = 'SUBJECT' THEN ${lit(b)} ELSE ${lit(a)} END`;
  return {
    name: 'name_only_person_links',
    outputTable: 'person_links',
    sql: `INSERT INTO person_links BY NAME
SELECT n.g_key AS mention_key_l, n.c_key AS mention_key_r, n.g_uid AS uid_l, n.c_uid AS uid_r, n.g_feed AS feed_l, m.feed AS feed_r,
  n.w AS match_weight, n.match_probability, 'linked' AS match_class, true AS kept,
  [{'comparison': 'name_only', 'level': ${pick(level, subject)}, 'level_zh': ${pick(levelZh, subjectZh)}, 'weight': n.w}] AS explanation,
  ${pick(`name_only: ${level}`, `name_only: ${subject}`)} || printf(' (%+g)', n.w) AS explanation_text, 'name_only' AS basis
FROM (SELECT *, round(log2(match_probability / (1 - match_probability)), 2)::DOUBLE AS w FROM name_only_links) n
JOIN mentions m ON m.uid = n.c_uid AND m.mention_key = n.c_key
ORDER BY n.g_key`,
  };
}
