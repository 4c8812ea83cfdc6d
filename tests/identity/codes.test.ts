import { describe, expect, it } from 'vitest';
import { CODE_LABELS, CODE_SETS, codeLabel, parseCode, type CodeSet } from '../../pipeline/identity/index.js';

const code = (set: CodeSet, raw: string | number | null) => parseCode(set, raw).code;

describe('parseCode', () => {
  it('reads gender labels, digits and letters', () => {
    for (const raw of ['男', '1', 'M', 'm', ' 男 ', '１']) expect(code('gender', raw), raw).toBe('M');
    for (const raw of ['女', '2', 'F', 'female']) expect(code('gender', raw), raw).toBe('F');
    expect(parseCode('gender', '3')).toEqual({ code: null, subtype: null, error: 'UNKNOWN_CODE' });
    expect(parseCode('gender', '')).toEqual({ code: null, subtype: null, error: null });
    expect(parseCode('gender', 1).code).toBe('M');
  });

  it('reads every parent status, including both forms of the deportation label', () => {
    const expected: Record<string, string> = {
      正常: 'NORMAL',
      死亡: 'DEAD',
      失踪: 'MISSING',
      重残: 'SEVERE_DISABLED',
      重病: 'SEVERE_ILL',
      服刑在押: 'INCARCERATED',
      强制隔离戒毒: 'COMPULSORY_REHAB',
      其他限制人身自由: 'OTHER_RESTRICTION',
      失联: 'LOST_CONTACT',
      撤销监护资格: 'GUARDIANSHIP_REVOKED',
      '遣送(驱逐)出境': 'DEPORTED',
      '遣送（驱逐）出境': 'DEPORTED',
      遣送出境: 'DEPORTED',
      驱逐出境: 'DEPORTED',
      查找不到: 'NOT_FOUND',
    };
    for (const [raw, c] of Object.entries(expected)) expect(code('parentStatus', raw), raw).toBe(c);
    expect(code('parentStatus', 'dead')).toBe('DEAD');
    expect(parseCode('parentStatus', '出差').error).toBe('UNKNOWN_CODE');
  });

  it('reads measures; community correction and its kin are not restrictions', () => {
    expect(code('measure', '服刑在押')).toBe('INCARCERATED');
    expect(code('measure', '强制隔离戒毒')).toBe('COMPULSORY_REHAB');
    expect(code('measure', '其他限制人身自由')).toBe('OTHER_RESTRICTION');
    for (const raw of ['社区矫正', '监外执行', '缓刑', '假释']) expect(code('measure', raw)).toBe('COMMUNITY_CORRECTION');
  });

  it('reads categories with orphan subtypes, and English codes', () => {
    expect(parseCode('category', '孤儿')).toEqual({ code: 'ORPHAN', subtype: null, error: null });
    expect(parseCode('category', '社会散居孤儿')).toEqual({ code: 'ORPHAN', subtype: 'SCATTERED', error: null });
    expect(parseCode('category', '机构养育孤儿')).toEqual({ code: 'ORPHAN', subtype: 'INSTITUTION', error: null });
    expect(code('category', '事实无人抚养儿童')).toBe('DE_FACTO');
    expect(code('category', '困境儿童')).toBe('DIFFICULTY');
    expect(code('category', '自身困境儿童')).toBe('DIFFICULTY_SELF');
    expect(code('category', '家庭困境儿童')).toBe('DIFFICULTY_FAMILY');
    expect(code('category', '留守儿童')).toBe('LEFT_BEHIND');
    expect(code('category', '艾滋病病毒感染儿童')).toBe('HIV');
    for (const c of ['ORPHAN', 'DE_FACTO', 'DIFFICULTY', 'DIFFICULTY_SELF', 'DIFFICULTY_FAMILY', 'LEFT_BEHIND', 'HIV']) {
      expect(parseCode('category', c)).toEqual({ code: c, subtype: null, error: null });
    }
  });

  it('reads disability types and levels by label and digit', () => {
    const types = ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'];
    types.forEach((t, i) => {
      const d = String(i + 1);
      expect(code('disabilityType', t)).toBe(d);
      expect(code('disabilityType', t + '残疾')).toBe(d);
      expect(code('disabilityType', d)).toBe(d);
    });
    expect(code('disabilityType', '8')).toBeNull();
    ['一级', '二级', '三级', '四级'].forEach((l, i) => {
      const d = String(i + 1);
      expect(code('disabilityLevel', l)).toBe(d);
      expect(code('disabilityLevel', d)).toBe(d);
      expect(code('disabilityLevel', d + '级')).toBe(d);
    });
    expect(parseCode('disabilityLevel', '五级').error).toBe('UNKNOWN_CODE');
  });

  it('reads statuses, school levels and enrollment', () => {
    expect(code('registryStatus', '在保')).toBe('ACTIVE');
    expect(code('registryStatus', '停保')).toBe('STOPPED');
    expect(code('certificateStatus', '有效')).toBe('VALID');
    expect(code('certificateStatus', '注销')).toBe('CANCELLED');
    const levels: Record<string, string> = {
      学前: 'PRESCHOOL', 小学: 'PRIMARY', 初中: 'JUNIOR', 普通高中: 'SENIOR', 高中: 'SENIOR', 中职: 'VOCATIONAL', 高等教育: 'HIGHER',
    };
    for (const [raw, c] of Object.entries(levels)) expect(code('schoolLevel', raw)).toBe(c);
    const statuses: Record<string, string> = {
      在读: 'ENROLLED', 在籍: 'ENROLLED', 在校: 'ENROLLED', 休学: 'SUSPENDED', 辍学: 'DROPPED_OUT', 毕业: 'GRADUATED', 转出: 'TRANSFERRED',
    };
    for (const [raw, c] of Object.entries(statuses)) expect(code('enrollmentStatus', raw)).toBe(c);
  });

  it('reads relations and never fails on an unknown one', () => {
    expect(code('relation', '父亲')).toBe('FATHER');
    expect(code('relation', '父')).toBe('FATHER');
    expect(code('relation', '母亲')).toBe('MOTHER');
    expect(code('relation', '母')).toBe('MOTHER');
    expect(code('relation', '爷爷')).toBe('GRANDFATHER');
    expect(code('relation', '祖母')).toBe('GRANDMOTHER');
    expect(code('relation', '外公')).toBe('MATERNAL_GRANDFATHER');
    expect(code('relation', '外祖母')).toBe('MATERNAL_GRANDMOTHER');
    expect(code('relation', '继父')).toBe('STEPFATHER');
    expect(parseCode('relation', '邻居')).toEqual({ code: 'OTHER', subtype: null, error: null });
    expect(parseCode('relation', '')).toEqual({ code: null, subtype: null, error: null });
  });

  it('reports an unknown code set', () => {
    expect(parseCode('nope' as CodeSet, '男').error).toBe('UNKNOWN_CODE_SET');
  });
});

describe('labels', () => {
  it('gives the Chinese label of a code', () => {
    expect(codeLabel('parentStatus', 'DEPORTED')).toBe('遣送(驱逐)出境');
    expect(codeLabel('category', 'ORPHAN')).toBe('孤儿');
    expect(codeLabel('category', 'ORPHAN', 'SCATTERED')).toBe('社会散居孤儿');
    expect(codeLabel('disabilityType', '5')).toBe('智力');
    expect(codeLabel('gender', 'X')).toBeNull();
  });
  it('has a label for every code, and every label parses back to its code', () => {
    for (const set of CODE_SETS) {
      for (const [key, label] of Object.entries(CODE_LABELS[set])) {
        const [c, sub] = key.split(':');
        expect(parseCode(set, label), `${set} ${label}`).toEqual({ code: c, subtype: sub ?? null, error: null });
      }
    }
  });
});
