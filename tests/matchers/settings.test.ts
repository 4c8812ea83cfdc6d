import { describe, expect, it } from 'vitest';
import { parseSettings, SettingsError } from '../../matchers/index.js';
import { levelIndices } from '../../matchers/settings.js';
import { readFileSync } from 'node:fs';

const base = () => ({
  linkType: 'dedupe_only',
  uniqueIdColumn: 'id',
  blockingRules: ['l.dob = r.dob'],
  comparisons: [
    {
      name: 'name',
      columns: ['name'],
      levels: [
        { label: 'null', labelZh: '缺失', sql: 'l.name IS NULL OR r.name IS NULL', isNull: true },
        { label: 'exact', labelZh: '完全一致', sql: 'l.name = r.name', tfAdjustColumn: 'name' },
        { label: 'close', labelZh: '相近', sql: 'jaro_winkler_similarity(l.name, r.name) > 0.9' },
        { label: 'else', labelZh: '不同', sql: 'ELSE' },
      ],
    },
  ],
  thresholds: { link: 0.9, review: 0.5 },
  em: { maxIterations: 10, tolerance: 1e-4, trainingBlockingRules: [] },
});

function errorOf(x: unknown): string {
  try {
    parseSettings(x);
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return (e as Error).message;
  }
  throw new Error('expected a validation error');
}

describe('settings', () => {
  it('accepts valid settings and survives a JSON round trip', () => {
    const s = parseSettings(base());
    expect(parseSettings(JSON.stringify(s))).toEqual(s);
    expect(levelIndices(s.comparisons[0]!)).toEqual([-1, 2, 1, 0]);
  });

  it('accepts the FEBRL settings file', () => {
    const s = parseSettings(readFileSync(new URL('../../matchers/settings/febrl.json', import.meta.url), 'utf8'));
    expect(s.comparisons.length).toBeGreaterThan(5);
  });

  it('rejects a missing ELSE level', () => {
    const s = base();
    s.comparisons[0]!.levels.pop();
    expect(errorOf(s)).toMatch(/last level must be the catch-all 'ELSE'/);
  });

  it('rejects a null level that is not first', () => {
    const s = base();
    const lv = s.comparisons[0]!.levels;
    [lv[0], lv[1]] = [lv[1]!, lv[0]!];
    expect(errorOf(s)).toMatch(/null level must come first/);
  });

  it('rejects link types without a source column, inverted thresholds, unknown keys, bad names', () => {
    expect(errorOf({ ...base(), linkType: 'link_only' })).toMatch(/sourceColumn: linkType link_only needs sourceColumn/);
    expect(errorOf({ ...base(), thresholds: { link: 0.5, review: 0.9 } })).toMatch(/review must be ≤ thresholds.link/);
    expect(errorOf({ ...base(), blockingRule: [] })).toMatch(/blockingRule/);
    const s = base();
    s.comparisons[0]!.name = 'bad name;';
    expect(errorOf(s)).toMatch(/SQL-safe identifier/);
    expect(errorOf({ ...base(), linkType: 'merge' })).toMatch(/linkType/);
    expect(errorOf({ ...base(), comparisons: [base().comparisons[0], base().comparisons[0]] })).toMatch(/duplicate comparison name/);
  });

  it('needs a Chinese label on every level, one per level of a comparison', () => {
    const s = base();
    delete (s.comparisons[0]!.levels[2] as { labelZh?: string }).labelZh;
    expect(errorOf(s)).toMatch(/comparisons\.0\.levels\.2\.labelZh/);
    const t = base();
    t.comparisons[0]!.levels[2]!.labelZh = '完全一致';
    expect(errorOf(t)).toMatch(/duplicate level labelZh '完全一致'/);
    expect(errorOf({ ...base(), comparisons: [{ ...base().comparisons[0], levels: base().comparisons[0]!.levels.map((l) => ({ ...l, labelZh: '' })) }] })).toMatch(/labelZh/);
  });

  it('the shipped settings carry a Chinese label on every level', () => {
    for (const file of ['identity.json', 'febrl.json']) {
      const s = parseSettings(readFileSync(new URL(`../../matchers/settings/${file}`, import.meta.url), 'utf8'));
      for (const c of s.comparisons) for (const l of c.levels) expect(l.labelZh, `${file} ${c.name} ${l.label}`).toMatch(/\p{Script=Han}/u);
    }
  });

  it('rejects out-of-range probabilities', () => {
    const s = base();
    (s.comparisons[0]!.levels[1] as { m?: number }).m = 1.5;
    expect(errorOf(s)).toMatch(/comparisons\.0\.levels\.1\.m/);
  });
});
