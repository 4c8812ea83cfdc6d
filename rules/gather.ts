// Gathers, in SQL over whole tables, the facts the rules read: for every child worth evaluating
// (registry children, enrollment students and social-assistance children whose listed parents have
// evidence, children who are the subject of a disability, illness, HIV or social-assistance record)
// the registry rows, the parents and carers, and every record of every feed linked to those people.
// Needs the `persons`, `mentions` and `person_links` tables of matchers/linkPersons.
import { FEED_SPECS } from '../pipeline/feeds.js';
import { log } from '../pipeline/log.js';
import { timedStatement } from '../pipeline/profile.js';
import { ident, lit, queryRows, type Db } from '../pipeline/store/index.js';
import { EMPTY_FACTS, type ChildFacts, type Evidence, type JudgmentType, type NameOnlyAlternatives, type PersonFacts, type RegistryRecord } from './facts.js';

const RECORD = (idCol: string) => `coalesce(${idCol}, t.batch_id || ':' || t.src_row)`;

/** (child_id, parent_id, relation FATHER / MOTHER, name_only) of every feed whose spec declares households. */
const HOUSEHOLD_PARENTS = (() => {
  const parts = Object.values(FEED_SPECS).flatMap((spec) => {
    const h = spec.household;
    if (!h) return [];
    const [table, id, rel, subject] = [ident(spec.table).quoted, ident(h.id).quoted, ident(h.relation).quoted, spec.people[0]!.role];
    return [
      `SELECT DISTINCT c.person_id AS child_id, p.person_id AS parent_id,
              CASE pt.gender WHEN 'M' THEN 'FATHER' WHEN 'F' THEN 'MOTHER' END AS relation, p.name_only
       FROM ${table} ct
       JOIN rule_pm c ON c.batch_id = ct.batch_id AND c.src_row = ct.src_row AND c.role = ${lit(subject)}
       JOIN ${table} pt ON pt.batch_id = ct.batch_id AND pt.${id} = ct.${id} AND pt.${rel} IN (${h.parents.map(lit).join(', ')})
       JOIN rule_pm p ON p.batch_id = pt.batch_id AND p.src_row = pt.src_row AND p.role = ${lit(subject)}
       WHERE ct.${rel} IN (${h.childOf.map(lit).join(', ')}) AND ct.${id} IS NOT NULL AND pt.gender IN ('M', 'F') AND p.person_id <> c.person_id`,
    ];
  });
  return parts.length ? parts.join('\nUNION ALL\n') : `SELECT NULL::VARCHAR AS child_id, NULL::VARCHAR AS parent_id, NULL::VARCHAR AS relation, NULL::DOUBLE AS name_only WHERE false`;
})();

const FEED_RANK = `CASE m.feed WHEN 'registry' THEN 0 WHEN 'enrollment' THEN 1 WHEN 'hiv' THEN 3 ELSE 2 END`;
/**
 * A mention's birth date and where it comes from: 0 a valid ID, 1 the record's birth-date column (mentions.birth_date
 * holds the column, else a trusted ID's date), 2 the digits of an ID whose check digit fails (not after T). The
 * last is a fallback, for a child no other record dates: the wrong digit may be one of the date's (an adult born
 * 2000-2008 then reads as a child for about 1 in 55 such errors), so the flags say it (ChildFacts.birthFromInvalidId).
 */
const BIRTH_RANK = (m: string, asOf: string) =>
  `CASE WHEN ${m}.id_valid AND ${m}.id_birth_date IS NOT NULL THEN 0 WHEN ${m}.birth_date IS NOT NULL THEN 1 WHEN ${m}.id_birth_date <= DATE '${asOf}' THEN 2 END`;
const BIRTH = (m: string, asOf: string) =>
  `CASE ${BIRTH_RANK(m, asOf)} WHEN 0 THEN ${m}.id_birth_date WHEN 1 THEN ${m}.birth_date WHEN 2 THEN ${m}.id_birth_date END`;

const STATEMENTS = (asOf: string, adultAge: number) => [
  // How sure the linkage is that a mention belongs to its person: its best kept link (1 when alone).
  // name_only: the mention joined its person by name alone (person_links.basis 'name_only', matchers/name-only.ts:
  // it is the link's left side, a guardian or parent listed without ID or a record subject without ID and birth
  // date), with the link's probability; such a mention's score is that probability. The right side (the person it
  // joined) keeps its own score: the link says nothing about which records are that person's.
  // household: the mention joined its person only through a household link (matchers/household.ts), with its probability.
  `CREATE OR REPLACE TEMP TABLE rule_pm AS
   SELECT p.batch_id, p.src_row, p.role, p.person_id, p.uid, coalesce(n.name_only, s.score, s.household, 1.0) AS score, n.name_only,
          CASE WHEN n.name_only IS NULL AND s.score IS NULL THEN s.household END AS household
   FROM persons p LEFT JOIN (
     SELECT uid, max(pr) FILTER (WHERE basis IS DISTINCT FROM 'household') AS score, max(pr) FILTER (WHERE basis = 'household') AS household FROM (
       SELECT uid_l AS uid, match_probability AS pr, basis FROM person_links WHERE match_class = 'linked' AND kept AND basis IS DISTINCT FROM 'name_only'
       UNION ALL SELECT uid_r, match_probability, basis FROM person_links WHERE match_class = 'linked' AND kept AND basis IS DISTINCT FROM 'name_only')
     GROUP BY uid) s USING (uid)
   LEFT JOIN (
     SELECT uid_l AS uid, min(match_probability) AS name_only FROM person_links WHERE match_class = 'linked' AND kept AND basis = 'name_only' GROUP BY uid_l
   ) n USING (uid)`,
  // Evidence about people, from the agency feeds (the record's subject).
  `CREATE OR REPLACE TEMP TABLE rule_deaths AS
   SELECT pm.person_id, t.death_date::VARCHAR AS death_date, ${RECORD('t.record_id')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_death t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  `CREATE OR REPLACE TEMP TABLE rule_restrictions AS
   SELECT pm.person_id, t.measure, t.start_date::VARCHAR AS start_date, t.end_date::VARCHAR AS end_date, t.release_date::VARCHAR AS release_date,
          ${RECORD('t.record_id')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_incarceration t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  `CREATE OR REPLACE TEMP TABLE rule_certificates AS
   SELECT pm.person_id, t.disability_type::INTEGER AS type, t.level::INTEGER AS level, t.issue_date::VARCHAR AS issue_date, t.status,
          t.status_date::VARCHAR AS status_date, ${RECORD('t.certificate_no')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_disability t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  `CREATE OR REPLACE TEMP TABLE rule_enrollments AS
   SELECT pm.person_id, t.status, t.level, t.as_of::VARCHAR AS as_of, t.school_name, ${RECORD('t.school_code')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_enrollment t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  // The optional feeds (issue 15): court judgments, lost-contact reports, illness, HIV and social-assistance rows.
  `CREATE OR REPLACE TEMP TABLE rule_judgments AS
   SELECT pm.person_id, t.judgment_type, t.judgment_date::VARCHAR AS judgment_date, t.effective_date::VARCHAR AS effective_date,
          ${RECORD('t.case_no')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_court t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  `CREATE OR REPLACE TEMP TABLE rule_lost_contacts AS
   SELECT pm.person_id, t.report_date::VARCHAR AS report_date, t.found_date::VARCHAR AS found_date,
          ${RECORD('t.record_id')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_lost_contact t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  `CREATE OR REPLACE TEMP TABLE rule_illnesses AS
   SELECT pm.person_id, t.disease_code, t.disease_name, t.diagnosis_date::VARCHAR AS diagnosis_date,
          ${RECORD('t.record_id')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_illness t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  `CREATE OR REPLACE TEMP TABLE rule_hiv AS
   SELECT pm.person_id, t.confirm_date::VARCHAR AS confirm_date, ${RECORD('t.record_id')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_hiv t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  `CREATE OR REPLACE TEMP TABLE rule_assistance AS
   SELECT pm.person_id, t.household_id, t.relation, t.assistance_type, t.start_date::VARCHAR AS start_date, t.end_date::VARCHAR AS end_date,
          ${RECORD('t.household_id')} AS record_id, pm.score, pm.name_only, pm.household, t.batch_id, t.src_row
   FROM feed_social_assistance t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'subject'`,
  // A parent's assistance row alone makes no child worth evaluating (the child must be in the household,
  // and then its own row makes it one), so it is not "evidence" here.
  `CREATE OR REPLACE TEMP TABLE rule_with_evidence AS
   SELECT person_id FROM rule_deaths UNION SELECT person_id FROM rule_restrictions UNION SELECT person_id FROM rule_certificates
   UNION SELECT person_id FROM rule_judgments UNION SELECT person_id FROM rule_lost_contacts UNION SELECT person_id FROM rule_illnesses`,
  // Parents listed by the enrollment feed: a guardian whose relation is FATHER or MOTHER.
  // A listing linked by name alone (person_links.basis = 'name_only', matchers/name-only.ts) carries its
  // probability; a parent every listing of which is name-only is a name-only parent of the child.
  `CREATE OR REPLACE TEMP TABLE rule_guardian_parents AS
   SELECT s.person_id AS child_id, g.person_id AS parent_id,
          CASE WHEN g.role = 'guardian1' THEN t.guardian1_relation ELSE t.guardian2_relation END AS relation,
          CASE WHEN bool_and(g.name_only IS NOT NULL) THEN min(g.name_only) END AS name_only
   FROM feed_enrollment t
   JOIN rule_pm s ON s.batch_id = t.batch_id AND s.src_row = t.src_row AND s.role = 'subject'
   JOIN rule_pm g ON g.batch_id = t.batch_id AND g.src_row = t.src_row AND g.role IN ('guardian1', 'guardian2')
   WHERE (CASE WHEN g.role = 'guardian1' THEN t.guardian1_relation ELSE t.guardian2_relation END) IN ('FATHER', 'MOTHER')
   GROUP BY ALL`,
  // Households (FeedSpec.household; FEEDS.md social_assistance): a member who is a child of the household
  // (与户主关系 子女) gets its parents, the head and the spouse of the same household in the same delivery
  // (father or mother by sex). Listed after the enrollment's guardians (source 1): a school's listing comes first.
  `CREATE OR REPLACE TEMP TABLE rule_household_parents AS
   ${HOUSEHOLD_PARENTS}`,
  `CREATE OR REPLACE TEMP TABLE rule_listed_parents AS
   SELECT *, 0 AS source FROM rule_guardian_parents
   UNION ALL SELECT *, 1 AS source FROM rule_household_parents`,
  // The candidates of a school record's guardian listed by name alone whom the linkage could not tell from its
  // namesakes (matchers/name-only.ts, name_only_alternatives), for the record's student, while the guardian is still
  // a person of its own (no later link, such as an exchange answer, found who it is).
  `CREATE OR REPLACE TEMP TABLE rule_parent_alternatives AS
   SELECT DISTINCT s.person_id AS child_id, a.relation, a.person_id AS parent_id, a.match_probability AS name_only
   FROM name_only_alternatives a
   JOIN persons g ON g.uid = a.g_uid AND g.cluster_size = 1
   JOIN rule_pm s ON s.batch_id = g.batch_id AND s.src_row = g.src_row AND s.role = 'subject'`,
  // The children worth evaluating.
  `CREATE OR REPLACE TEMP TABLE rule_children AS
   SELECT pm.person_id FROM feed_registry t JOIN rule_pm pm ON pm.batch_id = t.batch_id AND pm.src_row = t.src_row AND pm.role = 'child'
   UNION SELECT lp.child_id FROM rule_listed_parents lp JOIN rule_with_evidence e ON e.person_id = lp.parent_id
   UNION SELECT a.child_id FROM rule_parent_alternatives a JOIN rule_with_evidence e ON e.person_id = a.parent_id
   UNION SELECT c.person_id FROM (
           SELECT batch_id, src_row, person_id FROM rule_certificates UNION ALL SELECT batch_id, src_row, person_id FROM rule_illnesses
           UNION ALL SELECT batch_id, src_row, person_id FROM rule_hiv UNION ALL SELECT batch_id, src_row, person_id FROM rule_assistance) c
         JOIN rule_pm pm ON pm.batch_id = c.batch_id AND pm.src_row = c.src_row AND pm.role = 'subject' AND pm.person_id = c.person_id
         JOIN mentions m ON m.uid = pm.uid
         WHERE ${BIRTH('m', asOf)} > DATE '${asOf}' - INTERVAL ${adultAge} YEAR`,
  `CREATE OR REPLACE TEMP TABLE rule_registry AS
   SELECT c.person_id AS child_id, t.child_ref, t.category, t.category_subtype, t.status, t.start_date::VARCHAR AS start_date, t.last_paid_month,
          coalesce(t.region_code_county, t.id_number_region_current[1], t.id_number_region) AS county,
          f.person_id AS father_id, f.name_only AS father_name_only, t.father_status, t.father_status_since::VARCHAR AS father_since,
          mo.person_id AS mother_id, mo.name_only AS mother_name_only, t.mother_status, t.mother_status_since::VARCHAR AS mother_since,
          ca.person_id AS carer_id, c.score, c.household, t.batch_id, t.src_row
   FROM feed_registry t
   JOIN rule_pm c ON c.batch_id = t.batch_id AND c.src_row = t.src_row AND c.role = 'child'
   -- The roster is delivered again every quarter: a child ref's latest row is its registration.
   -- (Rows without a child ref stand for themselves.)
   LEFT JOIN rule_pm f ON f.batch_id = t.batch_id AND f.src_row = t.src_row AND f.role = 'father'
   LEFT JOIN rule_pm mo ON mo.batch_id = t.batch_id AND mo.src_row = t.src_row AND mo.role = 'mother'
   LEFT JOIN rule_pm ca ON ca.batch_id = t.batch_id AND ca.src_row = t.src_row AND ca.role = 'carer'
   QUALIFY t.child_ref IS NULL OR row_number() OVER (PARTITION BY t.child_ref ORDER BY t.batch_id DESC, t.src_row DESC) = 1`,
  // Who the child is: a mention with a valid ID first, then the registry's, then enrollment's. The birth date:
  // a valid ID's (RULES.md: the ID's birth date wins over a birth-date column that contradicts it), else a
  // birth-date column, else the digits of an ID whose check digit fails (RULES.md: from the ID number when the
  // column is missing), which the flags then say.
  `CREATE OR REPLACE TEMP TABLE rule_identity AS
   SELECT c.person_id, arg_min(struct_pack(name := m.name_raw, id := m.id, county := m.county), [CASE WHEN m.id_valid THEN 0 ELSE 1 END, ${FEED_RANK}, m.uid]) AS who,
          arg_min(struct_pack(birth := ${BIRTH('m', asOf)}::VARCHAR, from_invalid_id := ${BIRTH_RANK('m', asOf)} = 2),
                  [${BIRTH_RANK('m', asOf)}, ${FEED_RANK}, m.uid]) FILTER (WHERE ${BIRTH('m', asOf)} IS NOT NULL) AS born
   FROM rule_children c JOIN rule_pm pm ON pm.person_id = c.person_id JOIN mentions m ON m.uid = pm.uid
   WHERE pm.role IN ('child', 'subject')
   GROUP BY c.person_id`,
];

/** Children per batch (prepareFacts): JavaScript holds one batch's facts at a time. */
const BATCH_CHILDREN = 20_000;

/** The tables a batch reads: their rows, and the column naming the person whose batch they go to (a child, or anyone its rules read). */
const BATCHED = [
  ...['rule_deaths', 'rule_restrictions', 'rule_certificates', 'rule_judgments', 'rule_lost_contacts', 'rule_illnesses', 'rule_assistance'].map((table) => ({
    table,
    rows: table,
    key: 'person_id',
  })),
  // HIV and school records are the children's only: no rule reads a parent's (RULES.md §2 HIV), and need-to-know data is not gathered without a use.
  ...['rule_hiv', 'rule_enrollments'].map((table) => ({ table, rows: `(SELECT * FROM ${table} SEMI JOIN rule_children USING (person_id))`, key: 'person_id' })),
  { table: 'rule_registry', rows: 'rule_registry', key: 'child_id' },
  { table: 'rule_listed_parents', rows: 'rule_listed_parents', key: 'child_id' },
  { table: 'rule_parent_alternatives', rows: 'rule_parent_alternatives', key: 'child_id' },
  { table: 'rule_identity', rows: '(SELECT c.person_id, i.who, i.born FROM rule_children c LEFT JOIN rule_identity i USING (person_id))', key: 'person_id' },
] as const;

/**
 * The children in batches of consecutive person ids; the people each batch's rules read (the children, their
 * recorded parents and carers, their listed parents and the candidates of a parent listed by name alone); each table a batch reads, with its batch, stored in batch
 * order so that a batch reads its own row groups only.
 */
const BATCH_STATEMENTS = (batchChildren: number) => [
  `CREATE OR REPLACE TEMP TABLE rule_child_batch AS
   SELECT person_id, (row_number() OVER (ORDER BY person_id) - 1) // ${batchChildren} AS batch FROM rule_children`,
  `CREATE OR REPLACE TEMP TABLE rule_people_batch AS
   SELECT DISTINCT batch, person_id FROM (
     SELECT batch, person_id FROM rule_child_batch
     UNION ALL SELECT b.batch, unnest([r.father_id, r.mother_id, r.carer_id]) FROM rule_registry r JOIN rule_child_batch b ON b.person_id = r.child_id
     UNION ALL SELECT b.batch, lp.parent_id FROM rule_listed_parents lp JOIN rule_child_batch b ON b.person_id = lp.child_id
     UNION ALL SELECT b.batch, a.parent_id FROM rule_parent_alternatives a JOIN rule_child_batch b ON b.person_id = a.child_id)
   WHERE person_id IS NOT NULL`,
  ...BATCHED.map(
    ({ table, rows, key }) =>
      `CREATE OR REPLACE TEMP TABLE ${table}_batched AS
       SELECT b.batch, t.* FROM ${rows} t JOIN ${key === 'child_id' ? 'rule_child_batch' : 'rule_people_batch'} b ON b.person_id = t.${key} ORDER BY b.batch`,
  ),
];

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const evidence = (feed: string, r: Row, date: unknown): Evidence => ({
  feed,
  recordId: String(r.record_id),
  date: str(date),
  score: Number(r.score),
  batchId: Number(r.batch_id),
  srcRow: Number(r.src_row),
  // A record whose subject joined its person by name alone, or through its household, says so wherever it is cited.
  ...(r.name_only !== null && r.name_only !== undefined ? { basis: 'name_only' as const } : r.household !== null && r.household !== undefined ? { basis: 'household' as const } : {}),
});
const nameOnly = (v: unknown) => (v === null || v === undefined ? {} : { nameOnly: Number(v) });

export interface GatheredFacts {
  children: ChildFacts[];
  people: Map<string, PersonFacts>;
}

/** Every child's facts at once (the web's trace, explain, preview, tests); read batch by batch (one list of a table's rows per batch, not per store), as a quarter reads them. */
export async function gatherFacts(db: Db, asOf: string, adultAge: number): Promise<GatheredFacts> {
  const all: GatheredFacts = { children: [], people: new Map() };
  for await (const batch of gatherFactsInBatches(db, asOf, adultAge)) {
    all.children.push(...batch.children);
    for (const [id, f] of batch.people) all.people.set(id, f);
  }
  return all;
}

/**
 * The facts in batches of at most `batchChildren` children, in the order of their person ids, each batch with
 * the people its children's rules read. The SQL runs over whole tables once; a batch reads its own rows.
 */
export async function* gatherFactsInBatches(db: Db, asOf: string, adultAge: number, batchChildren = BATCH_CHILDREN): AsyncGenerator<GatheredFacts> {
  yield* readFactsBatches(db, await prepareFacts(db, asOf, adultAge, batchChildren));
}

/** The `batches` batches of facts prepareFacts made, one at a time. */
export async function* readFactsBatches(db: Db, batches: number): AsyncGenerator<GatheredFacts> {
  for (let batch = 0; batch < batches; batch++) yield await readFactsBatch(db, batch);
}

/**
 * The gather's SQL over whole tables: every fact the rules read, in tables of batches of at most `batchChildren`
 * children. Returns the number of batches (readFactsBatches).
 */
export async function prepareFacts(db: Db, asOf: string, adultAge: number, batchChildren = BATCH_CHILDREN): Promise<number> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))) throw new Error(`as-of date: expected YYYY-MM-DD, got "${asOf}"`);
  if (!Number.isInteger(adultAge)) throw new Error(`adult age: expected an integer, got ${adultAge}`);
  // A store linked before name-only alternatives existed (the web showing an older run's flag) has none.
  const [alternatives] = await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'name_only_alternatives'`);
  if (!alternatives!.n) await db.run('CREATE TEMP TABLE name_only_alternatives (g_uid BIGINT, relation VARCHAR, person_id VARCHAR, match_probability DOUBLE)');
  for (const sql of [...STATEMENTS(asOf, adultAge), ...BATCH_STATEMENTS(batchChildren)]) await runStatement(db, sql);
  const [count] = await queryRows<{ batches: number }>(db, 'SELECT coalesce(max(batch) + 1, 0)::INTEGER AS batches FROM rule_child_batch');
  return count!.batches;
}

/**
 * Runs one statement of the gather, logged by the table it makes (debug: its milliseconds; error: a failure, which
 * DuckDB's message does not place). Under a 2.5 GB memory limit the province's gather took 601 s against 223 s.
 */
async function runStatement(db: Db, sql: string): Promise<void> {
  const table = /CREATE (?:OR REPLACE )?(?:TEMP )?TABLE (\w+)/.exec(sql)?.[1] ?? sql.trim().split(/\s+/, 3).join(' ');
  await timedStatement(db, log, 'gather statement', { name: table, statement: table }, () => db.run(sql));
}

/** The order of each table's rows in a batch: the evidence lists, and so flags.csv and the fingerprints, must not depend on DuckDB's threads. */
const BATCH_ORDER = {
  rule_deaths: 'person_id, batch_id, src_row',
  rule_restrictions: 'person_id, batch_id, src_row',
  rule_certificates: 'person_id, batch_id, src_row',
  rule_judgments: 'person_id, batch_id, src_row',
  rule_lost_contacts: 'person_id, batch_id, src_row',
  rule_illnesses: 'person_id, batch_id, src_row',
  rule_hiv: 'person_id, batch_id, src_row',
  rule_assistance: 'person_id, batch_id, src_row',
  rule_enrollments: 'person_id, batch_id, src_row',
  rule_registry: 'batch_id, src_row',
  rule_listed_parents: 'source, parent_id',
  rule_parent_alternatives: 'child_id, relation, parent_id',
  rule_identity: 'person_id',
} as const;

/**
 * The rows of every table a batch reads, in one statement: per table, its rows as JSON text made by DuckDB (a
 * double's text gives back the same double) and parsed here. Converting the rows value by value in JavaScript was
 * half the evaluate stage; one query a batch lets the next batch's run while this one's rules are evaluated
 * (evaluateInPlace).
 */
async function fetchBatch(db: Db, batch: number): Promise<Record<keyof typeof BATCH_ORDER, Row[]>> {
  const lists = Object.entries(BATCH_ORDER).map(([table, order]) => {
    const by = order.split(', ').map((c) => `r.${c}`).join(', ');
    return `(SELECT to_json(coalesce(list(r ORDER BY ${by}), []))::VARCHAR FROM (SELECT * EXCLUDE (batch) FROM ${table}_batched WHERE batch = ${batch}) r) AS ${table}`;
  });
  const [row] = await queryRows<Record<keyof typeof BATCH_ORDER, string>>(db, `SELECT ${lists.join(',\n')}`);
  return Object.fromEntries(Object.entries(row!).map(([table, json]) => [table, JSON.parse(json) as Row[]])) as Record<keyof typeof BATCH_ORDER, Row[]>;
}

/** One batch's facts (0 to batches - 1), from the tables prepareFacts made. */
export async function readFactsBatch(db: Db, batch: number): Promise<GatheredFacts> {
  const people = new Map<string, PersonFacts>();
  const facts = (id: string) => {
    let f = people.get(id);
    if (!f) people.set(id, (f = EMPTY_FACTS(id)));
    return f;
  };
  const tables = await fetchBatch(db, batch);
  const read = (table: keyof typeof BATCH_ORDER) => tables[table];
  for (const r of read('rule_deaths')) facts(String(r.person_id)).deaths.push({ ...evidence('death', r, r.death_date), deathDate: String(r.death_date) });
  for (const r of read('rule_restrictions')) {
    facts(String(r.person_id)).restrictions.push({
      ...evidence('incarceration', r, r.start_date),
      measure: r.measure as never,
      start: String(r.start_date),
      end: str(r.end_date),
      release: str(r.release_date),
    });
  }
  for (const r of read('rule_certificates')) {
    facts(String(r.person_id)).certificates.push({
      ...evidence('disability', r, r.status === 'CANCELLED' ? r.status_date : r.issue_date),
      type: Number(r.type),
      level: Number(r.level),
      issue: str(r.issue_date),
      status: (r.status as 'VALID' | 'CANCELLED' | null) ?? null,
      statusDate: str(r.status_date),
    });
  }
  for (const r of read('rule_judgments')) {
    facts(String(r.person_id)).judgments!.push({
      ...evidence('court', r, r.judgment_date),
      type: r.judgment_type as JudgmentType,
      judgmentDate: String(r.judgment_date),
      effectiveDate: str(r.effective_date),
    });
  }
  for (const r of read('rule_lost_contacts')) {
    facts(String(r.person_id)).lostContacts!.push({ ...evidence('lost_contact', r, r.found_date ?? r.report_date), report: String(r.report_date), found: str(r.found_date) });
  }
  for (const r of read('rule_illnesses')) {
    facts(String(r.person_id)).illnesses!.push({ ...evidence('illness', r, r.diagnosis_date), code: str(r.disease_code), disease: str(r.disease_name), diagnosis: String(r.diagnosis_date) });
  }
  for (const r of read('rule_hiv')) {
    facts(String(r.person_id)).hiv!.push({ ...evidence('hiv', r, r.confirm_date), confirm: String(r.confirm_date) });
  }
  for (const r of read('rule_assistance')) {
    facts(String(r.person_id)).assistance!.push({
      ...evidence('social_assistance', r, r.end_date ?? r.start_date),
      householdId: str(r.household_id),
      relation: str(r.relation),
      type: String(r.assistance_type),
      start: String(r.start_date),
      end: str(r.end_date),
    });
  }
  for (const r of read('rule_enrollments')) {
    facts(String(r.person_id)).enrollments.push({
      ...evidence('enrollment', r, r.as_of),
      status: String(r.status),
      level: str(r.level),
      asOf: str(r.as_of),
      school: str(r.school_name),
    });
  }

  const registry = new Map<string, RegistryRecord[]>();
  for (const r of read('rule_registry')) {
    const list = registry.get(String(r.child_id)) ?? [];
    list.push({
      ...evidence('registry', { ...r, record_id: r.child_ref ?? `${r.batch_id}:${r.src_row}` }, r.start_date),
      childRef: str(r.child_ref),
      category: String(r.category),
      subtype: str(r.category_subtype),
      status: r.status as 'ACTIVE' | 'STOPPED',
      startDate: str(r.start_date),
      lastPaidMonth: str(r.last_paid_month),
      county: str(r.county),
      father: { personId: str(r.father_id), status: str(r.father_status), since: str(r.father_since), ...nameOnly(r.father_name_only) },
      mother: { personId: str(r.mother_id), status: str(r.mother_status), since: str(r.mother_since), ...nameOnly(r.mother_name_only) },
      carerPersonId: str(r.carer_id),
    });
    registry.set(String(r.child_id), list);
  }
  type Listed = { father: string | null; mother: string | null; fatherNameOnly: number | null; motherNameOnly: number | null };
  const listed = new Map<string, Listed>();
  for (const r of read('rule_listed_parents')) {
    const l = listed.get(String(r.child_id)) ?? { father: null, mother: null, fatherNameOnly: null, motherNameOnly: null };
    const nameOnly = r.name_only === null || r.name_only === undefined ? null : Number(r.name_only);
    if (r.relation === 'FATHER' && l.father === null) [l.father, l.fatherNameOnly] = [String(r.parent_id), nameOnly];
    else if (r.relation === 'MOTHER' && l.mother === null) [l.mother, l.motherNameOnly] = [String(r.parent_id), nameOnly];
    listed.set(String(r.child_id), l);
  }

  const alternatives = new Map<string, { FATHER?: NameOnlyAlternatives; MOTHER?: NameOnlyAlternatives }>();
  for (const r of read('rule_parent_alternatives')) {
    const a = alternatives.get(String(r.child_id)) ?? {};
    const rel = r.relation as 'FATHER' | 'MOTHER';
    const x = (a[rel] ??= { personIds: [], probability: Number(r.name_only) });
    x.personIds.push(String(r.parent_id));
    x.probability = Math.min(x.probability, Number(r.name_only));
    alternatives.set(String(r.child_id), a);
  }

  const children: ChildFacts[] = [];
  for (const r of read('rule_identity') as unknown as {
    person_id: string;
    who: { name: string | null; id: string | null; county: string | null } | null;
    born: { birth: string; from_invalid_id: boolean } | null;
  }[]) {
    const l = listed.get(r.person_id);
    const a = alternatives.get(r.person_id);
    children.push({
      personId: r.person_id,
      name: r.who?.name ?? null,
      idNumber: r.who?.id ?? null,
      birthDate: r.born?.birth ?? null,
      ...(r.born?.from_invalid_id ? { birthFromInvalidId: true } : {}),
      county: r.who?.county ?? null,
      own: people.get(r.person_id) ?? EMPTY_FACTS(r.person_id),
      registry: registry.get(r.person_id) ?? [],
      listedFatherId: l?.father ?? null,
      listedMotherId: l?.mother ?? null,
      // Only when set, so that the facts of children without name-only parents stay as they were.
      ...(l?.fatherNameOnly != null ? { listedFatherNameOnly: l.fatherNameOnly } : {}),
      ...(l?.motherNameOnly != null ? { listedMotherNameOnly: l.motherNameOnly } : {}),
      ...(a?.FATHER ? { fatherAlternatives: a.FATHER } : {}),
      ...(a?.MOTHER ? { motherAlternatives: a.MOTHER } : {}),
    });
  }
  return { children, people };
}
