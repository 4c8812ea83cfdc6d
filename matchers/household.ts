// Household links (issues 14 and 15): two records of one child that the model keeps apart because the child's own
// identity is thin on one side (a registry row without ID in another county, a school record without ID whose name is
// written with a homophone, two IDs each with a defect), while the records name the same adult: a father, a mother, the
// carer (a grandmother the school lists as first guardian). The adults were linked by their own evidence (their IDs,
// usually); a child of the same household, born the same day, of the same name (or the same surname and reading) is
// the same child unless the household has two such children. After the split and before the name-only stage (which
// reads a child's other records), a deterministic stage links them:
// - the two records list an adult who is one person, and give no father (mother) two different valid IDs;
// - the same birth date; the same simplified name, or the same surname and toneless reading;
// - not two different valid IDs between the two persons (the split's rule);
// - one counterpart each way (twins of one household with names that read alike are left apart).
// The link carries a fixed probability and is marked (person_links.basis = 'household'). Settings: settings/household.json.
import { z } from 'zod';
import { lit } from '../pipeline/store/index.js';
import { ofRoles } from './mentions.js';
import { personIdSql } from './sql-persons.js';
import { shippedSettingsText } from './settings.js';
import type { Stage } from './stage.js';

export const householdSettingsSchema = z
  .object({
    /** Run the stage at all. */
    enabled: z.boolean(),
    /** The match probability a household link carries (person_links, the evidence's score). */
    matchProbability: z.number().gt(0).lt(1),
    /** An adult named beside more children (persons) than this (an institution's staff, a placeholder name) links none of them. */
    maxChildrenPerAdult: z.number().int().min(2),
  })
  .strict();
export type HouseholdSettings = z.infer<typeof householdSettingsSchema>;

/** The shipped household settings (settings/household.json), validated. */
export function householdSettings(): HouseholdSettings {
  return householdSettingsSchema.parse(JSON.parse(shippedSettingsText('household')));
}

/** A valid ID that says who the person is (not one a spreadsheet cut to 000; split.ts). */
const validId = (m: string) => `CASE WHEN ${m}.id_valid AND right(${m}.id, 3) <> '000' THEN ${m}.id END`;

// The adults a child record lists: a registry row's father, mother and carer; a school record's two guardians (a
// grandmother who is the registry's carer is often the school's first guardian). relation: SQL over the feed's row.
const ADULTS = [
  { feed: 'registry', table: 'feed_registry', role: 'father', relation: `'FATHER'` },
  { feed: 'registry', table: 'feed_registry', role: 'mother', relation: `'MOTHER'` },
  { feed: 'registry', table: 'feed_registry', role: 'carer', relation: `'CARER'` },
  { feed: 'enrollment', table: 'feed_enrollment', role: 'guardian1', relation: `coalesce(guardian1_relation, 'GUARDIAN')` },
  { feed: 'enrollment', table: 'feed_enrollment', role: 'guardian2', relation: `coalesce(guardian2_relation, 'GUARDIAN')` },
];
const inList = (xs: string[]) => [...new Set(xs)].map(lit).join(', ');
const [ADULT_FEEDS, ADULT_ROLES] = [inList(ADULTS.map((a) => a.feed)), inList(ADULTS.map((a) => a.role))];

/**
 * `household_links`: one row per pair of persons to merge (pa, pb: their person ids; key_a / key_b, uid_a / uid_b: the
 * pair of child mentions that links them; new_id: the merged person's id). Needs persons, mentions, feed_registry and
 * feed_enrollment. Five statements (and a drop), each step's rows a table of known size: as CTEs of one statement, DuckDB's
 * estimates went wrong at province size and it joined every child record with every other of the same birth date
 * (499M rows) before the pairs that share an adult, and built a hash table of all 23M persons to look up a thousand.
 * A mention's uid names it across feeds (batch ids are per file), so the joins with mentions are on uid alone.
 */
export function householdCandidatesStages(s: HouseholdSettings): Stage[] {
  const kids = {
    // The records of a child: registry rows (the registered child) and school records (the student).
    name: 'household_kids',
    outputTable: 'household_kids',
    sql: `CREATE OR REPLACE TEMP TABLE household_kids AS
SELECT p.uid, p.feed, p.batch_id, p.src_row, p.mention_key, p.person_id FROM persons p
WHERE (p.feed = 'registry' AND p.role = 'child') OR (p.feed = 'enrollment' AND p.role = 'subject')`,
  };
  const parents = {
    // Each child record's adults (ADULTS): their persons, and the valid ID the record gives them.
    name: 'household_parents',
    outputTable: 'household_parents',
    sql: `CREATE OR REPLACE TEMP TABLE household_parents AS
WITH listed AS (
  ${ADULTS.map((a) => `SELECT ${lit(a.feed)} AS feed, batch_id, src_row, ${lit(a.role)} AS role, ${a.relation} AS relation FROM ${a.table}`).join(' UNION ALL ')}
),
adults AS MATERIALIZED (
  SELECT k.uid AS child_uid, l.relation, gp.person_id AS parent, gp.uid AS parent_uid
  FROM household_kids k JOIN listed l ON l.feed = k.feed AND l.batch_id = k.batch_id AND l.src_row = k.src_row
  JOIN ${ofRoles('persons', ADULT_FEEDS, ADULT_ROLES)} gp ON gp.feed = l.feed AND gp.batch_id = l.batch_id AND gp.src_row = l.src_row AND gp.role = l.role
)
SELECT a.child_uid, a.relation, a.parent, ${validId('gm')} AS parent_id
FROM adults a JOIN ${ofRoles('mentions', ADULT_FEEDS, ADULT_ROLES)} gm ON gm.uid = a.parent_uid`,
  };
  const shared = {
    // Pairs of child records naming one adult (named beside at least two child records of different persons, and
    // not beside too many).
    name: 'household_shared',
    outputTable: 'household_shared',
    sql: `CREATE OR REPLACE TEMP TABLE household_shared AS
WITH shared_parents AS (
  SELECT p.parent FROM household_parents p JOIN household_kids k ON k.uid = p.child_uid
  GROUP BY p.parent HAVING count(DISTINCT k.person_id) BETWEEN 2 AND ${s.maxChildrenPerAdult}
),
shared_adults AS (SELECT * FROM household_parents SEMI JOIN shared_parents USING (parent))
SELECT DISTINCT a.child_uid AS uid_a, b.child_uid AS uid_b
FROM shared_adults a JOIN shared_adults b ON b.parent = a.parent AND b.child_uid > a.child_uid`,
  };
  const sides = {
    // Both records of each pair with what the test reads (the kids first, then their mentions: one row per pair).
    name: 'household_pairs',
    outputTable: 'household_pairs',
    sql: `CREATE OR REPLACE TEMP TABLE household_pairs AS
WITH side AS MATERIALIZED (
  SELECT k.uid, k.mention_key, k.person_id, m.birth_date, m.name_simp, m.name_surname, m.name_pinyin_nodots
  FROM (SELECT * FROM household_kids SEMI JOIN (SELECT uid_a AS uid FROM household_shared UNION SELECT uid_b FROM household_shared) USING (uid)) k
  JOIN mentions m ON m.uid = k.uid
),
given_ids AS (
  -- The valid ID a child record gives its father and mother (two records that give a parent two different ones are
  -- two households).
  SELECT child_uid, max(parent_id) FILTER (WHERE relation = 'FATHER') AS father_id, max(parent_id) FILTER (WHERE relation = 'MOTHER') AS mother_id
  FROM household_parents SEMI JOIN side ON side.uid = household_parents.child_uid GROUP BY child_uid
),
a AS MATERIALIZED (
  SELECT s.uid_a, s.uid_b, ka.mention_key AS key_a, ka.person_id AS pa, ka.birth_date, ka.name_simp, ka.name_surname, ka.name_pinyin_nodots, ia.father_id, ia.mother_id
  FROM household_shared s JOIN side ka ON ka.uid = s.uid_a JOIN given_ids ia ON ia.child_uid = s.uid_a
)
SELECT a.uid_a, a.uid_b, a.key_a, kb.mention_key AS key_b, a.pa, kb.person_id AS pb
FROM a JOIN side kb ON kb.uid = a.uid_b JOIN given_ids ib ON ib.child_uid = a.uid_b
WHERE a.pa <> kb.person_id
  AND coalesce(a.father_id = ib.father_id, true) AND coalesce(a.mother_id = ib.mother_id, true)
  AND a.birth_date = kb.birth_date
  AND (a.name_simp = kb.name_simp OR a.name_surname = kb.name_surname AND a.name_pinyin_nodots = kb.name_pinyin_nodots)`,
  };
  const links = {
    name: 'household_links',
    outputTable: 'household_links',
    sql: `CREATE OR REPLACE TABLE household_links AS
WITH person_ids AS (
  -- Each candidate person's valid IDs and smallest mention key.
  SELECT p.person_id, count(DISTINCT ${validId('m')}) AS ids, min(${validId('m')}) AS id, min(p.mention_key) AS first_key
  FROM (SELECT * FROM persons SEMI JOIN (SELECT pa AS person_id FROM household_pairs UNION SELECT pb FROM household_pairs) USING (person_id)) p
  JOIN mentions m ON m.uid = p.uid
  GROUP BY p.person_id
),
edges AS (
  -- One pair of records per pair of persons; never two persons with different valid IDs.
  SELECT least(pa, pb) AS pa, greatest(pa, pb) AS pb, arg_min(struct_pack(uid_a := uid_a, key_a := key_a, uid_b := uid_b, key_b := key_b), key_a || key_b) AS rec
  FROM household_pairs p
  GROUP BY least(pa, pb), greatest(pa, pb)
),
compatible AS (
  SELECT e.* FROM edges e JOIN person_ids a ON a.person_id = e.pa JOIN person_ids b ON b.person_id = e.pb
  WHERE a.ids + b.ids <= 1 OR a.ids = 1 AND b.ids = 1 AND a.id = b.id
),
degree AS (SELECT person_id, count(*) AS n FROM (SELECT pa AS person_id FROM compatible UNION ALL SELECT pb FROM compatible) GROUP BY person_id)
SELECT c.pa, c.pb, c.rec.uid_a AS uid_a, c.rec.key_a AS key_a, c.rec.uid_b AS uid_b, c.rec.key_b AS key_b,
  ${personIdSql('least(a.first_key, b.first_key)')} AS new_id, ${s.matchProbability}::DOUBLE AS match_probability
FROM compatible c
JOIN degree da ON da.person_id = c.pa AND da.n = 1 JOIN degree db ON db.person_id = c.pb AND db.n = 1
JOIN person_ids a ON a.person_id = c.pa JOIN person_ids b ON b.person_id = c.pb`,
  };
  const drop = { name: 'household_drop', sql: 'DROP TABLE IF EXISTS household_kids; DROP TABLE IF EXISTS household_parents; DROP TABLE IF EXISTS household_shared; DROP TABLE IF EXISTS household_pairs' };
  return [kids, parents, shared, sides, links, drop];
}

/** The two persons of each household link become one (new_id), and their cluster sizes add up. */
export function householdPersonsStages(): Stage[] {
  return [
    {
      name: 'household_persons',
      outputTable: 'persons',
      sql: `UPDATE persons SET person_id = h.new_id
FROM (SELECT pa AS person_id, new_id FROM household_links UNION ALL SELECT pb, new_id FROM household_links) h
WHERE persons.person_id = h.person_id`,
    },
    {
      name: 'household_cluster_sizes',
      outputTable: 'persons',
      sql: `UPDATE persons SET cluster_size = c.n
FROM (SELECT person_id, count(*)::INTEGER AS n FROM persons WHERE person_id IN (SELECT new_id FROM household_links) GROUP BY person_id) c
WHERE persons.person_id = c.person_id`,
    },
  ];
}

/** The links in person_links (basis 'household', kept, linked) in place of the model's verdict on the same pair. */
export function householdLinksStages(s: HouseholdSettings): Stage[] {
  const w = Math.round(Math.log2(s.matchProbability / (1 - s.matchProbability)) * 100) / 100;
  const level = 'the records name the same parent or carer, same birth date, same name or reading, the only candidate';
  const levelZh = '同一家庭（两条记录所列父母或监护人为同一人，出生日期相同，姓名相同或同音，唯一候选）';
  return [
    {
      name: 'household_replaced_links',
      outputTable: 'person_links',
      sql: `DELETE FROM person_links USING household_links h
WHERE (person_links.uid_l = h.uid_a AND person_links.uid_r = h.uid_b) OR (person_links.uid_l = h.uid_b AND person_links.uid_r = h.uid_a)`,
    },
    {
      name: 'household_person_links',
      outputTable: 'person_links',
      sql: `INSERT INTO person_links BY NAME
SELECT h.key_a AS mention_key_l, h.key_b AS mention_key_r, h.uid_a AS uid_l, h.uid_b AS uid_r, a.feed AS feed_l, b.feed AS feed_r,
  ${w}::DOUBLE AS match_weight, h.match_probability, 'linked' AS match_class, true AS kept,
  [{'comparison': 'household', 'level': ${lit(level)}, 'level_zh': ${lit(levelZh)}, 'weight': ${w}::DOUBLE}] AS explanation,
  ${lit(`household: ${level} (+${w})`)} AS explanation_text, 'household' AS basis
FROM household_links h JOIN mentions a ON a.uid = h.uid_a AND a.mention_key = h.key_a JOIN mentions b ON b.uid = h.uid_b AND b.mention_key = h.key_b
ORDER BY h.key_a`,
    },
  ];
}
