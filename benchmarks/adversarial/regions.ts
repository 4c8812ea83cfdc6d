// Counties of the scenario's province (四川 51, from reference/region-codes-history.csv) with their
// own population weights, and the retired codes that older identity numbers still carry.
import { readFileSync } from 'node:fs';
import { findReferenceFile } from '../../synth/index.js';
import { Rng, Weighted } from './basics.js';

export interface County {
  code: string;
  city: string;
  /** Retired codes this county's area once had (old IDs keep them). */
  retired: string[];
  /** Yi (凉山 5134) or Tibetan (阿坝 5132, 甘孜 5133) area. */
  ethnic: 'han' | 'yi' | 'tibetan';
}

const TABLE = findReferenceFile();

export function loadCounties(province = '51'): County[] {
  const lines = readFileSync(TABLE, 'utf8').replace(/^\ufeff/, '').split(/\r?\n/).slice(1);
  const rows = lines.filter(Boolean).map((l) => l.split(','));
  const counties = new Map<string, County>();
  for (const r of rows) {
    const [code, , , , level, status] = r;
    if (!code!.startsWith(province) || level !== '县级' || status !== '在用') continue;
    const p = code!.slice(0, 4);
    counties.set(code!, { code: code!, city: p, retired: [], ethnic: p === '5134' ? 'yi' : p === '5132' || p === '5133' ? 'tibetan' : 'han' });
  }
  for (const r of rows) {
    const [code, , , , level, status, , , next] = r;
    if (!code!.startsWith(province) || level !== '县级' || status !== '弃用' || !next) continue;
    for (const n of next.split(';')) counties.get(n)?.retired.push(code!);
  }
  return [...counties.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/** Counties with uneven populations (urban districts larger), fixed by the seed. */
export function countyTable(counties: County[], rng: Rng): Weighted<County> {
  return new Weighted(counties.map((c) => [c, (c.code.slice(4, 6) < '20' ? 2 : 1) * (0.3 + rng.float())] as const));
}
