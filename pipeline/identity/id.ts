// Chinese resident identity numbers (GB 11643-1999) and the address codes inside them (GB/T 2260).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isoDate } from './date.js';

export type IdIssue =
  | 'EMPTY'
  | 'NUMERIC_CELL'
  | 'SCIENTIFIC_NOTATION'
  | 'ZERO_TAIL'
  | 'BAD_FORMAT'
  | 'BAD_CHECK_DIGIT'
  | 'BAD_BIRTH_DATE'
  | 'UNKNOWN_REGION'
  | 'UPGRADED_15'
  | 'RETIRED_REGION'
  | 'LOWERCASE_X'
  | 'FULL_WIDTH';

/** The fixed order in which `IdResult.issues` lists its findings. */
export const ID_ISSUE_ORDER: readonly IdIssue[] = [
  'EMPTY',
  'NUMERIC_CELL',
  'SCIENTIFIC_NOTATION',
  'ZERO_TAIL',
  'BAD_FORMAT',
  'BAD_CHECK_DIGIT',
  'BAD_BIRTH_DATE',
  'UNKNOWN_REGION',
  'UPGRADED_15',
  'RETIRED_REGION',
  'LOWERCASE_X',
  'FULL_WIDTH',
];

/** Each ID finding in Chinese, as `bidui status` and reports name it. */
export const ID_ISSUE_LABELS: Readonly<Record<IdIssue, string>> = {
  EMPTY: '身份证号为空',
  NUMERIC_CELL: '身份证号存成了数字格式',
  SCIENTIFIC_NOTATION: '身份证号被表格改成科学计数法',
  ZERO_TAIL: '身份证号末几位被表格改成 0',
  BAD_FORMAT: '身份证号格式不对',
  BAD_CHECK_DIGIT: '身份证号校验位不对',
  BAD_BIRTH_DATE: '身份证号中的出生日期不存在',
  UNKNOWN_REGION: '身份证号中的地区代码不存在',
  UPGRADED_15: '15 位旧身份证号（已升为 18 位）',
  RETIRED_REGION: '身份证号中的地区代码已撤销',
  LOWERCASE_X: '身份证号末位是小写 x',
  FULL_WIDTH: '身份证号含全角字符',
};

export interface IdResult {
  /** Cleaned 18-character form (upper-case X); null when empty, malformed or spreadsheet-damaged. */
  id: string | null;
  /** 18 characters, check digit right, real birth date, known region code, not damaged. */
  valid: boolean;
  /** Spreadsheet damage: the value must not be used as a match key. */
  damaged: boolean;
  issues: IdIssue[];
  /** 'YYYY-MM-DD' when the date part is a real date (also recovered from damaged values when those digits survived). */
  birthDate: string | null;
  /** 17th digit odd = M. */
  gender: 'M' | 'F' | null;
  /** The 6-digit address code as written. */
  region: string | null;
  /** The in-use code(s) the address code maps to today; [] when unknown. */
  regionCurrent: string[];
}

export interface RegionInfo {
  known: boolean;
  inUse: boolean;
  name: string | null;
  current: string[];
  province: string;
  city: string;
  county: string;
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function checkDigit(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('checkDigit needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** 15-digit ID (pre-1999, birth year without century) → 18-digit form. */
export function upgrade15(id15: string): string {
  if (!/^\d{15}$/.test(id15)) throw new Error('upgrade15 needs exactly 15 digits');
  const first17 = id15.slice(0, 6) + '19' + id15.slice(6);
  return first17 + checkDigit(first17);
}

// ---------------------------------------------------------------------------------------------
// Region codes

interface RegionRow {
  name: string;
  inUse: boolean;
  /** Final successors first, then codes that only took a part of the territory (`code[year]`). */
  successors: string[];
}

let regionTable: Map<string, RegionRow> | null = null;
const currentCache = new Map<string, string[]>();

function findReferenceFile(): string {
  // Walk up so that the same code works from pipeline/identity/ and from dist/pipeline/identity/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'reference', 'region-codes-history.csv');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('reference/region-codes-history.csv not found above ' + fileURLToPath(import.meta.url));
}

function loadRegions(): Map<string, RegionRow> {
  if (regionTable) return regionTable;
  const text = readFileSync(findReferenceFile(), 'utf8').replace(/^\uFEFF/, '');
  const table = new Map<string, RegionRow>();
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    // No field of this file is quoted (checked when it was added), so a plain split is exact.
    const f = line.split(',');
    const code = f[0]!.trim();
    if (!/^\d{6}$/.test(code)) continue;
    const status = (f[5] ?? '').trim();
    const finals: string[] = [];
    const partials: string[] = [];
    for (const part of (f[8] ?? '').split(';')) {
      const m = /^\s*(\d{6})\s*(\[[^\]]*\])?\s*$/.exec(part);
      if (m) (m[2] ? partials : finals).push(m[1]!);
    }
    let row = table.get(code);
    if (!row) {
      row = { name: f[3]!.trim(), inUse: false, successors: [] };
      table.set(code, row);
    }
    // A code can have several rows (e.g. 变更 then 在用 again): in use if any row says so,
    // and the in-use row's name wins.
    if (status === '在用') {
      row.inUse = true;
      row.name = f[3]!.trim();
    }
    // Successors of a code that is in use are only transfers of part of it, not its identity.
    if (status !== '在用') {
      for (const s of [...finals, ...partials]) if (s !== code && !row.successors.includes(s)) row.successors.push(s);
    }
  }
  regionTable = table;
  return table;
}

function resolveCurrent(code: string): string[] {
  const cached = currentCache.get(code);
  if (cached) return cached;
  const table = loadRegions();
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (c: string): void => {
    if (seen.has(c)) return;
    seen.add(c);
    const row = table.get(c);
    if (!row) return;
    if (row.inUse) {
      if (!out.includes(c)) out.push(c);
      return;
    }
    for (const s of row.successors) visit(s);
  };
  visit(code);
  currentCache.set(code, out);
  return out;
}

/** Facts about an address code; 9- and 12-digit codes are read by their first 6 digits. */
export function regionInfo(code: string): RegionInfo {
  const c = (code ?? '').trim().slice(0, 6);
  const province = c.slice(0, 2) + '0000';
  const city = c.slice(0, 4) + '00';
  const base = { province, city, county: c };
  if (!/^\d{6}$/.test(c)) return { known: false, inUse: false, name: null, current: [], ...base };
  const row = loadRegions().get(c);
  if (!row) return { known: false, inUse: false, name: null, current: [], ...base };
  return { known: true, inUse: row.inUse, name: row.name, current: [...resolveCurrent(c)], ...base };
}

/** The in-use code(s) an address code maps to today: itself, its successors (transitively), or []. */
export function regionCurrent(code: string): string[] {
  const c = (code ?? '').trim().slice(0, 6);
  if (!/^\d{6}$/.test(c)) return [];
  return [...resolveCurrent(c)];
}

// ---------------------------------------------------------------------------------------------
// Identity numbers

const FULL_WIDTH_RE = /[\uFF10-\uFF19\uFF38\uFF58\u3000\uFF0D]/;
// Whitespace incl. zero-width characters, hyphen and dash variants (after NFKC).
const STRIP_RE = /[\s\u200B-\u200D\u2060\uFEFF\-\u2010-\u2015\u2212]/g;
const SCI_RE = /^(\d)(?:\.(\d+))?E\+?(\d{1,2})$/;

export interface NormalizeIdOptions {
  /** The cell arrived as a number: 18 digits cannot survive a double. */
  numericCell?: boolean;
  /** 'YYYY-MM-DD' upper bound for birth dates; defaults to today (UTC). */
  today?: string;
}

// Formatting today's date costs as much as the rest of normalizeId; refresh it once a minute.
let todayCache = { iso: '', until: 0 };
function isoToday(): string {
  const now = Date.now();
  if (now >= todayCache.until) todayCache = { iso: new Date(now).toISOString().slice(0, 10), until: now + 60_000 };
  return todayCache.iso;
}

/** 'YYYYMMDD' → 'YYYY-MM-DD' when it is a real date in [1900-01-01, today]. */
function birthDateOf(yyyymmdd: string, today: string): string | null {
  if (!/^\d{8}$/.test(yyyymmdd)) return null;
  const iso = isoDate(+yyyymmdd.slice(0, 4), +yyyymmdd.slice(4, 6), +yyyymmdd.slice(6, 8));
  return iso !== null && iso >= '1900-01-01' && iso <= today ? iso : null;
}

function sortIssues(issues: Set<IdIssue>): IdIssue[] {
  return ID_ISSUE_ORDER.filter((i) => issues.has(i));
}

/**
 * Cleans an identity number and reports every defect. Spreadsheet-damaged values get `id: null`
 * but keep what their surviving leading digits still say (region, birth date) so that a row can
 * still be blocked by county and birth date and matched by name.
 */
export function normalizeId(raw: string | null | undefined, opts: NormalizeIdOptions = {}): IdResult {
  const issues = new Set<IdIssue>();
  const today = opts.today ?? isoToday();
  const result = (r: Partial<IdResult>): IdResult => ({
    id: null,
    valid: false,
    damaged: false,
    birthDate: null,
    gender: null,
    region: null,
    regionCurrent: [],
    ...r,
    issues: sortIssues(issues),
  });

  let s = raw == null ? '' : String(raw).trim();
  // A leading apostrophe is how spreadsheet users force text; quotes come from sloppy CSV.
  s = s.replace(/^['"‘’“”]+|['"‘’“”]+$/g, '');
  if (!/^[0-9Xx]*$/.test(s)) {
    if (FULL_WIDTH_RE.test(s)) issues.add('FULL_WIDTH');
    s = s.normalize('NFKC').replace(STRIP_RE, '');
  }
  if (s === '') {
    issues.add('EMPTY');
    return result({});
  }
  if (s.includes('x')) issues.add('LOWERCASE_X');
  s = s.toUpperCase();

  // Spreadsheet damage: keep only the leading digits that are known to be exact.
  let damaged = false;
  let reliable = '';
  const sci = SCI_RE.exec(s);
  if (sci) {
    issues.add('SCIENTIFIC_NOTATION');
    damaged = true;
    const mantissa = sci[1]! + (sci[2] ?? '');
    const len = Number(sci[3]) + 1;
    // A spreadsheet keeps 15 significant digits; digits not shown are lost.
    if (len === 18) reliable = mantissa.slice(0, 15);
    // An old 15-digit ID: re-lay it out as the 18-digit form so that the date sits where it should.
    else if (len === 15 && mantissa.length >= 12) reliable = mantissa.slice(0, 6) + '19' + mantissa.slice(6, 13);
    else if (len === 15) reliable = mantissa.slice(0, 6);
  }
  if (opts.numericCell) {
    issues.add('NUMERIC_CELL');
    // A 15-digit ID fits a double exactly (< 2^53) and has no X; an 18-digit one loses its tail.
    if (!sci && !/^\d{15}$/.test(s)) {
      damaged = true;
      if (/^\d{18}$/.test(s)) reliable = s.slice(0, 15);
    }
  }
  if (!sci && /^\d{15}000$/.test(s) && checkDigit(s.slice(0, 17)) !== s[17]) {
    // A real ID can end in 000; only together with a failing check digit is it the 15-digit cut.
    issues.add('ZERO_TAIL');
    damaged = true;
    reliable = s.slice(0, 15);
  }
  if (damaged) {
    const region = reliable.length >= 6 ? reliable.slice(0, 6) : null;
    const birthDate = reliable.length >= 14 ? birthDateOf(reliable.slice(6, 14), today) : null;
    return result({ damaged: true, region, regionCurrent: region ? regionCurrent(region) : [], birthDate });
  }

  if (/^\d{15}$/.test(s)) {
    issues.add('UPGRADED_15');
    s = upgrade15(s);
  }
  if (!/^\d{17}[\dX]$/.test(s)) {
    issues.add('BAD_FORMAT');
    return result({});
  }

  const checkOk = checkDigit(s.slice(0, 17)) === s[17];
  if (!checkOk) issues.add('BAD_CHECK_DIGIT');
  const birthDate = birthDateOf(s.slice(6, 14), today);
  if (!birthDate) issues.add('BAD_BIRTH_DATE');
  const region = s.slice(0, 6);
  const row = loadRegions().get(region);
  if (!row) issues.add('UNKNOWN_REGION');
  else if (!row.inUse) issues.add('RETIRED_REGION');

  return result({
    id: s,
    valid: checkOk && birthDate !== null && row !== undefined,
    birthDate,
    // An ID ending in 000 that passes its check is as likely a spreadsheet's cut (its sex digit zeroed) as a real one.
    gender: s.endsWith('000') ? null : (s.charCodeAt(16) - 48) % 2 === 1 ? 'M' : 'F',
    region,
    regionCurrent: row ? [...resolveCurrent(region)] : [],
  });
}

/** Every address code that ever existed, with its in-use flag and current code(s): the table form of regionInfo. */
export function allRegions(): { code: string; inUse: boolean; current: string[] }[] {
  return [...loadRegions()].map(([code, row]) => ({ code, inUse: row.inUse, current: [...resolveCurrent(code)] }));
}
