import type { Db } from './db.js';
import { queryRows } from './db.js';
import { ALL_FEED_SPECS, feedTableDdl } from './schema.js';

/**
 * Versioned schema migrations, applied in order, each once. Never edit a migration that has
 * shipped: add a new one (a feed spec change needs an ALTER TABLE migration).
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
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
${ALL_FEED_SPECS.map(feedTableDdl).join('\n')}
`,
  },
];

export async function migrate(db: Db): Promise<number[]> {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)`);
  const done = new Set((await queryRows<{ version: number }>(db, 'SELECT version FROM schema_migrations')).map((r) => r.version));
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    await db.run('BEGIN TRANSACTION');
    try {
      await db.run(m.sql);
      await db.run(`INSERT INTO schema_migrations VALUES (${m.version}, '${m.name.replaceAll("'", "''")}', now())`);
      await db.run('COMMIT');
    } catch (err) {
      await db.run('ROLLBACK');
      throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
    }
    applied.push(m.version);
  }
  return applied;
}
