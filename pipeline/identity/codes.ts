// Coded columns: each value may arrive as the Chinese label, a digit code, or our English code.
// Everything maps to one canonical English code (digits for the 残联 disability codes).

export type CodeSet =
  | 'gender'
  | 'parentStatus'
  | 'measure'
  | 'category'
  | 'registryStatus'
  | 'disabilityType'
  | 'disabilityLevel'
  | 'certificateStatus'
  | 'schoolLevel'
  | 'enrollmentStatus'
  | 'relation'
  | 'judgmentType'
  | 'assistanceType'
  | 'householdRelation';

export const CODE_SETS: readonly CodeSet[] = [
  'gender',
  'parentStatus',
  'measure',
  'category',
  'registryStatus',
  'disabilityType',
  'disabilityLevel',
  'certificateStatus',
  'schoolLevel',
  'enrollmentStatus',
  'relation',
  'judgmentType',
  'assistanceType',
  'householdRelation',
];

export type CodeError = 'UNKNOWN_CODE' | 'UNKNOWN_CODE_SET';

export interface CodeResult {
  code: string | null;
  /** Only category: SCATTERED / INSTITUTION for the two kinds of orphan. */
  subtype: string | null;
  error: CodeError | null;
}

interface Entry {
  code: string;
  subtype?: string;
  /** The first alias is the display label. Matched after trim, NFKC, space removal, upper-casing. */
  aliases: string[];
}

const TABLES: Record<CodeSet, Entry[]> = {
  gender: [
    { code: 'M', aliases: ['男', '1', '男性', 'MALE'] },
    { code: 'F', aliases: ['女', '2', '女性', 'FEMALE'] },
  ],
  parentStatus: [
    { code: 'NORMAL', aliases: ['正常'] },
    { code: 'DEAD', aliases: ['死亡'] },
    { code: 'MISSING', aliases: ['失踪'] },
    { code: 'SEVERE_DISABLED', aliases: ['重残', '重度残疾'] },
    { code: 'SEVERE_ILL', aliases: ['重病'] },
    { code: 'INCARCERATED', aliases: ['服刑在押'] },
    { code: 'COMPULSORY_REHAB', aliases: ['强制隔离戒毒'] },
    { code: 'OTHER_RESTRICTION', aliases: ['其他限制人身自由'] },
    { code: 'LOST_CONTACT', aliases: ['失联'] },
    { code: 'GUARDIANSHIP_REVOKED', aliases: ['撤销监护资格'] },
    // NFKC has already turned full-width parentheses into ASCII ones.
    { code: 'DEPORTED', aliases: ['遣送(驱逐)出境', '遣送出境', '驱逐出境', '遣送或驱逐出境'] },
    { code: 'NOT_FOUND', aliases: ['查找不到'] },
  ],
  measure: [
    { code: 'INCARCERATED', aliases: ['服刑在押'] },
    { code: 'COMPULSORY_REHAB', aliases: ['强制隔离戒毒'] },
    { code: 'OTHER_RESTRICTION', aliases: ['其他限制人身自由'] },
    // Not a restriction under RULES.md §1, kept distinct so that the rules can ignore it.
    { code: 'COMMUNITY_CORRECTION', aliases: ['社区矫正', '监外执行', '暂予监外执行', '缓刑', '假释', '管制'] },
  ],
  category: [
    { code: 'ORPHAN', aliases: ['孤儿'] },
    { code: 'ORPHAN', subtype: 'SCATTERED', aliases: ['社会散居孤儿', '散居孤儿'] },
    { code: 'ORPHAN', subtype: 'INSTITUTION', aliases: ['机构养育孤儿', '集中养育孤儿', '机构供养孤儿'] },
    { code: 'DE_FACTO', aliases: ['事实无人抚养儿童'] },
    { code: 'DIFFICULTY', aliases: ['困境儿童'] },
    { code: 'DIFFICULTY_SELF', aliases: ['自身困境儿童'] },
    { code: 'DIFFICULTY_FAMILY', aliases: ['家庭困境儿童'] },
    { code: 'LEFT_BEHIND', aliases: ['留守儿童', '农村留守儿童'] },
    { code: 'HIV', aliases: ['艾滋病病毒感染儿童'] },
  ],
  registryStatus: [
    { code: 'ACTIVE', aliases: ['在保'] },
    { code: 'STOPPED', aliases: ['停保'] },
  ],
  disabilityType: [
    { code: '1', aliases: ['视力', '视力残疾'] },
    { code: '2', aliases: ['听力', '听力残疾'] },
    { code: '3', aliases: ['言语', '言语残疾', '语言', '语言残疾'] },
    { code: '4', aliases: ['肢体', '肢体残疾'] },
    { code: '5', aliases: ['智力', '智力残疾'] },
    { code: '6', aliases: ['精神', '精神残疾'] },
    { code: '7', aliases: ['多重', '多重残疾'] },
  ],
  disabilityLevel: [
    { code: '1', aliases: ['一级', '一', '1级', '壹级'] },
    { code: '2', aliases: ['二级', '二', '2级', '贰级'] },
    { code: '3', aliases: ['三级', '三', '3级', '叁级'] },
    { code: '4', aliases: ['四级', '四', '4级', '肆级'] },
  ],
  certificateStatus: [
    { code: 'VALID', aliases: ['有效'] },
    { code: 'CANCELLED', aliases: ['注销', '已注销'] },
  ],
  schoolLevel: [
    { code: 'PRESCHOOL', aliases: ['学前', '学前教育', '幼儿园'] },
    { code: 'PRIMARY', aliases: ['小学'] },
    { code: 'JUNIOR', aliases: ['初中', '初级中学'] },
    { code: 'SENIOR', aliases: ['普通高中', '高中'] },
    { code: 'VOCATIONAL', aliases: ['中职', '中等职业教育', '中专', '职高'] },
    { code: 'HIGHER', aliases: ['高等教育', '大学', '大专', '专科', '本科'] },
  ],
  enrollmentStatus: [
    { code: 'ENROLLED', aliases: ['在读', '在籍', '在校'] },
    { code: 'SUSPENDED', aliases: ['休学'] },
    { code: 'DROPPED_OUT', aliases: ['辍学'] },
    { code: 'GRADUATED', aliases: ['毕业'] },
    { code: 'TRANSFERRED', aliases: ['转出'] },
  ],
  relation: [
    // Digits: GB/T 4761 family relation codes, as used by 学籍 exports.
    { code: 'FATHER', aliases: ['父亲', '父', '爸爸', '51'] },
    { code: 'MOTHER', aliases: ['母亲', '母', '妈妈', '52'] },
    { code: 'GRANDFATHER', aliases: ['祖父', '爷爷', '61'] },
    { code: 'GRANDMOTHER', aliases: ['祖母', '奶奶', '62'] },
    { code: 'MATERNAL_GRANDFATHER', aliases: ['外祖父', '外公', '姥爷', '63'] },
    { code: 'MATERNAL_GRANDMOTHER', aliases: ['外祖母', '外婆', '姥姥', '64'] },
    // Step and adoptive parents are not "the parents" of RULES.md; keep them apart from FATHER/MOTHER.
    { code: 'STEPFATHER', aliases: ['继父'] },
    { code: 'STEPMOTHER', aliases: ['继母'] },
    { code: 'ADOPTIVE_FATHER', aliases: ['养父'] },
    { code: 'ADOPTIVE_MOTHER', aliases: ['养母'] },
    { code: 'SIBLING', aliases: ['兄弟姐妹', '哥哥', '姐姐', '兄', '姐', '弟弟', '妹妹'] },
    { code: 'OTHER', aliases: ['其他', '其它'] },
  ],
  // 法院 judgments on a person's status and on guardianship (FEEDS.md court).
  judgmentType: [
    { code: 'DECLARED_MISSING', aliases: ['宣告失踪', '宣告失踪判决'] },
    { code: 'DECLARED_DEAD', aliases: ['宣告死亡', '宣告死亡判决'] },
    { code: 'MISSING_REVOKED', aliases: ['撤销失踪宣告', '撤销宣告失踪'] },
    { code: 'DEATH_REVOKED', aliases: ['撤销死亡宣告', '撤销宣告死亡'] },
    { code: 'GUARDIANSHIP_REVOKED', aliases: ['撤销监护人资格', '撤销监护资格'] },
    { code: 'GUARDIANSHIP_RESTORED', aliases: ['恢复监护人资格', '恢复监护资格'] },
  ],
  // 社会救助 types (FEEDS.md social_assistance).
  assistanceType: [
    { code: 'DIBAO', aliases: ['低保', '最低生活保障', '城市低保', '农村低保', '城乡低保'] },
    { code: 'TEKUN', aliases: ['特困', '特困供养', '特困人员', '特困人员救助供养', '特困供养人员'] },
    { code: 'DIBAO_EDGE', aliases: ['低保边缘', '低保边缘家庭', '低边'] },
  ],
  // 与户主关系 of a social-assistance row: what makes a member the child of the head (GB/T 4761 digits too).
  householdRelation: [
    { code: 'HEAD', aliases: ['户主', '本人', '本人(户主)', '02', '01'] },
    { code: 'SPOUSE', aliases: ['配偶', '妻', '夫', '妻子', '丈夫', '10', '11', '12'] },
    { code: 'CHILD', aliases: ['子女', '子', '女', '儿子', '女儿', '长子', '次子', '长女', '次女', '独生子', '独生女', '20', '30'] },
    { code: 'GRANDCHILD', aliases: ['孙子女', '孙子', '孙女', '外孙子', '外孙女', '外孙', '40'] },
    { code: 'PARENT', aliases: ['父母', '父亲', '母亲', '50', '51', '52'] },
    { code: 'OTHER', aliases: ['其他', '其它'] },
  ],
};

/** Chinese display label of each code, per set (subtypes as `CODE:SUBTYPE`). */
export const CODE_LABELS: Readonly<Record<CodeSet, Readonly<Record<string, string>>>> = Object.fromEntries(
  CODE_SETS.map((set) => {
    const labels: Record<string, string> = {};
    for (const e of TABLES[set]) {
      const key = e.subtype ? `${e.code}:${e.subtype}` : e.code;
      labels[key] ??= e.aliases[0]!;
    }
    return [set, labels];
  }),
) as Record<CodeSet, Record<string, string>>;

function clean(raw: string): string {
  return raw.normalize('NFKC').replace(/[\s\u200B-\u200D\uFEFF]+/g, '').toUpperCase();
}

const LOOKUP = new Map<CodeSet, Map<string, Entry>>(
  CODE_SETS.map((set) => {
    const m = new Map<string, Entry>();
    for (const e of TABLES[set]) {
      // The English code itself is accepted too; a code's plain entry wins over a subtype's.
      if (!m.has(e.code)) m.set(e.code, e);
      for (const a of e.aliases) m.set(clean(a), e);
    }
    return [set, m];
  }),
);

export function isCodeSet(s: string): s is CodeSet {
  return (CODE_SETS as readonly string[]).includes(s);
}

/**
 * Canonical code of one cell. Empty input gives {code: null, error: null}. An unknown
 * relation (or household relation) is OTHER rather than an error: the column is free text in practice.
 */
export function parseCode(set: CodeSet, raw: string | number | null | undefined): CodeResult {
  const table = LOOKUP.get(set);
  if (!table) return { code: null, subtype: null, error: 'UNKNOWN_CODE_SET' };
  if (raw == null) return { code: null, subtype: null, error: null };
  const key = clean(String(raw));
  if (key === '') return { code: null, subtype: null, error: null };
  const e = table.get(key);
  if (e) return { code: e.code, subtype: e.subtype ?? null, error: null };
  if (set === 'relation' || set === 'householdRelation') return { code: 'OTHER', subtype: null, error: null };
  return { code: null, subtype: null, error: 'UNKNOWN_CODE' };
}

/** Chinese label of a code (and subtype), e.g. codeLabel('category', 'ORPHAN', 'SCATTERED') = 社会散居孤儿. */
export function codeLabel(set: CodeSet, code: string, subtype?: string | null): string | null {
  const labels = CODE_LABELS[set];
  if (!labels) return null;
  return (subtype ? labels[`${code}:${subtype}`] : undefined) ?? labels[code] ?? null;
}
