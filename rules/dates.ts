// Calendar arithmetic on ISO dates ('YYYY-MM-DD'), as the rules need it: months clamp to the end of
// the month (31 Jan + 1 month = 28/29 Feb) and a 29 February birthday falls on 1 March in other years.
const DAY = 86_400_000;

export function toDay(iso: string): number {
  return Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY;
}

export function toIso(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

function parts(iso: string): [number, number, number] {
  return [+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10)];
}

function make(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function addMonths(iso: string, n: number): string {
  const [y, m, d] = parts(iso);
  const t = y * 12 + (m - 1) + n;
  const ty = Math.floor(t / 12);
  const tm = (t % 12) + 1;
  return make(ty, tm, Math.min(d, daysInMonth(ty, tm)));
}

export function addDays(iso: string, n: number): string {
  return toIso(toDay(iso) + n);
}

export function daysBetween(from: string, to: string): number {
  return toDay(to) - toDay(from);
}

/** The day someone born on `birth` turns `years`. */
export function birthday(birth: string, years: number): string {
  const [y, m, d] = parts(birth);
  if (m === 2 && d === 29 && daysInMonth(y + years, 2) === 28) return make(y + years, 3, 1);
  return make(y + years, m, d);
}

export function ageAt(birth: string, day: string): number {
  let a = +day.slice(0, 4) - +birth.slice(0, 4);
  if (birthday(birth, a) > day) a--;
  return a;
}

export function firstOfNextMonth(iso: string): string {
  const [y, m] = parts(iso);
  return m === 12 ? make(y + 1, 1, 1) : make(y, m + 1, 1);
}

/** The last day of the month `months` after the month of `iso` (T = a quarter end, 3 → the next quarter end). */
export function monthEndAfter(iso: string, months: number): string {
  const [y, m] = parts(iso);
  const t = y * 12 + (m - 1) + months;
  const ty = Math.floor(t / 12);
  const tm = (t % 12) + 1;
  return make(ty, tm, daysInMonth(ty, tm));
}

/** The last `MM-DD` before `iso` (the school-age reference day: 31 August before T). */
export function lastMonthDayBefore(iso: string, monthDay: string): string {
  const thisYear = `${iso.slice(0, 4)}-${monthDay}`;
  return thisYear < iso ? thisYear : `${String(+iso.slice(0, 4) - 1).padStart(4, '0')}-${monthDay}`;
}

/** Months from the month of `from` to the month `toMonth` ('YYYY-MM'), both counted; 0 when toMonth is earlier. */
export function monthsInclusive(from: string, toMonth: string): number {
  const a = +from.slice(0, 4) * 12 + +from.slice(5, 7);
  const b = +toMonth.slice(0, 4) * 12 + +toMonth.slice(5, 7);
  return Math.max(0, b - a + 1);
}

export function maxDate(...ds: (string | null | undefined)[]): string | null {
  let best: string | null = null;
  for (const d of ds) if (d && (best === null || d > best)) best = d;
  return best;
}

export function minDate(...ds: (string | null | undefined)[]): string | null {
  let best: string | null = null;
  for (const d of ds) if (d && (best === null || d < best)) best = d;
  return best;
}
