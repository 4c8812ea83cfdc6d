// Dates as they arrive in agency exports → 'YYYY-MM-DD'. Error codes stay English; the UI
// translates them (INVALID_DATE → 不是有效日期).

export type DateError = 'INVALID_DATE' | 'UNRECOGNISED_FORMAT';

/** Each date error in Chinese (a row with one is quarantined: `bidui status` names the reason). */
export const DATE_ERROR_LABELS: Readonly<Record<DateError, string>> = {
  INVALID_DATE: '日期不存在',
  UNRECOGNISED_FORMAT: '日期格式无法识别',
};

export interface DateResult {
  date: string | null;
  error: DateError | null;
}

export interface MonthResult {
  month: string | null;
  error: DateError | null;
}

export interface ParseDateOptions {
  /** The workbook uses the 1904 date system (old Mac Excel): serial 0 = 1904-01-01. */
  base1904?: boolean;
}

const DAY_MS = 86_400_000;
const EPOCH_1899_12_30 = Date.UTC(1899, 11, 30);
const EPOCH_1899_12_31 = Date.UTC(1899, 11, 31);
const EPOCH_1904_01_01 = Date.UTC(1904, 0, 1);

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** 'YYYY-MM-DD' when y-m-d is a real calendar date, else null. */
export function isoDate(y: number, m: number, d: number): string | null {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return null;
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

function fromUtcMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Spreadsheet serial → ISO date. The 1900 system keeps Lotus 1-2-3's phantom 1900-02-29
 * (serial 60), so serials after it are one day ahead of a plain day count.
 */
function serialToIso(serial: number, base1904: boolean): string | null {
  if (!Number.isFinite(serial) || serial < 0) return null;
  const days = Math.floor(serial);
  if (base1904) return fromUtcMs(EPOCH_1904_01_01 + days * DAY_MS);
  if (days === 0 || days === 60) return null;
  return fromUtcMs((days < 60 ? EPOCH_1899_12_31 : EPOCH_1899_12_30) + days * DAY_MS);
}

const ok = (date: string): DateResult => ({ date, error: null });
const bad = (error: DateError): DateResult => ({ date: null, error });
const fromParts = (y: string, m: string, d: string): DateResult => {
  const iso = isoDate(+y, +m, +d);
  return iso ? ok(iso) : bad('INVALID_DATE');
};

const TIME_SUFFIX = String.raw`(?:(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?`;
const SEPARATED_RE = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})` + TIME_SUFFIX + '$');
const CHINESE_RE = new RegExp(String.raw`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?` + TIME_SUFFIX + '$');
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})$/;
const SERIAL_RE = /^\d{1,5}(?:\.\d+)?$/;

/**
 * Parses one date cell. Empty input is not an error ({date: null, error: null}); whether a
 * date is required is the caller's rule. A time of day is accepted and dropped, without any
 * time-zone shift: the calendar date as written is the date.
 */
export function parseDate(raw: string | number | Date | null | undefined, opts: ParseDateOptions = {}): DateResult {
  if (raw == null) return { date: null, error: null };
  const base1904 = opts.base1904 ?? false;
  if (raw instanceof Date) {
    // Spreadsheet readers hand dates over as UTC midnight of the cell's calendar date.
    return Number.isNaN(raw.getTime()) ? bad('INVALID_DATE') : ok(raw.toISOString().slice(0, 10));
  }
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return bad('INVALID_DATE');
    if (Number.isInteger(raw) && raw >= 10_000_000 && raw <= 99_999_999) {
      const s = String(raw);
      return fromParts(s.slice(0, 4), s.slice(4, 6), s.slice(6, 8));
    }
    if (raw >= 0 && raw < 100_000) {
      const iso = serialToIso(raw, base1904);
      return iso ? ok(iso) : bad('INVALID_DATE');
    }
    return bad(raw < 0 ? 'INVALID_DATE' : 'UNRECOGNISED_FORMAT');
  }

  const s = String(raw).normalize('NFKC').trim();
  if (s === '') return { date: null, error: null };
  let m = SEPARATED_RE.exec(s);
  if (m) return fromParts(m[1]!, m[3]!, m[4]!);
  m = CHINESE_RE.exec(s);
  if (m) return fromParts(m[1]!, m[2]!, m[3]!);
  m = COMPACT_RE.exec(s);
  if (m) return fromParts(m[1]!, m[2]!, m[3]!);
  if (SERIAL_RE.test(s)) {
    const iso = serialToIso(Number(s), base1904);
    return iso ? ok(iso) : bad('INVALID_DATE');
  }
  return bad('UNRECOGNISED_FORMAT');
}

const MONTH_SEPARATED_RE = /^(\d{4})[-/.](\d{1,2})$/;
const MONTH_CHINESE_RE = /^(\d{4})\s*年\s*(\d{1,2})\s*月?$/;
const MONTH_COMPACT_RE = /^(\d{4})(\d{2})$/;

/** Parses a month (YYYY-MM, YYYY/M, 2024年3月, 202403, or any date parseDate accepts) → 'YYYY-MM'. */
export function parseMonth(raw: string | number | Date | null | undefined, opts: ParseDateOptions = {}): MonthResult {
  if (raw == null) return { month: null, error: null };
  const s = (typeof raw === 'string' ? raw : typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : '')
    .normalize('NFKC')
    .trim();
  if (typeof raw === 'string' && s === '') return { month: null, error: null };
  const m = MONTH_SEPARATED_RE.exec(s) ?? MONTH_CHINESE_RE.exec(s) ?? MONTH_COMPACT_RE.exec(s);
  if (m) {
    const y = +m[1]!;
    const mo = +m[2]!;
    if (y < 1000 || mo < 1 || mo > 12) return { month: null, error: 'INVALID_DATE' };
    return { month: `${m[1]}-${pad2(mo)}`, error: null };
  }
  const d = parseDate(raw, opts);
  return { month: d.date ? d.date.slice(0, 7) : null, error: d.error };
}
