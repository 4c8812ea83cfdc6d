/** Dates as day numbers (days since 1970-01-01, proleptic Gregorian, no time zone). */

export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
}

export function parseIsoDay(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) throw new Error(`bad date ${s}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new Error(`bad date ${s}`);
  return daysFromCivil(y, mo, d);
}

/** Calendar month addition; the day is clamped to the end of the target month. */
export function addMonths(day: number, n: number): number {
  const [y, m, d] = civilFromDays(day);
  const t = y * 12 + (m - 1) + n;
  const ty = Math.floor(t / 12);
  const tm = (t % 12) + 1;
  return daysFromCivil(ty, tm, Math.min(d, daysInMonth(ty, tm)));
}

/** The day a person born on `birth` reaches `years` (29 February → 1 March in common years). */
export function nthBirthday(birth: number, years: number): number {
  const [y, m, d] = civilFromDays(birth);
  const ty = y + years;
  if (m === 2 && d === 29 && !isLeap(ty)) return daysFromCivil(ty, 3, 1);
  return daysFromCivil(ty, m, d);
}

/** Completed years of age at `day`. */
export function ageAt(birth: number, day: number): number {
  const [by] = civilFromDays(birth);
  const [ty] = civilFromDays(day);
  let a = ty - by;
  if (nthBirthday(birth, a) > day) a--;
  return a;
}

export function firstOfNextMonth(day: number): number {
  const [y, m] = civilFromDays(day);
  return m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
}

/** Last day of the calendar quarter after the one containing `day`. */
export function nextQuarterEnd(day: number): number {
  const [y, m] = civilFromDays(day);
  const q = Math.floor((m - 1) / 3); // 0..3
  const nq = q + 1;
  const ny = y + Math.floor(nq / 4);
  const endMonth = (nq % 4) * 3 + 3;
  return daysFromCivil(ny, endMonth, daysInMonth(ny, endMonth));
}

/** The latest 31 August strictly before `day`. */
export function lastAug31Before(day: number): number {
  const [y] = civilFromDays(day);
  const a = daysFromCivil(y, 8, 31);
  return a < day ? a : daysFromCivil(y - 1, 8, 31);
}

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));

export function iso(day: number): string {
  const [y, m, d] = civilFromDays(day);
  return `${y}-${p2(m)}-${p2(d)}`;
}

export function ym(day: number): string {
  const [y, m] = civilFromDays(day);
  return `${y}-${p2(m)}`;
}

/** Months from the month of `from` to the month of `to`, inclusive of both (0 when to < from). */
export function monthsInclusive(from: number, to: number): number {
  const [fy, fm] = civilFromDays(from);
  const [ty, tm] = civilFromDays(to);
  return Math.max(0, ty * 12 + tm - (fy * 12 + fm) + 1);
}

export type DateStyle = 'iso' | 'slash' | 'compact' | 'cn' | 'dot';
export const DATE_STYLES: readonly DateStyle[] = ['iso', 'slash', 'compact', 'cn', 'dot'];

export function fmtDate(day: number, style: DateStyle): string {
  const [y, m, d] = civilFromDays(day);
  switch (style) {
    case 'iso':
      return `${y}-${p2(m)}-${p2(d)}`;
    case 'slash':
      return `${y}/${m}/${d}`;
    case 'compact':
      return `${y}${p2(m)}${p2(d)}`;
    case 'cn':
      return `${y}年${m}月${d}日`;
    case 'dot':
      return `${y}.${p2(m)}.${p2(d)}`;
  }
}

/** UTC midnight Date for an XLSX date cell. */
export function toUtcDate(day: number): Date {
  return new Date(day * 86400000);
}
