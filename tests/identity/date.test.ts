import { describe, expect, it } from 'vitest';
import { isoDate, parseDate, parseMonth } from '../../pipeline/identity/index.js';

describe('parseDate', () => {
  it.each([
    ['2024-03-01'],
    ['2024/3/1'],
    ['2024/03/01'],
    ['20240301'],
    ['2024年3月1日'],
    ['2024 年 3 月 1 日'],
    ['2024.03.01'],
    ['2024-3-1'],
    ['2024-03-01 00:00:00'],
    ['2024-3-1 8:30'],
    ['2024-03-01T00:00:00'],
    ['2024-03-01T23:59:59.123+08:00'],
    ['2024-03-01T00:00:00Z'],
    ['２０２４－０３－０１'],
    ['２０２４年３月１日'],
    ['45352'],
    ['45352.75'],
  ])('reads %s as 2024-03-01', (raw) => {
    expect(parseDate(raw)).toEqual({ date: '2024-03-01', error: null });
  });

  it('reads numbers: serials and yyyymmdd', () => {
    expect(parseDate(45352)).toEqual({ date: '2024-03-01', error: null });
    expect(parseDate(45352.5)).toEqual({ date: '2024-03-01', error: null });
    expect(parseDate(20240301)).toEqual({ date: '2024-03-01', error: null });
    expect(parseDate(new Date(Date.UTC(2024, 2, 1)))).toEqual({ date: '2024-03-01', error: null });
  });

  it('follows the 1900 system and its phantom 1900-02-29', () => {
    expect(parseDate('1').date).toBe('1900-01-01');
    expect(parseDate(59).date).toBe('1900-02-28');
    expect(parseDate('60')).toEqual({ date: null, error: 'INVALID_DATE' });
    expect(parseDate(61).date).toBe('1900-03-01');
    expect(parseDate('0')).toEqual({ date: null, error: 'INVALID_DATE' });
  });

  it('follows the 1904 system when asked', () => {
    expect(parseDate(0, { base1904: true }).date).toBe('1904-01-01');
    expect(parseDate('1', { base1904: true }).date).toBe('1904-01-02');
    expect(parseDate(43890, { base1904: true }).date).toBe('2024-03-01');
  });

  it('rejects impossible dates', () => {
    for (const raw of ['2023-02-29', '20230229', '2023年2月29日', '2024-13-01', '2024/4/31', '2024.00.10']) {
      expect(parseDate(raw), raw).toEqual({ date: null, error: 'INVALID_DATE' });
    }
    expect(parseDate('2024-02-29').date).toBe('2024-02-29');
    expect(parseDate('1900-02-29').error).toBe('INVALID_DATE');
    expect(parseDate('2000-02-29').date).toBe('2000-02-29');
  });

  it('rejects what it does not recognise', () => {
    for (const raw of ['abc', '3/1/2024', '2024-03', '2024-03/01', '123456', '2024-03-01 noon']) {
      expect(parseDate(raw), raw).toEqual({ date: null, error: 'UNRECOGNISED_FORMAT' });
    }
    expect(parseDate(123456789)).toEqual({ date: null, error: 'UNRECOGNISED_FORMAT' });
  });

  it('treats empty input as no date, not an error', () => {
    expect(parseDate(null)).toEqual({ date: null, error: null });
    expect(parseDate(undefined)).toEqual({ date: null, error: null });
    expect(parseDate('  ')).toEqual({ date: null, error: null });
  });
});

describe('parseMonth', () => {
  it.each([['2024-03'], ['2024/3'], ['2024.03'], ['2024年3月'], ['2024年03'], ['202403'], ['2024-03-15'], ['2024年3月15日'], ['45366']])(
    'reads %s as 2024-03',
    (raw) => {
      expect(parseMonth(raw)).toEqual({ month: '2024-03', error: null });
    },
  );
  it('reads numbers', () => {
    expect(parseMonth(202403).month).toBe('2024-03');
  });
  it('rejects bad months', () => {
    expect(parseMonth('2024-13')).toEqual({ month: null, error: 'INVALID_DATE' });
    expect(parseMonth('202400').error).toBe('INVALID_DATE');
    expect(parseMonth('March')).toEqual({ month: null, error: 'UNRECOGNISED_FORMAT' });
    expect(parseMonth('')).toEqual({ month: null, error: null });
  });
});

describe('isoDate', () => {
  it('validates calendar dates', () => {
    expect(isoDate(2024, 2, 29)).toBe('2024-02-29');
    expect(isoDate(2023, 2, 29)).toBeNull();
  });
});
