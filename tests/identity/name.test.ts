import { describe, expect, it } from 'vitest';
import {
  charDamerau,
  normalizeName,
} from '../../pipeline/identity/index.js';

describe('normalizeName', () => {
  it('returns null for empty input', () => {
    expect(normalizeName(null)).toBeNull();
    expect(normalizeName(undefined)).toBeNull();
    expect(normalizeName(' \u3000 ')).toBeNull();
  });

  it('trims, applies NFKC and removes inner whitespace', () => {
    const f = normalizeName('  张　三 ')!;
    expect(f.norm).toBe('张三');
    expect(f.pinyin).toBe('zhangsan');
    expect(f.surname).toBe('张');
    expect(f.given).toBe('三');
    expect(f.tokens).toEqual(['张三']);
    expect(normalizeName('ＡＢＣ')!.norm).toBe('ABC');
  });

  it('unifies every separator dot variant of a dotted name', () => {
    const variants = [
      '阿依古丽·买买提',
      '阿依古丽•买买提',
      '阿依古丽・买买提',
      '阿依古丽∙买买提',
      '阿依古丽‧买买提',
      '阿依古丽⋅买买提',
      '阿依古丽.买买提',
      '阿依古丽．买买提',
      '阿依古丽･买买提',
      '阿依古丽 · 买买提',
      '阿依古丽··买买提',
    ];
    for (const v of variants) {
      const f = normalizeName(v)!;
      expect(f.norm, v).toBe('阿依古丽·买买提');
      expect(f.tokens).toEqual(['阿依古丽', '买买提']);
      expect(f.surname).toBe('');
      expect(f.given).toBe('阿依古丽·买买提');
      expect(f.pinyin).toBe('ayiguli.maimaiti');
      expect(f.pinyinAlts).toContain(f.pinyin);
    }
  });

  it('converts traditional to simplified without touching norm', () => {
    const f = normalizeName('陳大文')!;
    expect(f.norm).toBe('陳大文');
    expect(f.simplified).toBe('陈大文');
    expect(f.pinyin).toBe('chendawen');
    expect(f.surname).toBe('陳');
    // 於 is a surname of its own: the simplified aid maps it to 于, norm keeps it.
    const yu = normalizeName('於明')!;
    expect(yu.norm).toBe('於明');
    expect(yu.simplified).toBe('于明');
  });

  it('reads polyphonic surnames with the surname reading first and lists the others', () => {
    const cases: [string, string, string[]][] = [
      ['单田芳', 'shantianfang', ['dantianfang']],
      ['曾志伟', 'zengzhiwei', ['cengzhiwei']],
      ['区志强', 'ouzhiqiang', ['quzhiqiang']],
      ['解晓东', 'xiexiaodong', ['jiexiaodong']],
    ];
    for (const [name, primary, others] of cases) {
      const f = normalizeName(name)!;
      expect(f.pinyin, name).toBe(primary);
      expect(f.pinyinAlts[0]).toBe(primary);
      for (const o of others) expect(f.pinyinAlts, name).toContain(o);
      expect(f.pinyinAlts.length).toBeLessThanOrEqual(8);
      expect(new Set(f.pinyinAlts).size).toBe(f.pinyinAlts.length);
    }
  });

  it('reads a polyphonic character in the given name in context, not as a surname', () => {
    expect(normalizeName('张单')!.pinyin).toBe('zhangdan');
  });

  it('reads a character by its place in the name, whichever name came first (parts are cached)', () => {
    expect(normalizeName('张单')).toMatchObject({ pinyin: 'zhangdan', surname: '张', given: '单' });
    expect(normalizeName('单张')).toMatchObject({ pinyin: 'shanzhang', surname: '单', given: '张' });
    expect(normalizeName('单单')).toMatchObject({ pinyin: 'shandan', surname: '单', given: '单' });
    expect(normalizeName('張单')).toMatchObject({ simplified: '张单', pinyin: 'zhangdan', surname: '張' });
    expect(normalizeName('单單')!.pinyinAlts).toEqual(normalizeName('单单')!.pinyinAlts);
  });

  it('writes ü as v so that pinyin stays ASCII', () => {
    expect(normalizeName('吕绿')!.pinyin).toBe('lvlv');
  });

  it('splits compound surnames, also in traditional characters', () => {
    expect(normalizeName('欧阳娜娜')).toMatchObject({ surname: '欧阳', given: '娜娜', pinyin: 'ouyangnana' });
    expect(normalizeName('歐陽娜娜')).toMatchObject({ surname: '歐陽', given: '娜娜', simplified: '欧阳娜娜' });
    expect(normalizeName('诸葛亮')).toMatchObject({ surname: '诸葛', given: '亮' });
    expect(normalizeName('司马光')).toMatchObject({ surname: '司马', given: '光' });
    const yuchi = normalizeName('尉迟恭')!;
    expect(yuchi).toMatchObject({ surname: '尉迟', given: '恭', pinyin: 'yuchigong' });
    expect(yuchi.pinyinAlts).toContain('weichigong');
    // Two characters alone are surname + given name, not a bare compound surname.
    expect(normalizeName('司马')).toMatchObject({ surname: '司', given: '马' });
    expect(normalizeName('王')).toMatchObject({ surname: '王', given: '', pinyin: 'wang' });
  });

  it('folds private-use characters from GBK mis-decoding to ?', () => {
    const f = normalizeName('张\uE4C6三')!;
    expect(f.norm).toBe('张?三');
    expect(f.norm).not.toMatch(/[\uE000-\uF8FF]/);
  });

  it('removes control characters (spreadsheet residue; bidui_name uses two as separators)', () => {
    expect(normalizeName('张\u001f三\u001e\u0007')).toMatchObject({ norm: '张三', pinyin: 'zhangsan' });
    expect(normalizeName('\u001f')).toBeNull();
  });
});

describe('charDamerau', () => {
  it('counts code points, not bytes or UTF-16 units', () => {
    expect(charDamerau('张三', '张山')).toBe(1);
    expect(charDamerau('张', '山')).toBe(1);
    expect(charDamerau('𠀀三', '𠀁三')).toBe(1); // outside the BMP: two UTF-16 units each
    expect(charDamerau('', '𠀀𠀀')).toBe(2);
    expect(charDamerau('张三', '')).toBe(2);
    expect(charDamerau('王小明', '王小明')).toBe(0);
  });
  it('counts an adjacent transposition as one edit (optimal string alignment)', () => {
    expect(charDamerau('王明小', '王小明')).toBe(1);
    expect(charDamerau('ab', 'ba')).toBe(1);
    expect(charDamerau('ca', 'abc')).toBe(3); // OSA, not unrestricted Damerau (2)
    expect(charDamerau('kitten', 'sitting')).toBe(3);
    expect(charDamerau('x'.repeat(200), 'y'.repeat(150))).toBe(200);
  });
});
