import { describe, expect, it } from 'vitest';
import { beijingTime } from '../pipeline/timing.js';

describe('beijingTime', () => {
  it('shows a moment in China Standard Time (UTC+8), across a date and a year', () => {
    expect(beijingTime('2026-12-31T20:00:00Z')).toBe('2027-01-01 04:00:00 北京时间');
    expect(beijingTime(Date.UTC(2026, 5, 30, 3, 4, 5))).toBe('2026-06-30 11:04:05 北京时间');
  });
});
