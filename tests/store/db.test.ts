import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectAlso, exclusive, openDb, queryRows, reclaimWork, type Db } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('exclusive', () => {
  it('runs one fn at a time per database and name, across connections; other names and databases do not wait', async () => {
    const db = await openDb(':memory:');
    const other = await connectAlso(db);
    const elsewhere = await openDb(':memory:');
    const log: string[] = [];
    const step = (label: string, ms: number) => async () => {
      log.push(`${label} start`);
      await pause(ms);
      log.push(`${label} end`);
      return label;
    };
    const results = await Promise.all([
      exclusive(db, 'names', step('a', 40)),
      exclusive(other, 'names', step('b', 1)),
      exclusive(db, 'other', step('c', 1)),
      exclusive(elsewhere, 'names', step('d', 1)),
    ]);
    expect(results).toEqual(['a', 'b', 'c', 'd']);
    // b (same database, same name) starts only after a ends; c and d finish while a runs.
    expect(log.indexOf('b start')).toBeGreaterThan(log.indexOf('a end'));
    expect(log.indexOf('c end')).toBeLessThan(log.indexOf('a end'));
    expect(log.indexOf('d end')).toBeLessThan(log.indexOf('a end'));
  });

  it('a failing fn rejects its own call and does not block the next', async () => {
    const db = await openDb(':memory:');
    const failing = exclusive(db, 'names', async () => {
      throw new Error('boom');
    });
    const next = exclusive(db, 'names', async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('two openDb of one file are one database: their calls wait for each other', async () => {
    const path = join(tempDir(), 'store.duckdb');
    const first = await openDb(path);
    const second = await openDb(path);
    const log: string[] = [];
    await Promise.all(
      [first, second].map((db, i) =>
        exclusive(db, 'names', async () => {
          log.push(`${i} start`);
          await pause(20);
          log.push(`${i} end`);
        }),
      ),
    );
    expect(log).toEqual(['0 start', '0 end', '1 start', '1 end']);
  });
});

describe('reclaimWork', () => {
  const workMiB = async (db: Db) =>
    (await queryRows<{ mib: number }>(db, `SELECT (sum(memory_usage_bytes) / 1048576)::DOUBLE AS mib FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`))[0]!.mib;

  it('gives back the memory of deleted work rows, and waits when another connection writes', async () => {
    const db = await openDb(':memory:');
    await db.run(`CREATE TABLE wide AS SELECT range AS i, repeat('x', 100) || range AS s FROM range(1000000)`);
    await db.run('DELETE FROM wide WHERE i % 2 = 0');
    const held = await workMiB(db);

    // An open write transaction elsewhere: the checkpoint is left for a later call, without an error.
    const other = await connectAlso(db);
    await other.run('BEGIN');
    await other.run('CREATE TABLE pending AS SELECT 1 AS a');
    await reclaimWork(db);
    expect(await workMiB(db)).toBeGreaterThan(held * 0.9);
    await other.run('COMMIT');

    await reclaimWork(db);
    expect(await workMiB(db)).toBeLessThan(held * 0.7);
    expect((await queryRows<{ n: number }>(db, 'SELECT count(*)::INTEGER AS n FROM wide'))[0]!.n).toBe(500_000);
  });
});
