// pull_state (store migration 9): per pulled source, the "changed since" mark and the last pull.
import { z } from 'zod';
import { exec, queryAll, sql, type Db } from '../../pipeline/store/index.js';

export const pullStateRow = z.object({
  source: z.string(),
  mark: z.string().nullable(),
  last_pull_at: z.string().nullable(),
  last_status: z.enum(['ok', 'failed']).nullable(),
  last_rows: z.number().nullable(),
  last_pages: z.number().nullable(),
  last_file: z.string().nullable(),
  last_error: z.string().nullable(),
  last_success_at: z.string().nullable(),
});
export type PullState = z.infer<typeof pullStateRow>;

const SELECT = sql`SELECT source, mark, strftime(last_pull_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS last_pull_at, last_status, last_rows, last_pages,
  last_file, last_error, strftime(last_success_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS last_success_at FROM pull_state`;

export async function pullStates(db: Db): Promise<PullState[]> {
  return queryAll(db, pullStateRow, sql`${SELECT} ORDER BY source`);
}

export async function pullState(db: Db, source: string): Promise<PullState | null> {
  return (await queryAll(db, pullStateRow, sql`${SELECT} WHERE source = ${source}`))[0] ?? null;
}

/** A pull that completed: the mark moves, the file and counts are kept. Times are UTC. */
export async function recordSuccess(db: Db, source: string, r: { mark: string | null; at: Date; rows: number; pages: number; file: string | null }): Promise<void> {
  const at = r.at.toISOString();
  await exec(
    db,
    sql`INSERT INTO pull_state (source, mark, last_pull_at, last_status, last_rows, last_pages, last_file, last_error, last_success_at)
        VALUES (${source}, ${r.mark}, ${at}::TIMESTAMP, 'ok', ${r.rows}::INTEGER, ${r.pages}::INTEGER, ${r.file}, NULL, ${at}::TIMESTAMP)
        ON CONFLICT (source) DO UPDATE SET mark = excluded.mark, last_pull_at = excluded.last_pull_at, last_status = 'ok',
          last_rows = excluded.last_rows, last_pages = excluded.last_pages, last_file = excluded.last_file, last_error = NULL,
          last_success_at = excluded.last_success_at`,
  );
}

/** A pull that failed: the mark and the last good file stay; the reason is kept for `bidui status`. */
export async function recordFailure(db: Db, source: string, r: { at: Date; error: string; pages: number }): Promise<void> {
  await exec(
    db,
    sql`INSERT INTO pull_state (source, last_pull_at, last_status, last_rows, last_pages, last_error)
        VALUES (${source}, ${r.at.toISOString()}::TIMESTAMP, 'failed', 0, ${r.pages}::INTEGER, ${r.error})
        ON CONFLICT (source) DO UPDATE SET last_pull_at = excluded.last_pull_at, last_status = 'failed', last_rows = 0,
          last_pages = excluded.last_pages, last_error = excluded.last_error`,
  );
}
