// Retention (RULES.md §4): the feeds are kept `retention.feedDays` days (profile parameter, default
// 400); flags, decisions and the audit log are kept. Applied at the start of every quarterly run and
// by `bidui retention apply`, and audited (action 'retention').
//
// A batch is old when it finished loading (else started) more than feedDays before now. Of an old
// batch go: its feed rows (normalised columns and the raw row), its quarantine rows (the raw text of
// bad rows) and its findings, their rows in the linkage's derived tables (mentions, persons,
// person_links: rebuilt by the next run anyway) and the names no feed row has any more (name_forms).
// What stays: the ingest_batches row (file name, content hash, counts: so the same file is not
// loaded again while it lies in the inbox), and the feed rows the evidence of a flag of a run
// within the retention period points to (feed, batch_id, src_row), so that a flag still under
// review shows its records. An older run's flags keep their evidence items (feed, record id, date,
// score); the flag page then shows the item without its record.
import { z } from 'zod';
import { FEED_SPECS } from '../pipeline/feeds.js';
import { exec, ident, queryAll, queryOne, quoteIdent, sealedTable, sql, storeCatalog, storeTable, transaction, type Db, type Sql } from '../pipeline/store/index.js';
import { appendAudit } from './audit.js';

export interface RetentionOptions {
  /** retention.feedDays of the rule profile. */
  feedDays: number;
  /** Who applies it (audit_log.actor): the operator, or 'system' for the quarterly run. */
  actor?: string;
  /** The run that applied it (audit_log.run_id), when a quarterly run did. */
  runId?: string | null;
}

export interface RetentionResult {
  feedDays: number;
  /** Feed rows loaded before this (UTC, 'YYYY-MM-DD HH:MM:SS') are past retention. */
  cutoff: string;
  /** The old batches (whatever was left of them). */
  batches: number[];
  /** Feed rows deleted per feed. */
  deleted: Record<string, number>;
  /** Feed rows of old batches kept for the evidence of flags within the retention period. */
  kept: number;
  quarantine: number;
  findings: number;
  auditId: number;
}

const countSchema = z.object({ n: z.number() });

async function count(db: Db, q: Sql): Promise<number> {
  return (await queryOne(db, countSchema, sql`SELECT count(*)::INTEGER AS n FROM (${q})`))?.n ?? 0;
}

/** Whether the store (not the work database) has table `name`. */
async function tableExists(db: Db, name: string): Promise<boolean> {
  return (await count(db, sql`SELECT 1 FROM duckdb_tables() WHERE database_name = ${storeCatalog(db)} AND table_name = ${name} AND schema_name = 'main'`)) > 0;
}

/** A stored table by name (the sealed table of a sealed name): deletes go to what is stored, and compare sealed text. */
const stored = (db: Db, name: string) => sql.trusted(storeTable(db, SEALED_NAMES.has(name) ? sealedTable(name).table : name));
const SEALED_NAMES = new Set(['mentions', 'name_forms', 'quarantine', ...Object.values(FEED_SPECS).map((s) => s.table)]);

/** Deletes what is past retention (see above) and writes its audit_log row. */
export async function applyRetention(db: Db, opts: RetentionOptions): Promise<RetentionResult> {
  const feedDays = Math.trunc(opts.feedDays);
  if (!(feedDays >= 1)) throw new Error(`retention.feedDays must be at least 1, got ${opts.feedDays}`);
  const cutoffRow = await queryOne(
    db,
    z.object({ cutoff: z.string() }),
    sql`SELECT strftime(CAST(now() AS TIMESTAMP) - to_days(${feedDays}::INTEGER), '%Y-%m-%d %H:%M:%S') AS cutoff`,
  );
  const cutoff = cutoffRow!.cutoff;
  const old = await queryAll(
    db,
    z.object({ batch_id: z.number() }),
    sql`SELECT batch_id FROM ingest_batches WHERE status <> 'loading' AND coalesce(finished_at, started_at) < ${cutoff}::TIMESTAMP ORDER BY batch_id`,
  );
  const batches = old.map((b) => b.batch_id);
  const deleted: Record<string, number> = {};
  let kept = 0;
  let quarantine = 0;
  let findings = 0;

  if (batches.length) {
    await transaction(db, async () => {
      await exec(db, sql`CREATE OR REPLACE TEMP TABLE retention_old AS SELECT unnest(${sql.trusted(`[${batches.join(', ')}]`)}::INTEGER[]) AS batch_id`);
      // The records the flags of the runs within retention point to.
      await exec(
        db,
        sql`CREATE OR REPLACE TEMP TABLE retention_kept AS
            SELECT DISTINCT e.feed, e.batch_id, e.src_row FROM (
              SELECT unnest(from_json(CAST(f.evidence AS VARCHAR), '[{"feed":"VARCHAR","batch_id":"INTEGER","src_row":"INTEGER"}]'), recursive := true)
                FROM flags f JOIN runs r ON r.run_id = f.run_id
               WHERE coalesce(r.finished_at, r.started_at) >= ${cutoff}::TIMESTAMP) e
             WHERE e.batch_id IN (SELECT batch_id FROM retention_old)`,
      );
      for (const spec of Object.values(FEED_SPECS)) {
        const t = stored(db, spec.table);
        const gone = sql`t.batch_id IN (SELECT batch_id FROM retention_old)
          AND NOT EXISTS (SELECT 1 FROM retention_kept k WHERE k.feed = ${spec.feed} AND k.batch_id = t.batch_id AND k.src_row = t.src_row)`;
        deleted[spec.feed] = await count(db, sql`SELECT 1 FROM ${t} t WHERE ${gone}`);
        kept += await count(db, sql`SELECT 1 FROM ${t} t WHERE t.batch_id IN (SELECT batch_id FROM retention_old) AND NOT (${gone})`);
        if (deleted[spec.feed]) await exec(db, sql`DELETE FROM ${t} t WHERE ${gone}`);
      }
      const inOld = sql`batch_id IN (SELECT batch_id FROM retention_old)`;
      quarantine = await count(db, sql`SELECT 1 FROM ${stored(db, 'quarantine')} WHERE ${inOld}`);
      await exec(db, sql`DELETE FROM ${stored(db, 'quarantine')} WHERE ${inOld}`);
      const findingGone = sql`${inOld} AND NOT EXISTS (SELECT 1 FROM retention_kept k WHERE k.batch_id = x.batch_id AND k.src_row = x.src_row)`;
      findings = await count(db, sql`SELECT 1 FROM findings x WHERE ${findingGone}`);
      await exec(db, sql`DELETE FROM findings x WHERE ${findingGone}`);
      // Nothing more to clean when no feed row went (the old batches were emptied before).
      if (!Object.values(deleted).some((n) => n > 0)) return;
      // The linkage's tables of the last run (rebuilt by the next one): their rows of deleted records.
      for (const table of ['mentions', 'persons']) {
        if (!(await tableExists(db, table === 'mentions' ? sealedTable('mentions').table : table))) continue;
        await exec(
          db,
          sql`DELETE FROM ${stored(db, table)} x WHERE ${inOld}
                AND NOT EXISTS (SELECT 1 FROM retention_kept k WHERE k.feed = x.feed AND k.batch_id = x.batch_id AND k.src_row = x.src_row)`,
        );
      }
      if ((await tableExists(db, 'person_links')) && (await tableExists(db, sealedTable('mentions').table))) {
        const mentions = stored(db, 'mentions');
        await exec(
          db,
          sql`DELETE FROM ${stored(db, 'person_links')} WHERE mention_key_l NOT IN (SELECT mention_key FROM ${mentions}) OR mention_key_r NOT IN (SELECT mention_key FROM ${mentions})`,
        );
      }
      // Names no feed row has any more (sealed text against sealed text: equal names seal alike).
      const names = Object.values(FEED_SPECS).flatMap((spec) =>
        spec.fields.filter((f) => f.kind.type === 'name').map((f) => `SELECT ${quoteIdent(f.key)} AS v FROM ${storeTable(db, sealedTable(spec.table).table)}`),
      );
      await exec(db, sql`DELETE FROM ${stored(db, 'name_forms')} WHERE name NOT IN (SELECT v FROM (${sql.trusted(names.join(' UNION ALL '))}) WHERE v IS NOT NULL)`);
    });
    await exec(db, sql`DROP TABLE IF EXISTS retention_old`);
    await exec(db, sql`DROP TABLE IF EXISTS retention_kept`);
  }

  const total = Object.values(deleted).reduce((n, x) => n + x, 0);
  const auditId = await appendAudit(db, {
    actor: opts.actor ?? 'system',
    action: 'retention',
    runId: opts.runId ?? null,
    target: 'feeds',
    rows: total,
    detail: { feedDays, cutoff, batches, deleted, kept, quarantine, findings },
  });
  return { feedDays, cutoff, batches, deleted, kept, quarantine, findings, auditId };
}
