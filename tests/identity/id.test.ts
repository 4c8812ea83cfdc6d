import { describe, expect, it } from 'vitest';
import { checkDigit, normalizeId, regionCurrent, regionInfo, upgrade15 } from '../../pipeline/identity/index.js';

// GB 11643-1999's own examples.
const STD = '11010519491231002X';
const STD_15 = '110105491231002';
// Constructed: a real-looking ID whose sequence code and check digit are 0 → ends in 000.
const ENDS_000 = '110105199003019000';

describe('checkDigit / upgrade15', () => {
  it('computes ISO 7064 MOD 11-2 with X for 10', () => {
    expect(checkDigit('11010519491231002')).toBe('X');
    expect(checkDigit('44052418800101001')).toBe('4');
    expect(checkDigit(ENDS_000.slice(0, 17))).toBe('0');
  });
  it('rejects malformed input', () => {
    expect(() => checkDigit('1234')).toThrow();
    expect(() => upgrade15('11010549123100')).toThrow();
  });
  it('upgrades a 15-digit ID by inserting 19 and appending the check digit', () => {
    expect(upgrade15(STD_15)).toBe(STD);
  });
});

describe('normalizeId', () => {
  it('accepts a clean ID and derives birth date, gender and region', () => {
    const r = normalizeId(STD);
    expect(r).toEqual({
      id: STD,
      valid: true,
      damaged: false,
      issues: [],
      birthDate: '1949-12-31',
      gender: 'F',
      region: '110105',
      regionCurrent: ['110105'],
    });
    expect(normalizeId('11010519900301001' + checkDigit('11010519900301001')).gender).toBe('M');
  });

  it('an ID ending in 000 that passes its check is valid but says no sex: its 17th digit may be a spreadsheet zero', () => {
    // 1980-01-01 to 1980-01-28, sequence 100 … 900: the 17th digit 0, and some day's check digit is 0
    const first17 = Array.from({ length: 28 * 9 }, (_, i) => `440305198001${String((i % 28) + 1).padStart(2, '0')}${Math.floor(i / 28) + 1}00`).find((f) => checkDigit(f) === '0')!;
    const r = normalizeId(first17 + '0');
    expect(r).toMatchObject({ valid: true, gender: null });
    // the same digits ending otherwise say male (17th digit odd)
    const male = first17.slice(0, 16) + '1';
    expect(normalizeId(male + checkDigit(male)).gender).toBe('M');
  });

  it('keeps a typo with BAD_CHECK_DIGIT so that it can be matched later', () => {
    const r = normalizeId('110105194912310028');
    expect(r.id).toBe('110105194912310028');
    expect(r.valid).toBe(false);
    expect(r.damaged).toBe(false);
    expect(r.issues).toEqual(['BAD_CHECK_DIGIT']);
    expect(r.birthDate).toBe('1949-12-31');
  });

  it('upgrades 15-digit IDs', () => {
    const r = normalizeId(STD_15);
    expect(r.id).toBe(STD);
    expect(r.valid).toBe(true);
    expect(r.issues).toEqual(['UPGRADED_15']);
  });

  it('upper-cases x and records it', () => {
    const r = normalizeId(' 11010519491231002x ');
    expect(r.id).toBe(STD);
    expect(r.valid).toBe(true);
    expect(r.issues).toEqual(['LOWERCASE_X']);
  });

  it('folds full-width digits and Ｘ, and removes inner spaces and hyphens', () => {
    const r = normalizeId('１１０１０５１９４９１２３１００２Ｘ');
    expect(r.id).toBe(STD);
    expect(r.valid).toBe(true);
    expect(r.issues).toEqual(['FULL_WIDTH']);
    expect(normalizeId('110105 19491231-002X').id).toBe(STD);
    expect(normalizeId("'" + STD).id).toBe(STD);
  });

  it('treats scientific notation as damage but keeps the surviving region and birth date', () => {
    const short = normalizeId('1.10105E+17');
    expect(short).toMatchObject({ id: null, valid: false, damaged: true, region: '110105', birthDate: null });
    expect(short.issues).toEqual(['SCIENTIFIC_NOTATION']);
    const long = normalizeId('4.40305199001011E+17');
    expect(long).toMatchObject({ id: null, damaged: true, region: '440305', birthDate: '1990-01-01', gender: null });
    expect(normalizeId('4.40305199001011e17').issues).toContain('SCIENTIFIC_NOTATION');
    // An old 15-digit ID shown in scientific notation: its date is YYMMDD.
    expect(normalizeId('1.10105491231002E+14')).toMatchObject({ id: null, damaged: true, region: '110105', birthDate: '1949-12-31' });
    // Not an ID length at all: nothing is recovered.
    expect(normalizeId('1.10105E+5')).toMatchObject({ id: null, damaged: true, region: null, birthDate: null });
  });

  it('treats a numeric cell as damaged: a double cannot hold 18 digits', () => {
    // Number('110105194912310028') prints as 110105194912310030.
    const r = normalizeId(String(Number('110105194912310028')), { numericCell: true });
    expect(r).toMatchObject({ id: null, valid: false, damaged: true, region: '110105', birthDate: '1949-12-31' });
    expect(r.issues).toEqual(['NUMERIC_CELL']);
    // Even when the digits happen to survive, the value is not trusted.
    expect(normalizeId(STD.replace('X', '0'), { numericCell: true }).damaged).toBe(true);
  });

  it('keeps a 15-digit numeric cell: it fits a double exactly', () => {
    const r = normalizeId(String(110105491231002), { numericCell: true });
    expect(r).toMatchObject({ id: STD, valid: true, damaged: false });
    expect(r.issues).toEqual(['NUMERIC_CELL', 'UPGRADED_15']);
  });

  it('treats a 000 tail with a failing check digit as the spreadsheet cut', () => {
    const r = normalizeId('110105194912310000');
    expect(r).toMatchObject({ id: null, valid: false, damaged: true, region: '110105', birthDate: '1949-12-31' });
    expect(r.issues).toEqual(['ZERO_TAIL']);
  });

  it('keeps a real ID that ends in 000 with a correct check digit', () => {
    const r = normalizeId(ENDS_000);
    expect(r).toMatchObject({ id: ENDS_000, valid: true, damaged: false, issues: [], birthDate: '1990-03-01' });
  });

  it('reports bad format, bad birth dates and unknown regions', () => {
    expect(normalizeId('11010519491231002')).toMatchObject({ id: null, valid: false, issues: ['BAD_FORMAT'] });
    expect(normalizeId('1101051949123100X2').issues).toEqual(['BAD_FORMAT']);
    expect(normalizeId('abc').issues).toEqual(['BAD_FORMAT']);
    // 1880 is a real date but before 1900; GB 11643's second example.
    const old = normalizeId('440524188001010014');
    expect(old.issues).toContain('BAD_BIRTH_DATE');
    expect(old.birthDate).toBeNull();
    expect(old.valid).toBe(false);
    const feb30 = '11010519900230001';
    expect(normalizeId(feb30 + checkDigit(feb30)).issues).toEqual(['BAD_BIRTH_DATE']);
    const future = '11010520990101001';
    expect(normalizeId(future + checkDigit(future), { today: '2025-01-01' }).issues).toEqual(['BAD_BIRTH_DATE']);
    const nowhere = '99010519900101001';
    const u = normalizeId(nowhere + checkDigit(nowhere));
    expect(u.issues).toEqual(['UNKNOWN_REGION']);
    expect(u.regionCurrent).toEqual([]);
    expect(u.valid).toBe(false);
  });

  it('reports empty input', () => {
    for (const raw of [null, undefined, '', '   ']) {
      expect(normalizeId(raw)).toMatchObject({ id: null, valid: false, damaged: false, issues: ['EMPTY'] });
    }
  });

  it('maps a retired region to its successor and stays valid', () => {
    const first17 = '11010319800101001'; // 崇文区, merged into 东城区 110101 in 2010
    const r = normalizeId(first17 + checkDigit(first17));
    expect(r.valid).toBe(true);
    expect(r.issues).toEqual(['RETIRED_REGION']);
    expect(r.region).toBe('110103');
    expect(r.regionCurrent).toEqual(['110101']);
  });

  it('lists issues in the fixed order', () => {
    const r = normalizeId('１１０１０３１９８００１０１００１x');
    expect(r.issues).toEqual(['BAD_CHECK_DIGIT', 'RETIRED_REGION', 'LOWERCASE_X', 'FULL_WIDTH']);
  });
});

describe('regionInfo', () => {
  it('describes an in-use code', () => {
    expect(regionInfo('440305')).toEqual({
      known: true,
      inUse: true,
      name: '南山区',
      current: ['440305'],
      province: '440000',
      city: '440300',
      county: '440305',
    });
  });
  it('follows several successors transitively', () => {
    // 石家庄 郊区 130106 → 130102;130103;130104;130105;130108, and 130103 itself → 130102;130104.
    const r = regionInfo('130106');
    expect(r).toMatchObject({ known: true, inUse: false, name: '郊区' });
    expect([...r.current].sort()).toEqual(['130102', '130104', '130105', '130108']);
    expect(regionCurrent('130103').sort()).toEqual(['130102', '130104']);
  });
  it('treats a code re-used after a change as in use', () => {
    expect(regionInfo('120110')).toMatchObject({ known: true, inUse: true, name: '东丽区', current: ['120110'] });
  });
  it('reads 9- and 12-digit codes by their county and rejects junk', () => {
    expect(regionInfo('110103001').current).toEqual(['110101']);
    expect(regionInfo('990000').known).toBe(false);
    expect(regionInfo('12')).toMatchObject({ known: false, current: [] });
    expect(regionCurrent('xyz')).toEqual([]);
  });
});
