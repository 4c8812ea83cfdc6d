/** The province's in-use county codes, read from reference/region-codes-history.csv. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface County {
  code: string; // 6 digits
  name: string;
  city: string; // 4-digit prefecture prefix
  cityName: string;
}

const REL = join('reference', 'region-codes-history.csv');

/** Walks up from this module's directory (works from synth/ and from dist/synth/). */
export function findReferenceFile(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    const p = join(dir, REL);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find ${REL} above ${start}`);
    dir = up;
  }
}

export function loadCounties(province: string, file = findReferenceFile()): County[] {
  let text = readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const seen = new Set<string>();
  const out: County[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const cols = (lines[i] as string).split(',');
    if (cols.length < 6) continue;
    const [code, , city, name, level, status] = cols as [string, string, string, string, string, string];
    if (!code.startsWith(province) || level !== '县级' || status !== '在用' || !/^\d{6}$/.test(code)) continue;
    if (seen.has(code)) continue;
    seen.add(code);
    out.push({ code, name, city: code.slice(0, 4), cityName: city });
  }
  if (out.length === 0) throw new Error(`no in-use county codes for province ${province}`);
  out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return out;
}
