import { KeyError } from '../seal/index.js';
import type { Db } from './db.js';
import { checkpoint, queryRows, quoteIdent, storeCatalog, storeKeys, useWork, WORK_DATABASE } from './db.js';
import { V1_FEED_SPECS, feedTableDdlV1 } from './schema.js';
import { openViewSql, SEALED_TABLES, sealExpr } from './sealed.js';

/** The name columns of the feed tables when v4 ran (a migration keeps the schema it was written for). */
const V4_NAME_COLUMNS: [table: string, names: string[]][] = [
  ['feed_registry', ['name', 'father_name', 'mother_name', 'carer_name']],
  ['feed_death', ['name']],
  ['feed_incarceration', ['name']],
  ['feed_disability', ['name']],
  ['feed_enrollment', ['name', 'guardian1_name', 'guardian2_name']],
];
const V4_FORMS = ['norm', 'simplified', 'pinyin', 'pinyin_alts', 'surname', 'given', 'tokens'];
const V4_NAME_FORMS_DDL = `CREATE TABLE name_forms (
  name VARCHAR PRIMARY KEY,
  norm VARCHAR,
  simplified VARCHAR,
  pinyin VARCHAR,
  pinyin_alts VARCHAR[],
  surname VARCHAR,
  given VARCHAR,
  tokens VARCHAR[]
);`;

/**
 * v4: name_forms filled from the feed tables' inline `<name>_<form>` columns, which are then
 * dropped. A name stored by several batches keeps the forms of the latest.
 */
function moveNameForms(): string {
  const nameColumns = V4_NAME_COLUMNS.flatMap(([table, names]) => names.map((name) => ({ table, name })));
  const forms = nameColumns.map(
    ({ table, name }) =>
      `SELECT "${name}" AS name, batch_id, ${V4_FORMS.map((f) => `"${name}_${f}" AS ${f}`).join(', ')} FROM ${table} WHERE "${name}" IS NOT NULL`,
  );
  const drops = nameColumns.flatMap(({ table, name }) => V4_FORMS.map((f) => `ALTER TABLE ${table} DROP COLUMN "${name}_${f}";`));
  return `${V4_NAME_FORMS_DDL}
INSERT INTO name_forms BY NAME SELECT DISTINCT ON (name) * EXCLUDE (batch_id) FROM (${forms.join('\nUNION ALL\n')}) ORDER BY name, batch_id DESC;
${drops.join('\n')}`;
}

/**
 * Versioned schema migrations, applied in order, each once. Never edit a migration that has
 * shipped: add a new one (a feed spec change needs an ALTER TABLE migration).
 */
export const MIGRATIONS: { version: number; name: string; sql?: string; run?: (db: Db) => Promise<void> }[] = [
  {
    version: 1,
    name: 'ingest batches, quarantine, findings, feed tables',
    sql: `
CREATE SEQUENCE batch_id_seq START 1;
CREATE TABLE ingest_batches (
  batch_id INTEGER PRIMARY KEY DEFAULT nextval('batch_id_seq'),
  feed VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  file_name VARCHAR NOT NULL,
  file_path VARCHAR NOT NULL,
  file_size BIGINT NOT NULL,
  content_hash VARCHAR NOT NULL,
  format VARCHAR,
  encoding VARCHAR,
  status VARCHAR NOT NULL,          -- loading | loaded | failed
  error VARCHAR,                    -- why a failed batch failed
  rows_read INTEGER NOT NULL DEFAULT 0,
  rows_loaded INTEGER NOT NULL DEFAULT 0,
  rows_quarantined INTEGER NOT NULL DEFAULT 0,
  findings INTEGER NOT NULL DEFAULT 0,
  header_map JSON,                  -- canonical key -> header found in the file
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP
);
CREATE TABLE quarantine (
  batch_id INTEGER NOT NULL,
  src_row INTEGER,                  -- null when the row could not be parsed into fields at all
  src_line INTEGER,
  field VARCHAR,                    -- canonical key, or null for a whole-row problem
  reason VARCHAR NOT NULL,          -- code
  detail VARCHAR,                   -- what was found, in words
  raw VARCHAR                       -- the row as read
);
CREATE TABLE findings (
  batch_id INTEGER NOT NULL,
  src_row INTEGER NOT NULL,
  src_line INTEGER NOT NULL,
  field VARCHAR NOT NULL,
  code VARCHAR NOT NULL             -- e.g. SCIENTIFIC_NOTATION, BAD_CHECK_DIGIT, BIRTH_DATE_CONTRADICTS_ID
);
${V1_FEED_SPECS.map(feedTableDdlV1).join('\n')}
`,
  },
  {
    version: 2,
    name: 'runs, flags, decisions, export audit',
    sql: `
CREATE TABLE runs (
  run_id VARCHAR PRIMARY KEY,        -- 'Q' || as_of, e.g. Q2026-09-30: re-running a quarter replaces it
  as_of DATE NOT NULL,
  status VARCHAR NOT NULL,           -- running | complete | incomplete | failed
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  config JSON NOT NULL,              -- the configuration, rule profile included
  match_settings JSON,               -- the linkage settings with their trained parameters
  input_batches INTEGER[] NOT NULL,  -- the ingest batches the run read
  timings JSON,                      -- seconds per stage
  summary JSON,                      -- counts by flag, category, county
  previous_run_id VARCHAR            -- the run its flags are compared with (new / persisting / resolved)
);
CREATE TABLE flags (
  flag_id VARCHAR NOT NULL,          -- stable: hash of flag_key and as_of
  run_id VARCHAR NOT NULL,
  flag_key VARCHAR NOT NULL,         -- the same condition in another quarter has the same key
  as_of DATE NOT NULL,
  flag VARCHAR NOT NULL,             -- ADD | REMOVE | RECLASSIFY | URGENT | EDUCATION | WATCH
  category VARCHAR,
  previous_category VARCHAR,
  reason VARCHAR NOT NULL,
  child_person_id VARCHAR,
  child_name VARCHAR,
  child_id_number VARCHAR,
  child_ref VARCHAR,
  county_code VARCHAR,
  effective_from DATE,
  overpaid_months INTEGER,
  priority INTEGER NOT NULL,         -- 1 = most urgent
  score DOUBLE,                      -- best match probability among the evidence
  evidence JSON NOT NULL,            -- [{feed, record_id, date, score, role, batch_id, src_row}]
  params JSON NOT NULL,              -- the profile parameters the rule used
  fingerprint VARCHAR NOT NULL,      -- hash of the evidence: a rejected flag stays suppressed while it is unchanged
  lifecycle VARCHAR,                 -- new | persisting (vs the previous run)
  PRIMARY KEY (run_id, flag_id)
);
CREATE TABLE resolved_flags (        -- flags of the previous run that no longer hold
  run_id VARCHAR NOT NULL,
  flag_id VARCHAR NOT NULL,          -- the flag in the previous run
  previous_run_id VARCHAR NOT NULL
);
CREATE TABLE suppressed_flags (      -- flags not raised again because a reviewer rejected them with the same evidence
  run_id VARCHAR NOT NULL,
  flag_key VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  decision_id INTEGER NOT NULL
);
CREATE SEQUENCE decision_id_seq START 1;
CREATE TABLE decisions (
  decision_id INTEGER PRIMARY KEY DEFAULT nextval('decision_id_seq'),
  flag_id VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  flag_key VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  decision VARCHAR NOT NULL,         -- confirmed | rejected | needs_info | approved (second approval of a REMOVE) | info_received (v10)
  reason VARCHAR,
  decided_by VARCHAR NOT NULL,
  decided_at TIMESTAMP NOT NULL
);
CREATE SEQUENCE audit_id_seq START 1;
CREATE TABLE audit_log (             -- append-only: exports, unmasked views, decisions, logins
  audit_id INTEGER PRIMARY KEY DEFAULT nextval('audit_id_seq'),
  logged_at TIMESTAMP NOT NULL,
  actor VARCHAR NOT NULL,
  action VARCHAR NOT NULL,           -- export | unmask | decide | login | view
  run_id VARCHAR,
  target VARCHAR,                    -- flag id, file path, ...
  rows INTEGER,
  detail JSON
);
`,
  },
  {
    version: 3,
    name: 'web review queue: users, sessions, flag assignments, login attempts',
    sql: `
CREATE TABLE users (                 -- accounts of the web review queue (bidui users add)
  username VARCHAR PRIMARY KEY,
  role VARCHAR NOT NULL,             -- reviewer | supervisor | admin
  areas VARCHAR[] NOT NULL,          -- county codes (reviewer), city codes (supervisor); admin: any
  password_hash VARCHAR NOT NULL,    -- scrypt$N$r$p$salt$hash
  display_name VARCHAR,
  active BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP
);
CREATE TABLE sessions (
  session_hash VARCHAR PRIMARY KEY,  -- sha256 of the cookie value; the value itself is never stored
  username VARCHAR NOT NULL,
  csrf_token VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  last_seen TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  ip VARCHAR
);
CREATE TABLE flag_assignments (      -- "assign to me": a flag locked by one reviewer
  run_id VARCHAR NOT NULL,
  flag_id VARCHAR NOT NULL,
  assigned_to VARCHAR NOT NULL,
  assigned_at TIMESTAMP NOT NULL,
  PRIMARY KEY (run_id, flag_id)
);
CREATE TABLE login_attempts (        -- for rate limiting the login
  attempted_at TIMESTAMP NOT NULL,
  username VARCHAR NOT NULL,
  ip VARCHAR,
  success BOOLEAN NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'name forms kept once per name in name_forms, not on every feed row',
    sql: moveNameForms(),
  },
  {
    // name_forms (the forms of every name stored in a feed's name column, as computed when the
    // name was first ingested) without its primary key: the index cost as much as the insert and
    // grew with the store. The ingest adds a name only when it is not there, one batch at a time
    // (the database's 'name_forms' lock, one read-write process per file). Nothing links a name to
    // its batches: recomputing the forms (pipeline/store/name-forms.ts) drops the names no feed row has.
    version: 5,
    name: 'name_forms without its primary key',
    sql: `
CREATE TABLE name_forms_v5 AS SELECT * FROM name_forms;
DROP TABLE name_forms;
ALTER TABLE name_forms_v5 RENAME TO name_forms;
`,
  },
  {
    // The NAME_FORMS_VERSION (pipeline/identity) that computed name_forms. Left empty here, so the
    // forms of a store from before it are recomputed once when it is next opened.
    version: 6,
    name: 'the version of the name normalisation that computed name_forms',
    sql: `CREATE TABLE name_forms_version (version INTEGER NOT NULL, computed_at TIMESTAMP NOT NULL);`,
  },
  {
    // What a failed batch was tried with: the content hash, the format and the source's reading
    // configuration (encoding, sheet, header aliases, ...) and the bounds. The same attempt is not
    // made again (a file that crashed a run would crash every later one); a changed file or a
    // changed configuration is a new attempt. A batch still 'loading' when a process opens the store
    // is 'failed' (its process ended; pipeline/store/index.ts recoverInterrupted).
    version: 7,
    name: 'ingest_batches.attempt_key: a failed attempt is not repeated until its file or configuration changes',
    sql: `ALTER TABLE ingest_batches ADD COLUMN attempt_key VARCHAR;`,
  },
  {
    version: 8,
    name: 'flags.overpaid_amount: the money paid since a REMOVE took effect (元)',
    sql: `ALTER TABLE flags ADD COLUMN overpaid_amount DOUBLE;`,
  },
  {
    // Pulled sources (connectors/pull/): per source, the incremental "changed since" mark and the
    // last pull's outcome (bidui status). The exchange (exports/exchange.ts): each query list sent
    // to an agency, and per request_id the registry rows (child, father, mother, carer) it asks
    // about, so that an answer links back through request_id (matchers) and a request the answer
    // does not mention reads "no record as of the answer date" (rules explain).
    version: 9,
    name: 'pull_state (pulled sources) and exchange_requests, exchange_request_rows (query lists and their answers)',
    sql: `
CREATE TABLE pull_state (
  source VARCHAR PRIMARY KEY,
  mark VARCHAR,
  last_pull_at TIMESTAMP,
  last_status VARCHAR,
  last_rows INTEGER,
  last_pages INTEGER,
  last_file VARCHAR,
  last_error VARCHAR,
  last_success_at TIMESTAMP
);
CREATE TABLE exchange_requests (
  exchange_id VARCHAR PRIMARY KEY,
  feed VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  created_by VARCHAR NOT NULL,
  persons INTEGER NOT NULL,
  files JSON NOT NULL
);
CREATE TABLE exchange_request_rows (
  exchange_id VARCHAR NOT NULL,
  request_id VARCHAR NOT NULL,
  reg_batch_id INTEGER NOT NULL,
  reg_src_row INTEGER NOT NULL,
  role VARCHAR NOT NULL,
  child_ref VARCHAR,
  PRIMARY KEY (request_id, reg_batch_id, reg_src_row, role)
);
`,
  },
  {
    // The needs-info loop (flags/status.ts): a 'needs_info' decision carries the date the material
    // is due; an 'info_received' decision records the answer (in reason). Past the due date without
    // an answer, the flag is back in the review queue.
    version: 10,
    name: 'decisions.due_on: the date a needs-info request is due',
    sql: `ALTER TABLE decisions ADD COLUMN due_on DATE;`,
  },
  {
    // The five optional feeds of FEEDS.md (issue 15), in the layout of pipeline/store/schema.ts
    // feedTableDdl as of this migration; a later change to their specs needs an ALTER migration.
    version: 11,
    name: 'feed tables court, lost_contact, illness, hiv, social_assistance',
    sql: `
CREATE TABLE feed_court (
  "batch_id" INTEGER NOT NULL,
  "src_row" INTEGER NOT NULL,
  "src_line" INTEGER NOT NULL,
  "raw" JSON NOT NULL,
  "name" VARCHAR,
  "id_number" VARCHAR,
  "id_number_valid" BOOLEAN,
  "id_number_damaged" BOOLEAN,
  "id_number_issues" VARCHAR[],
  "id_number_birth_date" DATE,
  "id_number_gender" VARCHAR,
  "id_number_region" VARCHAR,
  "id_number_region_current" VARCHAR[],
  "gender" VARCHAR,
  "birth_date" DATE,
  "judgment_type" VARCHAR,
  "judgment_date" DATE,
  "effective_date" DATE,
  "court" VARCHAR,
  "case_no" VARCHAR,
  PRIMARY KEY (batch_id, src_row)
);
CREATE TABLE feed_lost_contact (
  "batch_id" INTEGER NOT NULL,
  "src_row" INTEGER NOT NULL,
  "src_line" INTEGER NOT NULL,
  "raw" JSON NOT NULL,
  "name" VARCHAR,
  "id_number" VARCHAR,
  "id_number_valid" BOOLEAN,
  "id_number_damaged" BOOLEAN,
  "id_number_issues" VARCHAR[],
  "id_number_birth_date" DATE,
  "id_number_gender" VARCHAR,
  "id_number_region" VARCHAR,
  "id_number_region_current" VARCHAR[],
  "gender" VARCHAR,
  "birth_date" DATE,
  "report_date" DATE,
  "found_date" DATE,
  "reporter" VARCHAR,
  "record_id" VARCHAR,
  PRIMARY KEY (batch_id, src_row)
);
CREATE TABLE feed_illness (
  "batch_id" INTEGER NOT NULL,
  "src_row" INTEGER NOT NULL,
  "src_line" INTEGER NOT NULL,
  "raw" JSON NOT NULL,
  "name" VARCHAR,
  "id_number" VARCHAR,
  "id_number_valid" BOOLEAN,
  "id_number_damaged" BOOLEAN,
  "id_number_issues" VARCHAR[],
  "id_number_birth_date" DATE,
  "id_number_gender" VARCHAR,
  "id_number_region" VARCHAR,
  "id_number_region_current" VARCHAR[],
  "gender" VARCHAR,
  "birth_date" DATE,
  "disease_code" VARCHAR,
  "disease_name" VARCHAR,
  "diagnosis_date" DATE,
  "hospital" VARCHAR,
  "record_id" VARCHAR,
  PRIMARY KEY (batch_id, src_row)
);
CREATE TABLE feed_hiv (
  "batch_id" INTEGER NOT NULL,
  "src_row" INTEGER NOT NULL,
  "src_line" INTEGER NOT NULL,
  "raw" JSON NOT NULL,
  "name" VARCHAR,
  "id_number" VARCHAR,
  "id_number_valid" BOOLEAN,
  "id_number_damaged" BOOLEAN,
  "id_number_issues" VARCHAR[],
  "id_number_birth_date" DATE,
  "id_number_gender" VARCHAR,
  "id_number_region" VARCHAR,
  "id_number_region_current" VARCHAR[],
  "gender" VARCHAR,
  "birth_date" DATE,
  "confirm_date" DATE,
  "region_code" VARCHAR,
  "region_code_county" VARCHAR,
  "record_id" VARCHAR,
  PRIMARY KEY (batch_id, src_row)
);
CREATE TABLE feed_social_assistance (
  "batch_id" INTEGER NOT NULL,
  "src_row" INTEGER NOT NULL,
  "src_line" INTEGER NOT NULL,
  "raw" JSON NOT NULL,
  "household_id" VARCHAR,
  "name" VARCHAR,
  "id_number" VARCHAR,
  "id_number_valid" BOOLEAN,
  "id_number_damaged" BOOLEAN,
  "id_number_issues" VARCHAR[],
  "id_number_birth_date" DATE,
  "id_number_gender" VARCHAR,
  "id_number_region" VARCHAR,
  "id_number_region_current" VARCHAR[],
  "gender" VARCHAR,
  "birth_date" DATE,
  "relation" VARCHAR,
  "assistance_type" VARCHAR,
  "start_date" DATE,
  "end_date" DATE,
  "region_code" VARCHAR,
  "region_code_county" VARCHAR,
  "monthly_amount" VARCHAR,
  PRIMARY KEY (batch_id, src_row)
);
`,
  },
  {
    // Protection at rest (RULES.md §4, docs/protection.md): the personal columns of every sealed table
    // become sealed text under the store's key, the tables are renamed sealed_<name> (the views of
    // sealed.ts open them), and the linkage's working tables, which the work database now holds, go.
    version: 12,
    name: 'sealed personal columns (SM4), store_key',
    run: sealStore,
  },
];

/** The linkage's working tables that earlier versions left in the store (they held names and IDs in clear). */
const OLD_WORK_TABLES = /^(match_(?!runs$).*|interest_hits|mention_interest|name_only_links|request_links|exchange_answer_rows|bucket_keys|step_flags)$/;

async function storeTables(db: Db): Promise<Set<string>> {
  const rows = await queryRows<{ t: string }>(db, `SELECT table_name AS t FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'`);
  return new Set(rows.map((r) => r.t));
}

async function sealStore(db: Db): Promise<void> {
  const tables = await storeTables(db);
  for (const t of SEALED_TABLES) {
    if (tables.has(t.table) || !tables.has(t.name)) continue;
    if (t.name === 'mentions') {
      const sealed = t.columns.map((c) => `${sealExpr(c, quoteIdent(c.name))} AS ${quoteIdent(c.name)}`).join(', ');
      await db.run(`CREATE TABLE ${t.table} AS SELECT * REPLACE (${sealed}) FROM mentions; DROP TABLE mentions;`);
      continue;
    }
    await db.run(`ALTER TABLE ${quoteIdent(t.name)} RENAME TO ${quoteIdent(t.table)}`);
    for (const c of t.columns) {
      await db.run(`ALTER TABLE ${quoteIdent(t.table)} ALTER COLUMN ${quoteIdent(c.name)} SET DATA TYPE VARCHAR USING ${sealExpr(c, quoteIdent(c.name))}`);
    }
  }
  for (const name of tables) if (OLD_WORK_TABLES.test(name)) await db.run(`DROP TABLE ${quoteIdent(name)}`);
  await db.run(`CREATE TABLE store_key (key_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)`);
}

/**
 * The store's key is the key it was sealed with (store_key; the first key to open a new store is
 * recorded), and the work database has a view opening each sealed table (a work table of the same
 * name, made by this process, stays).
 */
async function openSealedTables(db: Db): Promise<void> {
  const keys = storeKeys(db);
  const [stored] = await queryRows<{ key_id: string }>(db, 'SELECT key_id FROM store_key LIMIT 1');
  if (!stored) await db.run(`INSERT INTO store_key VALUES ('${keys.id}', now())`);
  else if (stored.key_id !== keys.id) {
    throw new KeyError(
      `数据库是用另一把密钥加密的（密钥编号 ${stored.key_id}），当前密钥编号 ${keys.id}：请使用加密该数据库时的密钥（环境变量 BIDUI_KEY 或 BIDUI_KEY_FILE，或数据库旁的 bidui.key）`,
    );
  }
  const tables = await storeTables(db);
  const work = new Set(
    (await queryRows<{ t: string }>(db, `SELECT table_name AS t FROM duckdb_tables() WHERE database_name = '${WORK_DATABASE}'`)).map((r) => r.t),
  );
  for (const t of SEALED_TABLES) if (tables.has(t.table) && !work.has(t.name)) await db.run(openViewSql(t, storeCatalog(db), WORK_DATABASE));
}

export async function migrate(db: Db): Promise<number[]> {
  // Migrations create the store's tables: in the store, not in the work database (openDb).
  await db.run(`USE ${quoteIdent(storeCatalog(db))}`);
  try {
    return await migrateStore(db);
  } finally {
    await useWork(db);
  }
}

async function migrateStore(db: Db): Promise<number[]> {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)`);
  const done = new Set((await queryRows<{ version: number }>(db, 'SELECT version FROM schema_migrations')).map((r) => r.version));
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    await db.run('BEGIN TRANSACTION');
    try {
      if (m.sql) await db.run(m.sql);
      if (m.run) await m.run(db);
      await db.run(`INSERT INTO schema_migrations VALUES (${m.version}, '${m.name.replaceAll("'", "''")}', now())`);
      await db.run('COMMIT');
    } catch (err) {
      await db.run('ROLLBACK');
      throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
    }
    applied.push(m.version);
  }
  // DuckDB writes an ALTER … USING to its WAL as the expression, which it cannot bind when it replays the
  // log at the next open (bidui_seal is this process's function): the migrations end in the file itself.
  if (applied.length) await checkpoint(db);
  await openSealedTables(db);
  return applied;
}
