// Basic building blocks of the adversarial scenario: a seeded random source, calendar days,
// identity numbers (GB 11643-1999) and their defects. Written from the standard, not from synth/.

// ---------------------------------------------------------------- random

/** sfc32 seeded through splitmix32: small, fast, deterministic across platforms. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.float();
  }
  /** [0, 1) */
  float(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)]!;
  }
  /** Picks from [value, weight] pairs. */
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of pairs) total += w;
    let x = this.float() * total;
    for (const [v, w] of pairs) {
      x -= w;
      if (x < 0) return v;
    }
    return pairs[pairs.length - 1]![0];
  }
}

/** A cumulative table for fast weighted picks from long lists. */
export class Weighted<T> {
  private readonly cum: number[] = [];
  private readonly values: T[] = [];
  private total = 0;
  constructor(pairs: readonly (readonly [T, number])[]) {
    for (const [v, w] of pairs) {
      this.total += w;
      this.cum.push(this.total);
      this.values.push(v);
    }
  }
  pick(rng: Rng): T {
    const x = rng.float() * this.total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo]!;
  }
}

// ---------------------------------------------------------------- calendar days

const DAY = 86_400_000;
/** Days since 1970-01-01 (UTC). */
export const day = (iso: string): number => Math.round(Date.parse(iso + 'T00:00:00Z') / DAY);
export const iso = (d: number): string => new Date(d * DAY).toISOString().slice(0, 10);
export const ymd = (d: number): [number, number, number] => {
  const t = new Date(d * DAY);
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
};
export const fromYmd = (y: number, m: number, dd: number): number => Math.round(Date.UTC(y, m - 1, dd) / DAY);
/** The same calendar day n months later (clamped to the month's end). */
export function addMonths(d: number, n: number): number {
  const [y, m, dd] = ymd(d);
  const total = y * 12 + (m - 1) + n;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = ymd(fromYmd(ny, nm + 1, 1) - 1)[2];
  return fromYmd(ny, nm, Math.min(dd, last));
}
/** Completed years at day `at` of someone born on `birth`. */
export function ageAt(birth: number, at: number): number {
  const [by, bm, bd] = ymd(birth);
  const [y, m, d] = ymd(at);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
/** Excel 1900-system serial number of a day. */
export const excelSerial = (d: number): number => d + 25569;

export type DateStyle = 'iso' | 'slash' | 'compact' | 'chinese' | 'dotted' | 'serial';
export function formatDate(d: number, style: DateStyle): string {
  const [y, m, dd] = ymd(d);
  const p = (n: number) => String(n).padStart(2, '0');
  switch (style) {
    case 'iso':
      return `${y}-${p(m)}-${p(dd)}`;
    case 'slash':
      return `${y}/${m}/${dd}`;
    case 'compact':
      return `${y}${p(m)}${p(dd)}`;
    case 'chinese':
      return `${y}年${m}月${dd}日`;
    case 'dotted':
      return `${y}.${p(m)}.${p(dd)}`;
    case 'serial':
      return String(excelSerial(d));
  }
}

// ---------------------------------------------------------------- identity numbers (GB 11643-1999)

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character of the first 17 digits. */
export function checkChar(body17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (body17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** True when an 18-character number is well-formed and its check character is right. */
export function isValidId18(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  return checkChar(id.slice(0, 17)) === id[17];
}

/** region (6) + birth date (8) + sequence (3; odd = male) + check. */
export function makeId(region: string, birth: number, seq: number, male: boolean): string {
  let s = seq % 1000;
  if ((s % 2 === 1) !== male) s = (s + 1) % 1000;
  const body = region + iso(birth).replaceAll('-', '') + String(s).padStart(3, '0');
  return body + checkChar(body);
}

/** The first-generation 15-digit form of an 18-digit ID (for people born in the 1900s). */
export function toId15(id18: string): string {
  return id18.slice(0, 6) + id18.slice(8, 17);
}

/** Replaces the digit at `pos` by another digit. */
export function changeDigit(id: string, pos: number, rng: Rng): string {
  const old = id.charCodeAt(pos) - 48;
  let d = rng.int(0, 8);
  if (d >= old) d++;
  return id.slice(0, pos) + String(d) + id.slice(pos + 1);
}

/** One wrong digit among the birth-date digits (positions 7..14, 1-based). */
export function birthDigitTypo(id: string, rng: Rng): string {
  return changeDigit(id, rng.int(6, 13), rng);
}

/** Two different wrong digits anywhere in the first 17 digits. */
export function twoDigitTypo(id: string, rng: Rng): string {
  const a = rng.int(0, 16);
  let b = rng.int(0, 15);
  if (b >= a) b++;
  return changeDigit(changeDigit(id, a, rng), b, rng);
}

/** What a spreadsheet shows for an 18-digit number in a General cell: 4.41521E+17. */
export function excelScientific(id: string): string {
  const digits = id.replace(/X$/, '0');
  const mant = (Number(digits.slice(0, 6)) / 100000).toFixed(5).replace(/0+$/, '').replace(/\.$/, '');
  return `${mant}E+17`;
}

/** An 18-digit number stored as a number keeps 15 significant digits: the last three become 000. */
export function excelZeroed(id: string): string {
  return id.slice(0, 15) + '000';
}

const FULL_WIDTH: Record<string, string> = Object.fromEntries(
  '0123456789X'.split('').map((c) => [c, String.fromCharCode(c.charCodeAt(0) + 0xfee0)]),
);
export const fullWidth = (s: string): string => s.replace(/[0-9X]/g, (c) => FULL_WIDTH[c]!);
