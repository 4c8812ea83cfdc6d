// Issue 17 item 12: the demo shows each role enough. Two quarters, the second compared with the
// first (new, persisting, resolved); the reviewer's county has every flag type in the latest
// quarter, each one a reviewer may see; a needs-info request waits; the data page has quarantined rows.
import { describe, expect, it } from 'vitest';
import { DEMO_COUNTY, DEMO_QUARTERS, runDemo } from '../../cli/demo.js';
import { FLAG_TYPES, flagVisibleSql } from '../../flags/index.js';
import { queryAll, sql } from '../../pipeline/store/index.js';
import { z } from 'zod';
import { tempDir } from '../helpers.js';

describe('npm run demo', () => {
  it('runs two quarters and gives the reviewer\'s county every flag type', async () => {
    const demo = await runDemo(tempDir('bidui-demo-'));
    const [first, second] = demo.runs;
    expect(demo.runs.map((r) => [r.runId, r.status])).toEqual(DEMO_QUARTERS.map((q) => [`Q${q}`, 'complete']));
    expect(second!.previousRunId).toBe(first!.runId);
    // The quarter-over-quarter diff has something in each column.
    expect(second!.lifecycle.new).toBeGreaterThan(0);
    expect(second!.lifecycle.persisting).toBeGreaterThan(0);
    expect(second!.resolved).toBeGreaterThan(0);
    // The first quarter had no school roll: warned, no 未入学.
    expect(first!.missingFeeds).toEqual(['enrollment']);
    expect(second!.missingFeeds).toEqual([]);

    const byType = await queryAll(
      demo.db,
      z.object({ flag: z.string(), n: z.number() }),
      sql`SELECT flag, count(*)::INTEGER AS n FROM flags
           WHERE run_id = ${second!.runId} AND county_code = ${DEMO_COUNTY} AND ${flagVisibleSql(false)} GROUP BY flag`,
    );
    expect(byType.map((r) => r.flag).sort()).toEqual([...FLAG_TYPES].sort());
    // The trend has a point per quarter for the county.
    const perRun = await queryAll(
      demo.db,
      z.object({ run_id: z.string(), n: z.number() }),
      sql`SELECT run_id, count(*)::INTEGER AS n FROM flags WHERE county_code = ${DEMO_COUNTY} GROUP BY run_id ORDER BY run_id`,
    );
    expect(perRun.map((r) => r.run_id)).toEqual(DEMO_QUARTERS.map((q) => `Q${q}`));
    expect(perRun.every((r) => r.n > 0)).toBe(true);

    const waiting = await queryAll(
      demo.db,
      z.object({ decided_by: z.string(), due_on: z.string() }),
      sql`SELECT decided_by, CAST(due_on AS VARCHAR) AS due_on FROM decisions WHERE decision = 'needs_info'`,
    );
    expect(waiting).toEqual([{ decided_by: 'demo_reviewer', due_on: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) }]);
    const quarantined = await queryAll(demo.db, z.object({ reason: z.string() }), sql`SELECT reason FROM quarantine ORDER BY reason`);
    expect(quarantined.map((q) => q.reason)).toEqual(['INVALID_DATE', 'MISSING_REQUIRED']);
  }, 300_000);
});
