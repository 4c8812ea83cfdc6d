import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FEEDS } from '../../config/index.js';
import { tempDir } from '../helpers.js';
import { biduiArgs, ROOT } from '../setup/cli.js';

const run = promisify(execFile);
const bidui = async (args: string[]) => run(process.execPath, [...(await biduiArgs()), ...args], { cwd: ROOT, env: { ...process.env, BIDUI_LOG_LEVEL: 'warn' } });

describe('bidui CLI', () => {
  it('synth → ingest loads every feed; a second ingest adds nothing; status --json shows the counts', async () => {
    const dir = tempDir();
    const db = join(dir, 'store.duckdb');
    await bidui(['synth', '--seed', '1', '--size', 'tiny', '--out', join(dir, 'x')]);
    const first = JSON.parse((await bidui(['--db', db, 'ingest', '--inbox', join(dir, 'x/inbox'), '--json'])).stdout) as { feed: string; status: string; rowsLoaded: number }[];
    expect(first.length).toBeGreaterThanOrEqual(5);
    expect(first.every((r) => r.status === 'loaded')).toBe(true);
    expect(new Set(first.map((r) => r.feed))).toEqual(new Set(FEEDS));

    const second = JSON.parse((await bidui(['--db', db, 'ingest', '--inbox', join(dir, 'x/inbox'), '--json'])).stdout) as { status: string }[];
    expect(second.map((r) => r.status)).toEqual(first.map(() => 'duplicate'));

    const status = JSON.parse((await bidui(['--db', db, 'status', '--json'])).stdout) as { feeds: { feed: string; rows: number; batches: number }[] };
    for (const f of status.feeds) {
      const loaded = first.filter((r) => r.feed === f.feed).reduce((a, r) => a + r.rowsLoaded, 0);
      expect(f.rows).toBe(loaded);
      expect(f.rows).toBeGreaterThan(0);
    }
  });

  it('prints help for every command and a clear configuration error', async () => {
    for (const cmd of ['synth', 'ingest', 'status', 'demo']) {
      const { stdout } = await bidui([cmd, '--help']);
      expect(stdout).toContain(`bidui ${cmd}`);
    }
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ profile: { urgent: { windowDays: -1 } } }));
    const err = await bidui(['--config', join(dir, 'c.json'), 'status']).catch((e: { stderr: string; code: number }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/profile\.urgent\.windowDays/);
  });
});
