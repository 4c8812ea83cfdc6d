import type { FeedName } from '../config/index.js';
import type { CodeSet } from './identity/codes.js';

export type { CodeSet };

/**
 * How a field is read and which stored columns it becomes (see store/schema.ts):
 * text → key; name → key (as given, trimmed; its forms are in the name_forms table, keyed by it);
 * id → key (cleaned, null when damaged) + key_valid/_damaged/_issues/_birth_date/_gender/_region/_region_current;
 * date → key DATE; month → key 'YYYY-MM'; region → key digits + key_county; code → key (canonical) [+ key_subtype].
 */
export type FieldKind =
  | { type: 'text' }
  | { type: 'name' }
  | { type: 'id' }
  | { type: 'date' }
  | { type: 'month' }
  | { type: 'region' }
  | { type: 'code'; set: CodeSet; subtype?: boolean };

export interface FieldSpec {
  key: string;
  kind: FieldKind;
  /** Chinese headers that real exports use (FEEDS.md); the key itself is always accepted. */
  headers: string[];
  required?: boolean;
  /**
   * A text field's format: the trimmed value must match `regex` (DuckDB regexp_full_match), else the
   * row is quarantined with `reason` (a code of connectors/normalise.ts NORMALISE_REASON_LABELS).
   */
  pattern?: { regex: string; reason: string };
}

export interface FeedSpec {
  feed: FeedName;
  table: string;
  fields: FieldSpec[];
  /** Fields that are a person's identity: [name, id, gender?, birth_date?] per role. */
  people: { role: string; name: string; id: string; gender?: string; birthDate?: string }[];
  /** Pairs of date fields [from, to]: a row whose `to` lies before its `from` gets a DATE_ORDER finding. */
  dateOrder?: [string, string][];
  /**
   * Rows of one household (same `id` value in one delivery) link a member whose `relation` is one of
   * `childOf` to the members whose relation is one of `parents`, as father or mother by sex
   * (rules/gather.ts; FEEDS.md social_assistance).
   */
  household?: { id: string; relation: string; childOf: string[]; parents: string[] };
  /**
   * Person linkage (matchers/): a large roster most of whose people never change a flag (the school
   * registry) is linked to the persons of interest only, never deduplicated on its own; its mentions that
   * link to nothing are dropped before any comparison. Absent: the feed's people are persons of interest
   * (the registry's children, parents and carers; the subjects of the event feeds).
   */
  linkOnly?: true;
  /**
   * Need-to-know records (RULES.md §4: HIV status, criminal records): shown only to roles with the
   * grant, and at rest every column of the feed's rows is sealed, not only names and ID numbers.
   */
  needToKnow?: true;
}

const text = { type: 'text' } as const;
const name = { type: 'name' } as const;
const id = { type: 'id' } as const;
const date = { type: 'date' } as const;
const code = (set: CodeSet, subtype = false): FieldKind => ({ type: 'code', set, subtype });

const NAME = ['姓名'];
const ID = ['身份证号', '公民身份号码', '身份证件号码', '身份证号码'];
const person = (required = true): FieldSpec[] => [
  { key: 'name', kind: name, headers: NAME, required },
  { key: 'id_number', kind: id, headers: ID },
  { key: 'gender', kind: code('gender'), headers: ['性别'] },
  { key: 'birth_date', kind: date, headers: ['出生日期'] },
];

/** Each feed's Chinese name, as users and reports name it. */
export const FEED_LABELS: Readonly<Record<FeedName, string>> = {
  registry: '儿童福利信息系统（保障名册）',
  death: '死亡（公安注销、卫健死亡证明、殡葬火化）',
  incarceration: '限制人身自由记录（司法、公安）',
  disability: '残疾人证（残联）',
  enrollment: '学籍（教育）',
  court: '法院判决（宣告失踪、宣告死亡、撤销或恢复监护人资格）',
  lost_contact: '失联报告（公安）',
  illness: '重病记录（卫健、医保）',
  hiv: '艾滋病病毒感染者（卫健，限制知悉）',
  social_assistance: '社会救助名册（低保、特困、低保边缘）',
};

export const FEED_SPECS: Record<FeedName, FeedSpec> = {
  registry: {
    feed: 'registry',
    table: 'feed_registry',
    fields: [
      { key: 'child_ref', kind: text, headers: ['儿童编号', '系统编号'] },
      { key: 'name', kind: name, headers: ['姓名', '儿童姓名'], required: true },
      { key: 'id_number', kind: id, headers: ID },
      { key: 'gender', kind: code('gender'), headers: ['性别'] },
      { key: 'birth_date', kind: date, headers: ['出生日期'] },
      { key: 'region_code', kind: { type: 'region' }, headers: ['户籍地区划代码', '行政区划代码'] },
      { key: 'category', kind: code('category', true), headers: ['保障类别', '儿童类别'], required: true },
      { key: 'status', kind: code('registryStatus'), headers: ['保障状态'], required: true },
      { key: 'basis', kind: text, headers: ['认定情形'] },
      { key: 'start_date', kind: date, headers: ['纳入保障日期'] },
      { key: 'last_paid_month', kind: { type: 'month' }, headers: ['最后发放月份'] },
      { key: 'father_name', kind: name, headers: ['父亲姓名'] },
      { key: 'father_id_number', kind: id, headers: ['父亲身份证号'] },
      { key: 'father_status', kind: code('parentStatus'), headers: ['父亲情况'] },
      { key: 'father_status_since', kind: date, headers: ['父亲情况起始日期'] },
      { key: 'mother_name', kind: name, headers: ['母亲姓名'] },
      { key: 'mother_id_number', kind: id, headers: ['母亲身份证号'] },
      { key: 'mother_status', kind: code('parentStatus'), headers: ['母亲情况'] },
      { key: 'mother_status_since', kind: date, headers: ['母亲情况起始日期'] },
      { key: 'carer_name', kind: name, headers: ['委托照护人姓名', '监护人姓名'] },
      { key: 'carer_id_number', kind: id, headers: ['委托照护人身份证号', '监护人身份证号'] },
      { key: 'carer_relation', kind: code('relation'), headers: ['与儿童关系'] },
    ],
    people: [
      { role: 'child', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' },
      { role: 'father', name: 'father_name', id: 'father_id_number' },
      { role: 'mother', name: 'mother_name', id: 'mother_id_number' },
      { role: 'carer', name: 'carer_name', id: 'carer_id_number' },
    ],
  },
  death: {
    feed: 'death',
    table: 'feed_death',
    fields: [
      ...person(),
      { key: 'death_date', kind: date, headers: ['死亡日期'], required: true },
      { key: 'source', kind: text, headers: ['数据来源'] },
      { key: 'record_id', kind: text, headers: ['记录编号'] },
      { key: 'region_code', kind: { type: 'region' }, headers: ['户籍地区划代码', '行政区划代码'] },
    ],
    people: [{ role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' }],
  },
  incarceration: {
    feed: 'incarceration',
    needToKnow: true,
    table: 'feed_incarceration',
    fields: [
      ...person(),
      { key: 'measure', kind: code('measure'), headers: ['措施类型'], required: true },
      { key: 'start_date', kind: date, headers: ['起始日期'], required: true },
      { key: 'end_date', kind: date, headers: ['预计结束日期'] },
      { key: 'release_date', kind: date, headers: ['实际释放日期'] },
      { key: 'institution', kind: text, headers: ['执行场所'] },
      { key: 'record_id', kind: text, headers: ['记录编号'] },
    ],
    people: [{ role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' }],
  },
  disability: {
    feed: 'disability',
    table: 'feed_disability',
    fields: [
      ...person(),
      { key: 'certificate_no', kind: text, headers: ['残疾人证号'] },
      { key: 'disability_type', kind: code('disabilityType'), headers: ['残疾类别'], required: true },
      { key: 'level', kind: code('disabilityLevel'), headers: ['残疾等级'], required: true },
      { key: 'issue_date', kind: date, headers: ['发证日期'] },
      { key: 'status', kind: code('certificateStatus'), headers: ['证件状态'] },
      { key: 'status_date', kind: date, headers: ['状态日期'] },
    ],
    people: [{ role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' }],
  },
  enrollment: {
    feed: 'enrollment',
    table: 'feed_enrollment',
    linkOnly: true,
    fields: [
      ...person(),
      { key: 'school_code', kind: text, headers: ['学校标识码'] },
      { key: 'school_name', kind: text, headers: ['学校名称'] },
      { key: 'level', kind: code('schoolLevel'), headers: ['学段'] },
      { key: 'grade', kind: text, headers: ['年级'] },
      { key: 'status', kind: code('enrollmentStatus'), headers: ['学籍状态'], required: true },
      { key: 'as_of', kind: date, headers: ['数据日期'] },
      { key: 'guardian1_name', kind: name, headers: ['监护人一姓名', '监护人1姓名'] },
      { key: 'guardian1_id_number', kind: id, headers: ['监护人一身份证号', '监护人1身份证号'] },
      { key: 'guardian1_relation', kind: code('relation'), headers: ['监护人一关系', '监护人1关系'] },
      { key: 'guardian2_name', kind: name, headers: ['监护人二姓名', '监护人2姓名'] },
      { key: 'guardian2_id_number', kind: id, headers: ['监护人二身份证号', '监护人2身份证号'] },
      { key: 'guardian2_relation', kind: code('relation'), headers: ['监护人二关系', '监护人2关系'] },
    ],
    people: [
      { role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' },
      { role: 'guardian1', name: 'guardian1_name', id: 'guardian1_id_number' },
      { role: 'guardian2', name: 'guardian2_name', id: 'guardian2_id_number' },
    ],
  },
  // The optional feeds (RULES.md §3: they only add evidence). Their subjects are persons of interest
  // like the subjects of death, incarceration and disability records.
  court: {
    feed: 'court',
    table: 'feed_court',
    fields: [
      ...person(),
      { key: 'judgment_type', kind: code('judgmentType'), headers: ['判决类型', '案件类型', '裁判类型'], required: true },
      { key: 'judgment_date', kind: date, headers: ['判决日期', '裁判日期'], required: true },
      { key: 'effective_date', kind: date, headers: ['生效日期', '判决生效日期'] },
      { key: 'court', kind: text, headers: ['法院', '审理法院', '法院名称'] },
      { key: 'case_no', kind: text, headers: ['案号'] },
    ],
    people: [{ role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' }],
    dateOrder: [['judgment_date', 'effective_date']],
  },
  lost_contact: {
    feed: 'lost_contact',
    table: 'feed_lost_contact',
    fields: [
      ...person(),
      { key: 'report_date', kind: date, headers: ['报告日期', '失联日期', '报案日期'], required: true },
      // Empty while the person is still missing.
      { key: 'found_date', kind: date, headers: ['找回日期', '查找到日期', '恢复联系日期'] },
      { key: 'reporter', kind: text, headers: ['报告单位'] },
      { key: 'record_id', kind: text, headers: ['记录编号'] },
    ],
    people: [{ role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' }],
    dateOrder: [['report_date', 'found_date']],
  },
  illness: {
    feed: 'illness',
    table: 'feed_illness',
    fields: [
      ...person(),
      // ICD-10, also the national clinical extension (C50.900x001).
      { key: 'disease_code', kind: text, headers: ['疾病编码', '疾病代码', 'ICD编码', 'ICD-10编码', '诊断编码'], pattern: { regex: '[A-Za-z][0-9]{2}(\\.?[0-9A-Za-z]{0,10})?', reason: 'INVALID_DISEASE_CODE' } },
      { key: 'disease_name', kind: text, headers: ['疾病名称', '诊断名称'] },
      { key: 'diagnosis_date', kind: date, headers: ['确诊日期', '诊断日期'], required: true },
      { key: 'hospital', kind: text, headers: ['医疗机构', '医院', '确诊医院'] },
      { key: 'record_id', kind: text, headers: ['记录编号'] },
    ],
    people: [{ role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' }],
  },
  // Need-to-know (RULES.md §4): only roles with the grant see these rows or anything derived from them.
  hiv: {
    feed: 'hiv',
    needToKnow: true,
    table: 'feed_hiv',
    fields: [
      ...person(),
      { key: 'confirm_date', kind: date, headers: ['确诊日期', '确认日期'], required: true },
      { key: 'region_code', kind: { type: 'region' }, headers: ['户籍地区划代码', '行政区划代码', '现住址区划代码'] },
      { key: 'record_id', kind: text, headers: ['记录编号'] },
    ],
    people: [{ role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' }],
  },
  // One row per member of an assisted household; household_id links a child to its parents (rules/gather.ts).
  social_assistance: {
    feed: 'social_assistance',
    table: 'feed_social_assistance',
    fields: [
      { key: 'household_id', kind: text, headers: ['家庭编号', '户编号', '救助证编号'] },
      ...person(),
      { key: 'relation', kind: code('householdRelation'), headers: ['与户主关系'] },
      { key: 'assistance_type', kind: code('assistanceType'), headers: ['救助类型', '保障类型'], required: true },
      { key: 'start_date', kind: date, headers: ['纳入日期', '纳入保障日期', '开始日期'], required: true },
      { key: 'end_date', kind: date, headers: ['退出日期', '停保日期', '终止日期'] },
      { key: 'region_code', kind: { type: 'region' }, headers: ['户籍地区划代码', '行政区划代码'] },
      { key: 'monthly_amount', kind: text, headers: ['月救助金额', '月保障金额', '救助金额'], pattern: { regex: '[0-9][0-9,]*(\\.[0-9]+)?元?', reason: 'INVALID_AMOUNT' } },
    ],
    people: [{ role: 'subject', name: 'name', id: 'id_number', gender: 'gender', birthDate: 'birth_date' }],
    dateOrder: [['start_date', 'end_date']],
    household: { id: 'household_id', relation: 'relation', childOf: ['CHILD'], parents: ['HEAD', 'SPOUSE'] },
  },
};

/** Header as compared: trimmed, NFKC, no whitespace, lower case (for English keys). */
export function headerKey(header: string): string {
  return header.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

/**
 * Maps a file's headers to canonical keys. Returns key → header as found; headers that match no
 * field stay raw-only. Two headers claiming one key: the first wins and the second is reported.
 */
export function mapHeaders(
  spec: FeedSpec,
  headers: string[],
  extraAliases: Record<string, string[]> = {},
): { mapping: Map<string, string>; duplicates: string[] } {
  const byAlias = new Map<string, string>();
  for (const f of spec.fields) {
    for (const h of [f.key, ...f.headers, ...(extraAliases[f.key] ?? [])]) byAlias.set(headerKey(h), f.key);
  }
  const mapping = new Map<string, string>();
  const duplicates: string[] = [];
  for (const h of headers) {
    const key = byAlias.get(headerKey(h));
    if (!key) continue;
    if (mapping.has(key)) duplicates.push(h);
    else mapping.set(key, h);
  }
  return { mapping, duplicates };
}
