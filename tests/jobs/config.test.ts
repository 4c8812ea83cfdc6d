import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/index.js';
import { partitionOf, previousQuarterEnd } from '../../jobs/index.js';

describe('jobs configuration', () => {
  it('defaults: embedded (no queue), no partitions, quarterly at 02:00 on the 1st of Jan/Apr/Jul/Oct, Asia/Shanghai', () => {
    const { jobs } = parseConfig({});
    expect(jobs.queue).toBeNull();
    expect(jobs.partitionBy).toBeNull();
    expect(jobs.quarterly).toEqual({ enabled: true, cron: '0 2 1 1,4,7,10 *' });
    expect(jobs.timezone).toBe('Asia/Shanghai');
    expect(jobs.attempts).toBe(3);
    expect(jobs.resultsDir).toBe('data/jobs');
  });

  it('names the key of a bad value', () => {
    expect(() => parseConfig({ jobs: { partitionBy: 3 } })).toThrow(ConfigError);
    expect(() => parseConfig({ jobs: { queue: 'http://x' } })).toThrow(/jobs\.queue/);
    expect(() => parseConfig({ jobs: { retries: 2 } })).toThrow(/jobs/);
  });
});

describe('partitions and the scheduled as-of', () => {
  it('cuts a county code to the prefix; no code is partition _', () => {
    expect(partitionOf('440305', 4)).toBe('4403');
    expect(partitionOf(null, 4)).toBe('_');
    expect(partitionOf('440305', null)).toBe('all');
  });

  it('as-of of a quarterly run is the last day of the previous quarter, in Shanghai time', () => {
    // 2027-01-01 02:00 Shanghai is 2026-12-31 18:00 UTC.
    expect(previousQuarterEnd(new Date('2026-12-31T18:00:00Z'), 'Asia/Shanghai')).toBe('2026-12-31');
    expect(previousQuarterEnd(new Date('2026-03-31T18:00:00Z'), 'Asia/Shanghai')).toBe('2026-03-31');
    expect(previousQuarterEnd(new Date('2026-06-30T18:00:00Z'), 'Asia/Shanghai')).toBe('2026-06-30');
    expect(previousQuarterEnd(new Date('2026-09-30T18:00:00Z'), 'Asia/Shanghai')).toBe('2026-09-30');
    expect(previousQuarterEnd(new Date('2026-08-15T00:00:00Z'), 'Asia/Shanghai')).toBe('2026-06-30');
  });
});
