/** Feed layouts (FEEDS.md), file plans, row builders for the core world and the background population. */
import { ageAt, civilFromDays, DATE_STYLES, fmtDate, toUtcDate, ym, type DateStyle } from './dates.js';
import type { IdAllocator } from './ids.js';
import type { AssistanceType, EnrollStatus, Person, RegRow, SchoolLevel, World } from './model.js';
import { NameGen, dottedName, surnameOf } from './names.js';
import type { IdNoiseScope, Noiser, NoiseType } from './noise.js';
import type { County } from './regions.js';
import { Rng, cumulative } from './rng.js';
import { LISTED_ILLNESSES, personId, UNLISTED_ILLNESSES } from './rules.js';
import { FORMAT_EXT, csvCell, openSink, type Cell, type Format, type Sink, TextOut } from './writers.js';

export type CoreFeedName = 'registry' | 'death' | 'incarceration' | 'disability' | 'enrollment';
/** The feeds of issue 15 (FEEDS.md): written after the others, so that those stay as they were for a seed. */
export type NewFeedName = 'court' | 'lost_contact' | 'illness' | 'hiv' | 'social_assistance';
export type FeedName = CoreFeedName | NewFeedName;
export const FEED_NAMES: readonly CoreFeedName[] = ['registry', 'death', 'incarceration', 'disability', 'enrollment'];
export const NEW_FEED_NAMES: readonly NewFeedName[] = ['court', 'lost_contact', 'illness', 'hiv', 'social_assistance'];
export const ALL_FEED_NAMES: readonly FeedName[] = [...FEED_NAMES, ...NEW_FEED_NAMES];
type Kind = 'text' | 'name' | 'id' | 'date' | 'gender' | 'dtype' | 'dlevel' | 'month';
interface Col {
  key: string;
  aliases: readonly string[];
  kind: Kind;
}
const c = (key: string, kind: Kind, ...aliases: string[]): Col => ({ key, kind, aliases });
const ID_ALIASES = ['身份证号', '公民身份号码', '身份证件号码'];
const REGION_ALIASES = ['户籍地区划代码', '行政区划代码'];

export const FEEDS: Record<FeedName, readonly Col[]> = {
  registry: [
    c('child_ref', 'text', '儿童编号', '系统编号'), c('name', 'name', '姓名', '儿童姓名'), c('id_number', 'id', ...ID_ALIASES),
    c('gender', 'gender', '性别'), c('birth_date', 'date', '出生日期'), c('region_code', 'text', ...REGION_ALIASES),
    c('category', 'text', '保障类别', '儿童类别'), c('status', 'text', '保障状态'), c('basis', 'text', '认定情形'),
    c('start_date', 'date', '纳入保障日期'), c('last_paid_month', 'month', '最后发放月份'),
    c('father_name', 'name', '父亲姓名'), c('father_id_number', 'id', '父亲身份证号'), c('father_status', 'text', '父亲情况'),
    c('father_status_since', 'date', '父亲情况起始日期'),
    c('mother_name', 'name', '母亲姓名'), c('mother_id_number', 'id', '母亲身份证号'), c('mother_status', 'text', '母亲情况'),
    c('mother_status_since', 'date', '母亲情况起始日期'),
    c('carer_name', 'name', '委托照护人姓名', '监护人姓名'), c('carer_id_number', 'id', '委托照护人身份证号', '监护人身份证号'),
    c('carer_relation', 'text', '与儿童关系'),
  ],
  death: [
    c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('gender', 'gender', '性别'), c('birth_date', 'date', '出生日期'),
    c('death_date', 'date', '死亡日期'), c('source', 'text', '数据来源'), c('record_id', 'text', '记录编号'),
    c('region_code', 'text', ...REGION_ALIASES),
  ],
  incarceration: [
    c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('gender', 'gender', '性别'), c('measure', 'text', '措施类型'),
    c('start_date', 'date', '起始日期'), c('end_date', 'date', '预计结束日期'), c('release_date', 'date', '实际释放日期'),
    c('institution', 'text', '执行场所'), c('record_id', 'text', '记录编号'),
  ],
  disability: [
    c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('certificate_no', 'text', '残疾人证号'),
    c('disability_type', 'dtype', '残疾类别'), c('level', 'dlevel', '残疾等级'), c('issue_date', 'date', '发证日期'),
    c('status', 'text', '证件状态'), c('status_date', 'date', '状态日期'),
  ],
  enrollment: [
    c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('gender', 'gender', '性别'), c('birth_date', 'date', '出生日期'),
    c('school_code', 'text', '学校标识码'), c('school_name', 'text', '学校名称'), c('level', 'text', '学段'), c('grade', 'text', '年级'),
    c('status', 'text', '学籍状态'), c('as_of', 'date', '数据日期'),
    c('guardian1_name', 'name', '监护人一姓名'), c('guardian1_id_number', 'id', '监护人一身份证号'), c('guardian1_relation', 'text', '监护人一关系'),
    c('guardian2_name', 'name', '监护人二姓名'), c('guardian2_id_number', 'id', '监护人二身份证号'), c('guardian2_relation', 'text', '监护人二关系'),
  ],
  court: [
    c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('gender', 'gender', '性别'), c('birth_date', 'date', '出生日期'),
    c('judgment_type', 'text', '判决类型'), c('judgment_date', 'date', '判决日期'), c('effective_date', 'date', '生效日期'),
    c('court', 'text', '法院'), c('case_no', 'text', '案号'),
  ],
  lost_contact: [
    c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('gender', 'gender', '性别'), c('birth_date', 'date', '出生日期'),
    c('report_date', 'date', '报告日期'), c('found_date', 'date', '找回日期'), c('reporter', 'text', '报告单位'), c('record_id', 'text', '记录编号'),
  ],
  illness: [
    c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('gender', 'gender', '性别'), c('birth_date', 'date', '出生日期'),
    c('disease_code', 'text', '疾病编码'), c('disease_name', 'text', '疾病名称'), c('diagnosis_date', 'date', '确诊日期'),
    c('hospital', 'text', '医疗机构'), c('record_id', 'text', '记录编号'),
  ],
  hiv: [
    c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('gender', 'gender', '性别'), c('birth_date', 'date', '出生日期'),
    c('confirm_date', 'date', '确诊日期'), c('region_code', 'text', ...REGION_ALIASES), c('record_id', 'text', '记录编号'),
  ],
  social_assistance: [
    c('household_id', 'text', '家庭编号'), c('name', 'name', '姓名'), c('id_number', 'id', ...ID_ALIASES), c('relation', 'text', '与户主关系'),
    c('assistance_type', 'text', '救助类型'), c('start_date', 'date', '纳入日期'), c('end_date', 'date', '退出日期'),
    c('region_code', 'text', ...REGION_ALIASES), c('monthly_amount', 'text', '月救助金额'),
  ],
};

export type Role = 'child' | 'father' | 'mother' | 'carer' | 'subject' | 'guardian1' | 'guardian2';
export interface MentionSpec {
  role: Role;
  pid: number;
  id: string;
  idCol: number;
  nameCol: number;
  birthCol: number; // -1: no birth date in the row for this person
  scope: IdNoiseScope;
}
export type Raw = string | number | null;
export interface RowSpec {
  vals: Raw[];
  mentions: MentionSpec[];
}

const DTYPE = ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'];
const DLEVEL = ['一级', '二级', '三级', '四级'];

export interface Profile {
  headerVariant: number;
  dateStyle: DateStyle | 'mixed';
  xlsxDateCells: boolean;
  codes: 'label' | 'digit' | 'mixed';
  serial: boolean; // leading 序号 column (an unknown extra column)
  genderBlank: number;
  snapshot: number; // enrollment 数据日期
}

export interface FileSpec {
  feed: FeedName;
  rel: string; // relative to the inbox
  format: Format;
  rows: number;
  profile: Profile;
}

export interface FileStat {
  feed: FeedName;
  file: string;
  format: Format;
  rows: number;
}

/** Writes one file: applies mention noise, formats the cells per profile, writes mention truth. */
export class FileWriter {
  private sink: Sink;
  private rowNo = 0;
  private readonly cols: readonly Col[];
  private readonly xlsx: boolean;
  private readonly relCsv: string;

  constructor(
    private readonly spec: FileSpec,
    path: string,
    private readonly noiser: Noiser,
    private readonly rng: Rng,
    private readonly mentionsOut: TextOut,
  ) {
    this.cols = FEEDS[spec.feed];
    this.xlsx = spec.format === 'xlsx';
    const chinese = spec.format !== 'jsonl' && spec.format !== 'parquet';
    const header = this.cols.map((col) => (chinese ? (col.aliases[spec.profile.headerVariant % col.aliases.length] as string) : col.key));
    const dateCols: number[] = [];
    this.cols.forEach((col, i) => { if (col.kind === 'date') dateCols.push(i + (spec.profile.serial && chinese ? 1 : 0)); });
    if (spec.profile.serial && chinese) header.unshift('序号');
    this.spec.profile.serial = spec.profile.serial && chinese;
    this.sink = openSink(spec.format, path, header, this.cols.map((x) => x.key), spec.profile.xlsxDateCells ? dateCols : []);
    this.relCsv = csvCell(spec.rel);
  }

  write(rs: RowSpec): void {
    const v = rs.vals;
    const no = ++this.rowNo;
    for (const m of rs.mentions) {
      let labels = '';
      const add = (t: NoiseType | null) => { if (t) labels = labels ? labels + ';' + t : t; };
      const [idv, ti] = this.noiser.id(m.id, { xlsx: this.xlsx, scope: m.scope });
      v[m.idCol] = idv;
      add(ti);
      if (ti !== 'id_missing' && ti !== 'id_sci') {
        const [nm, tn] = this.noiser.name(v[m.nameCol] as string);
        v[m.nameCol] = nm;
        add(tn);
        if (m.birthCol >= 0 && ti === null && v[m.birthCol] !== null) {
          const [b, tb] = this.noiser.birth(v[m.birthCol] as number);
          v[m.birthCol] = b;
          add(tb);
        }
      }
      this.mentionsOut.write(`${this.spec.feed},${this.relCsv},${no},${m.role},${personId(m.pid)},${labels}\n`);
    }
    const p = this.spec.profile;
    const out: Cell[] = p.serial ? [no] : [];
    for (let i = 0; i < this.cols.length; i++) {
      const x = v[i] as Raw;
      const kind = (this.cols[i] as Col).kind;
      if (x === null || x === undefined) { out.push(null); continue; }
      const digit = p.codes === 'digit' || (p.codes === 'mixed' && this.rng.next() < 0.5);
      switch (kind) {
        case 'date':
          if (this.xlsx && p.xlsxDateCells) out.push(toUtcDate(x as number));
          else out.push(fmtDate(x as number, p.dateStyle === 'mixed' ? (DATE_STYLES[this.rng.int(5)] as DateStyle) : p.dateStyle));
          break;
        case 'month': out.push(ym(x as number)); break;
        case 'gender':
          out.push(p.genderBlank > 0 && this.rng.next() < p.genderBlank ? null : digit ? String(x) : x === 1 ? '男' : '女');
          break;
        case 'dtype': out.push(digit ? String(x) : (DTYPE[(x as number) - 1] as string)); break;
        case 'dlevel': out.push(digit ? String(x) : (DLEVEL[(x as number) - 1] as string)); break;
        default: out.push(x);
      }
    }
    this.sink.row(out);
  }

  async close(): Promise<FileStat> {
    await this.sink.close();
    return { feed: this.spec.feed, file: this.spec.rel, format: this.spec.format, rows: this.rowNo };
  }
}

// ------------------------------------------------------------------------------------------------
// core world → rows

const SCHOOL_NAMES = ['第一', '第二', '第三', '实验', '城关', '育才', '新华', '希望'];
const LEVEL_SUFFIX: Record<SchoolLevel, string> = {
  学前: '幼儿园', 小学: '小学', 初中: '中学', 普通高中: '高级中学', 中职: '职业技术学校', 高等教育: '职业技术学院',
};
const LEVEL_DIGIT: Record<SchoolLevel, number> = { 学前: 1, 小学: 2, 初中: 3, 普通高中: 4, 中职: 5, 高等教育: 6 };

export class RowFactory {
  private readonly countyName = new Map<string, string>();
  constructor(readonly w: World, counties: readonly County[]) {
    for (const k of counties) this.countyName.set(k.code, k.name);
  }

  school(county: string, level: SchoolLevel, idx: number): [string, string] {
    return [`2${county}${LEVEL_DIGIT[level]}${String(idx + 1).padStart(2, '0')}`, `${this.countyName.get(county) ?? ''}${SCHOOL_NAMES[idx % 8]}${LEVEL_SUFFIX[level]}`];
  }

  registry(r: RegRow): RowSpec {
    const w = this.w;
    const ch = w.person(r.child);
    const m: MentionSpec[] = [{ role: 'child', pid: ch.pid, id: ch.id, idCol: 2, nameCol: 1, birthCol: 4, scope: 'all' }];
    const par = (pid: number | null, role: Role, idCol: number): [string, string] => {
      if (pid === null) return ['', ''];
      const p = w.person(pid);
      m.push({ role, pid, id: p.id, idCol, nameCol: idCol - 1, birthCol: -1, scope: 'mild' });
      return [p.name, p.id];
    };
    const [fn, fi] = par(r.father.pid, 'father', 12);
    const [mn, mi] = par(r.mother.pid, 'mother', 16);
    const [cn, ci] = r.carer ? par(r.carer.pid, 'carer', 20) : ['', ''];
    return {
      vals: [
        r.ref, ch.name, ch.id, ch.g, ch.birth, r.region, r.label, r.status, r.basis, r.start, r.lastPaid,
        fn, fi, r.father.status, r.father.since, mn, mi, r.mother.status, r.mother.since, cn, ci, r.carer ? r.carer.relation : null,
      ].map((x) => (x === '' ? null : x)),
      mentions: m,
    };
  }

  death(pid: number, date: number, source: string, recordId: string): RowSpec {
    const p = this.w.person(pid);
    return deathRow(p, date, source, recordId);
  }
}

export function deathRow(p: Person, date: number, source: string, recordId: string): RowSpec {
  return {
    vals: [p.name, p.id, p.g, p.birth, date, source, recordId, p.county],
    mentions: [{ role: 'subject', pid: p.pid, id: p.id, idCol: 1, nameCol: 0, birthCol: 3, scope: 'all' }],
  };
}

export function incarcerationRow(p: Person, measure: string, start: number, end: number | null, release: number | null, inst: string, rec: string): RowSpec {
  return {
    vals: [p.name, p.id, p.g, measure, start, end, release, inst, rec],
    mentions: [{ role: 'subject', pid: p.pid, id: p.id, idCol: 1, nameCol: 0, birthCol: -1, scope: 'mild' }],
  };
}

export function disabilityRow(p: Person, type: number, level: number, issue: number, status: string, statusDate: number | null): RowSpec {
  return {
    vals: [p.name, p.id, `${p.id}${type}${level}`, type, level, issue, status, statusDate],
    mentions: [{ role: 'subject', pid: p.pid, id: p.id, idCol: 1, nameCol: 0, birthCol: -1, scope: 'missing' }],
  };
}

export function enrollmentRow(
  ch: Person, school: [string, string], level: SchoolLevel, grade: string, status: EnrollStatus, asOf: number,
  g1: [Person, string] | null, g2: [Person, string] | null,
): RowSpec {
  const m: MentionSpec[] = [{ role: 'subject', pid: ch.pid, id: ch.id, idCol: 1, nameCol: 0, birthCol: 3, scope: 'all' }];
  if (g1) m.push({ role: 'guardian1', pid: g1[0].pid, id: g1[0].id, idCol: 11, nameCol: 10, birthCol: -1, scope: 'mild' });
  if (g2) m.push({ role: 'guardian2', pid: g2[0].pid, id: g2[0].id, idCol: 14, nameCol: 13, birthCol: -1, scope: 'mild' });
  return {
    vals: [
      ch.name, ch.id, ch.g, ch.birth, school[0], school[1], level, grade, status, asOf,
      g1 ? g1[0].name : null, g1 ? g1[0].id : null, g1 ? g1[1] : null,
      g2 ? g2[0].name : null, g2 ? g2[0].id : null, g2 ? g2[1] : null,
    ],
    mentions: m,
  };
}

export function courtRow(p: Person, type: string, date: number, effective: number | null, court: string, caseNo: string): RowSpec {
  return {
    vals: [p.name, p.id, p.g, p.birth, type, date, effective, court, caseNo],
    mentions: [{ role: 'subject', pid: p.pid, id: p.id, idCol: 1, nameCol: 0, birthCol: 3, scope: 'all' }],
  };
}

export function lostContactRow(p: Person, report: number, found: number | null, reporter: string, rec: string): RowSpec {
  return {
    vals: [p.name, p.id, p.g, p.birth, report, found, reporter, rec],
    mentions: [{ role: 'subject', pid: p.pid, id: p.id, idCol: 1, nameCol: 0, birthCol: 3, scope: 'all' }],
  };
}

export function illnessRow(p: Person, code: string, name: string, diagnosis: number, hospital: string, rec: string): RowSpec {
  return {
    vals: [p.name, p.id, p.g, p.birth, code, name, diagnosis, hospital, rec],
    mentions: [{ role: 'subject', pid: p.pid, id: p.id, idCol: 1, nameCol: 0, birthCol: 3, scope: 'all' }],
  };
}

export function hivRow(p: Person, confirm: number, region: string, rec: string): RowSpec {
  return {
    vals: [p.name, p.id, p.g, p.birth, confirm, region, rec],
    mentions: [{ role: 'subject', pid: p.pid, id: p.id, idCol: 1, nameCol: 0, birthCol: 3, scope: 'all' }],
  };
}

export function assistanceRow(p: Person, household: string, relation: string, type: string, start: number, end: number | null, region: string, amount: number): RowSpec {
  return {
    vals: [household, p.name, p.id, relation, type, start, end, region, amount.toFixed(2)],
    // No birth date column: a missing ID would leave the name alone, and the ID's birth date is the only one.
    mentions: [{ role: 'subject', pid: p.pid, id: p.id, idCol: 2, nameCol: 1, birthCol: -1, scope: 'mild-birth' }],
  };
}

// ------------------------------------------------------------------------------------------------
// background population (unrelated to the registry; streamed, never stored)

const BG_SOURCES = ['公安户籍注销', '卫健死亡医学证明', '殡葬火化记录'];
const BG_INSTITUTIONS = ['省第一监狱', '省第三监狱', '省女子监狱', '市看守所', '县看守所', '省强制隔离戒毒所', '县司法局社区矫正中心'];
const Y = 365.25;

export class Background {
  private readonly names: NameGen;
  private readonly cum: Float64Array;
  private pending: RowSpec[] = [];
  private pendingAssist: RowSpec[] = [];
  private recSeq = 0;

  constructor(
    private readonly rng: Rng,
    private readonly counties: readonly County[],
    private readonly ids: IdAllocator,
    private readonly T: number,
    private readonly D: number,
    private nextPid: number,
    private readonly personsOut: TextOut,
    private readonly rows: RowFactory,
  ) {
    this.names = new NameGen(rng.fork('bg-names'));
    this.cum = cumulative(counties.map((_, i) => 1 + ((i * 7919) % 13)));
  }

  get pidCount(): number {
    return this.nextPid - 1;
  }

  private county(): string {
    return (this.counties[this.rng.weighted(this.cum)] as County).code;
  }

  person(g: 1 | 2, birth: number, surname?: string, county = this.county()): Person {
    const [id, b] = this.ids.allocate(county, birth, g === 1);
    const [y] = civilFromDays(b);
    const name = this.names.wantsMinority()
      ? dottedName(this.names.minorityGiven(g), this.names.minorityGiven(1))
      : this.names.person(g, y, surname);
    const p: Person = { pid: this.nextPid++, id, name, g, birth: b, county };
    this.personsOut.write(personLine(p));
    return p;
  }

  private rec(prefix: string): string {
    this.recSeq++;
    return prefix + String(this.recSeq * 104729 + 7).padStart(10, '0').slice(-10);
  }

  death(): RowSpec {
    const r = this.rng;
    const x = r.next();
    const age = x < 0.01 ? r.range(1, 17) : x < 0.06 ? r.range(18, 45) : r.range(46, 100);
    const date = this.T - r.int(Math.floor(4 * Y));
    const birth = date - Math.floor(age * Y) - r.int(365);
    const p = this.person(r.chance(0.55) ? 1 : 2, birth);
    return deathRow(p, date, r.pick(BG_SOURCES), this.rec('D'));
  }

  incarceration(): RowSpec {
    const r = this.rng;
    const start = this.T - r.int(Math.floor(8 * Y));
    const birth = start - Math.floor(r.range(18, 60) * Y) - r.int(365);
    const p = this.person(r.chance(0.88) ? 1 : 2, birth);
    const x = r.next();
    const measure = x < 0.6 ? '服刑在押' : x < 0.75 ? '强制隔离戒毒' : x < 0.85 ? '其他限制人身自由' : '社区矫正';
    const months = measure === '强制隔离戒毒' ? 24 : measure === '其他限制人身自由' ? r.range(0, 6) : r.range(6, 180);
    const end = months === 0 ? start + r.range(5, 15) : start + Math.floor(months * 30.44);
    const release = end <= this.T && r.chance(0.9) ? end - r.int(60) : null;
    return incarcerationRow(p, measure, start, r.chance(0.97) ? end : null, release, r.pick(BG_INSTITUTIONS), this.rec('J'));
  }

  disability(): RowSpec {
    const r = this.rng;
    const child = r.chance(0.06);
    const age = child ? r.range(2, 16) : r.range(19, 95);
    const birth = this.T - Math.floor(age * Y) - r.int(300);
    const p = this.person(r.chance(0.55) ? 1 : 2, birth);
    const issue = Math.max(birth + 200, this.T - r.int(Math.floor(10 * Y)));
    if (child) {
      // never qualifying: not severe, or cancelled before T
      if (r.chance(0.7)) return disabilityRow(p, r.pick([1, 2, 3, 4, 7]), r.range(3, 4), issue, '有效', issue);
      return disabilityRow(p, r.range(1, 7), r.range(1, 4), issue, '注销', Math.min(this.T - 1, issue + r.range(30, 900)));
    }
    const cancelled = r.chance(0.08);
    return disabilityRow(p, r.range(1, 7), r.range(1, 4), issue, cancelled ? '注销' : '有效', cancelled ? Math.min(this.T, issue + r.range(30, 2000)) : issue);
  }

  /** Background students: families of 1–3 children with their parents as guardians. */
  enrollment(asOf: number): RowSpec {
    if (this.pending.length) return this.pending.pop() as RowSpec;
    const r = this.rng;
    const county = this.county();
    const k = r.next() < 0.55 ? 1 : r.next() < 0.78 ? 2 : 3;
    const firstAge = r.range(3, 20);
    const fBirth = this.T - Math.floor((firstAge + r.range(22, 38)) * Y) - r.int(365);
    const father = this.person(1, fBirth, undefined, county);
    const mother = r.chance(0.75) ? this.person(2, fBirth + r.range(-800, 2500), undefined, county) : null;
    const sur = surnameOf(father.name) || undefined;
    const rows: RowSpec[] = [];
    let age = firstAge;
    for (let i = 0; i < k && age >= 3; i++) {
      const birth = this.T - Math.floor(age * Y) - r.int(365);
      const ch = this.person(r.chance(0.52) ? 1 : 2, birth, sur, county);
      const a = ageAt(ch.birth, this.D);
      const level: SchoolLevel = a <= 5 ? '学前' : a <= 11 ? '小学' : a <= 14 ? '初中' : a <= 17 ? (r.chance(0.7) ? '普通高中' : '中职') : '高等教育';
      const grade = level === '学前' ? '大班' : `${Math.max(1, a <= 11 ? a - 5 : a <= 14 ? a - 5 : a <= 17 ? a - 14 : a - 17)}年级`;
      const status: EnrollStatus = r.chance(0.985) ? '在读' : r.pick(['休学', '转出', '毕业'] as const);
      const g1: [Person, string] = r.chance(0.8) || !mother ? [father, '父亲'] : [mother, '母亲'];
      const other = g1[0] === father ? mother : father;
      const g2: [Person, string] | null = other && r.chance(0.75) ? [other, other === father ? '父亲' : '母亲'] : null;
      rows.push(enrollmentRow(ch, this.rows.school(county, level, r.int(8)), level, grade, status, asOf, g1, g2));
      age -= r.range(2, 5);
    }
    this.pending = rows.reverse();
    return this.pending.pop() as RowSpec;
  }

  private adult(minAge = 20, maxAge = 75): Person {
    const r = this.rng;
    return this.person(r.chance(0.55) ? 1 : 2, this.T - Math.floor(r.range(minAge, maxAge) * Y) - r.int(365));
  }

  /** Judgments on unrelated adults (never a parent of a child the rules see). */
  court(): RowSpec {
    const r = this.rng;
    const p = this.adult(22, 80);
    const date = this.T - r.int(Math.floor(6 * Y));
    const type = r.pick(JUDGMENT_TYPES);
    return courtRow(p, type, date, r.chance(0.8) ? date + r.range(15, 40) : null, r.pick(COURTS), caseNo(date, p.county, this.recSeq++ + 1));
  }

  lostContact(): RowSpec {
    const r = this.rng;
    const p = this.adult(18, 80);
    const report = this.T - r.int(Math.floor(5 * Y));
    const found = r.chance(0.5) ? Math.min(this.T, report + r.range(3, 900)) : null;
    return lostContactRow(p, report, found, r.pick(REPORTERS), this.rec('LC'));
  }

  /** Adults with any disease; children only with diseases no local list names (they must not flag). */
  illness(): RowSpec {
    const r = this.rng;
    const child = r.chance(0.08);
    const p = child ? this.person(r.chance(0.5) ? 1 : 2, this.T - Math.floor(r.range(2, 16) * Y) - r.int(300)) : this.adult(25, 85);
    const [code, name] = r.pick(child ? UNLISTED_ILLNESSES : r.chance(0.5) ? LISTED_ILLNESSES : UNLISTED_ILLNESSES);
    const diagnosis = Math.max(p.birth + 100, this.T - r.int(Math.floor(6 * Y)));
    return illnessRow(p, code, name, diagnosis, r.pick(HOSPITALS), this.rec('IL'));
  }

  hiv(): RowSpec {
    const r = this.rng;
    const p = this.adult(20, 70);
    return hivRow(p, Math.max(p.birth + 6570, this.T - r.int(Math.floor(12 * Y))), p.county, this.rec('HV'));
  }

  /** Households of adults on any roll; households with children only of types or dates that do not count. */
  assistance(): RowSpec {
    if (this.pendingAssist.length) return this.pendingAssist.pop() as RowSpec;
    const r = this.rng;
    const county = this.county();
    const head = this.person(r.chance(0.6) ? 1 : 2, this.T - Math.floor(r.range(30, 85) * Y) - r.int(365), undefined, county);
    const household = `JT${county}${String(this.recSeq++ * 7 + 3).padStart(8, '0')}`;
    const withChild = r.chance(0.3);
    const start = this.T - r.int(Math.floor(6 * Y));
    const closed = withChild ? r.chance(0.5) : r.chance(0.25);
    const type: AssistanceType = withChild && !closed ? '低保边缘' : r.pick(['低保', '低保', '特困', '低保边缘'] as const);
    const end = closed ? Math.min(this.T - 1, start + r.range(60, 1500)) : null;
    const amount = type === '特困' ? 1100 : type === '低保' ? 720 : 0;
    const members: [Person, string][] = [[head, '户主']];
    if (r.chance(0.6)) members.push([this.person(head.g === 1 ? 2 : 1, head.birth + r.range(-1500, 1500), surnameOf(head.name) || undefined, county), '配偶']);
    if (withChild) members.push([this.person(r.chance(0.5) ? 1 : 2, this.T - Math.floor(r.range(2, 17) * Y) - r.int(300), surnameOf(head.name) || undefined, county), '子女']);
    this.pendingAssist = members.map(([p, rel]) => assistanceRow(p, household, rel, type, start, end, county, amount)).reverse();
    return this.pendingAssist.pop() as RowSpec;
  }
}

export const JUDGMENT_TYPES = ['宣告失踪', '宣告死亡', '撤销失踪宣告', '撤销死亡宣告', '撤销监护人资格', '恢复监护人资格'] as const;
export const COURTS = ['市中级人民法院', '县人民法院', '区人民法院', '市第一中级人民法院'];
export const REPORTERS = ['县公安局城关派出所', '区公安分局刑侦大队', '市公安局户政支队', '镇派出所'];
export const HOSPITALS = ['省人民医院', '省妇幼保健院', '市第一人民医院', '县人民医院', '市儿童医院'];
/** 案号 of a judgment: (year)county民特seq号. */
export function caseNo(date: number, county: string, seq: number): string {
  return `（${civilFromDays(date)[0]}）${county}民特${seq}号`;
}

export function personLine(p: Person): string {
  const [y, m, d] = civilFromDays(p.birth);
  return `${personId(p.pid)},${p.id},${csvCell(p.name)},${p.g},${y}-${m < 10 ? '0' + m : m}-${d < 10 ? '0' + d : d},${p.county}\n`;
}
