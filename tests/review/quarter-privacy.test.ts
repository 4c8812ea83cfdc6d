// The quarterly run applies retention first (audited, with its run) and audits flags.csv, which
// holds full ID numbers and names (issue 18 item 12).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { runQuarter } from '../../jobs/index.js';
import { openStore, queryRows } from '../../pipeline/store/index.js';
import { insertPlain, tempDir } from '../helpers.js';

describe('quarterly run: retention and the flags.csv audit', () => {
  it('deletes the feeds past retention before it reads them, and audits both', async () => {
    const dir = tempDir('bidui-qpriv-');
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const cfg = loadConfig(undefined, { database: join(dir, 'store.duckdb'), inbox, profile: { extends: 'national', retention: { feedDays: 30 } } });
    const db = await openStore(cfg.database);
    await db.run(
      `INSERT INTO ingest_batches (batch_id, feed, source, file_name, file_path, file_size, content_hash, status, rows_loaded, started_at, finished_at)
       VALUES (1, 'death', 'death', 'old.csv', '/inbox/old.csv', 1, 'h1', 'loaded', 1, CAST(now() AS TIMESTAMP) - INTERVAL 60 DAY, CAST(now() AS TIMESTAMP) - INTERVAL 60 DAY)`,
    );
    await insertPlain(db, 'feed_death',`INSERT INTO feed_death (batch_id, src_row, src_line, raw, name, death_date) VALUES (1, 1, 2, '{}', '旧记录', DATE '2024-01-01')`);
    const out = join(dir, 'out');
    const result = await runQuarter(db, cfg, { asOf: '2026-09-30', out });
    expect(result.retention).toMatchObject({ feedDays: 30, batches: [1], deleted: { death: 1 } });
    expect(await queryRows(db, `SELECT * FROM feed_death`)).toEqual([]);
    const audit = await queryRows<{ actor: string; action: string; run_id: string; target: string; rows: number; detail: string }>(
      db,
      `SELECT actor, action, run_id, target, rows, CAST(detail AS VARCHAR) AS detail FROM audit_log ORDER BY audit_id`,
    );
    expect(audit.find((a) => a.action === 'retention')).toMatchObject({ actor: 'system', run_id: result.runId, rows: 1 });
    const csv = audit.find((a) => a.action === 'export' && a.target === join(out, 'flags.csv'));
    expect(csv).toMatchObject({ actor: 'system', run_id: result.runId, rows: result.flags });
    expect(JSON.parse(csv!.detail)).toMatchObject({ kind: 'flags.csv', fullIds: true });
  });
});
