// The adversarial scenario generator (issue 14). Written from docs/spec/FEEDS.md and RULES.md
// only: its own population model, name pools, region codes, ID construction, file formats and
// noise. Families are generated one at a time and streamed to disk, with their ground truth.
//
//   <out>/inbox/<feed>/<source file>   registry, death, incarceration, disability, enrollment
//   <out>/truth/flags.csv              flags a correct run raises as of T, with noise classes
//   <out>/truth/mentions.csv           file,row,role,person_id for every person in every row
//   <out>/truth/records.csv            file,row,feed,person_id,classes for every row (rates)
//   <out>/truth/summary.json           counts
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Rng, addMonths, ageAt, birthDigitTypo, changeDigit, day, excelScientific, excelZeroed, fromYmd, fullWidth, iso,
  makeId, toId15, twoDigitTypo, ymd, type Weighted,
} from './basics.js';
import { makeGiven, makeName, makeSurname, minorityForm, nameVariant, spacedName, yiClan, type Ethnic } from './names.js';
import { countyTable, loadCounties, type County } from './regions.js';
import {
  childFlags, flagClasses, rulesFor, type Category, type Child, type EvidenceRec, type Measure, type Person, type Rules,
} from './truth.js';
import { FileWriter, TruthWriter, type Cell, type SourceDef } from './writers.js';

export type AdversarialSize = 'tiny' | 'small' | 'medium' | 'province';
/** Families per size (rows ≈ 3.6 × families): tiny ≈ 3.6k rows, small ≈ 20k, medium ≈ 400k, province ≈ 10M. */
export const FAMILIES: Record<AdversarialSize, number> = { tiny: 1_000, small: 5_500, medium: 110_000, province: 2_800_000 };
/** Share of event subjects (and of flagged children) given a homonym decoy: grows with size. */
export const DECOY_RATE: Record<AdversarialSize, number> = { tiny: 0.05, small: 0.05, medium: 0.12, province: 0.25 };
/** Share of event records (death, incarceration, disability) with an identity defect. */
export const EVENT_DEFECT_RATE = 0.35;
/** Share of school records whose guardians are listed by name only. */
export const GUARDIAN_NO_ID_RATE = 0.25;

export interface AdversarialOptions {
  seed: number;
  size: AdversarialSize;
  out: string;
  asOf: string;
  /** overrides the size's family count */
  families?: number;
}

/** Identity defects of event records, with their share among defective records. */
export const DEFECTS: [string, number][] = [
  ['C2_ID_BIRTH_DIGIT', 30],
  ['C3_ID_TYPO_AND_NAME_VARIANT', 15],
  ['C3_TWO_ID_DIGITS', 10],
  ['X_OLD_ID_15', 8],
  ['X_EXCEL_SCIENTIFIC', 6],
  ['X_EXCEL_000', 6],
  ['X_FULLWIDTH_ID', 6],
  ['X_ID_SEPARATORS', 3],
  ['X_NAME_SPACE', 6],
  ['X_ID_EMPTY', 6],
  ['X_MINORITY_NAME_FORM', 4],
];

// ------------------------------------------------------------------------------------------ sources

const H = (pairs: string): [string, string][] => pairs.split(/ (?=[a-z_0-9]+=)/).map((p) => p.split('=') as [string, string]);
const SOURCES: Record<string, SourceDef> = {
  registry: {
    file: 'registry/儿童福利信息系统_在册儿童导出.xlsx', format: 'xlsx', dateStyle: 'excel-date', gender: 'label',
    headers: H('child_ref=儿童编号 name=儿童姓名 id_number=身份证号 gender=性别 birth_date=出生日期 region_code=户籍地区划代码 category=保障类别 status=保障状态 basis=认定情形 start_date=纳入保障日期 last_paid_month=最后发放月份 father_name=父亲姓名 father_id_number=父亲身份证号 father_status=父亲情况 father_status_since=父亲情况起始日期 mother_name=母亲姓名 mother_id_number=母亲身份证号 mother_status=母亲情况 mother_status_since=母亲情况起始日期 carer_name=委托照护人姓名 carer_id_number=委托照护人身份证号 carer_relation=与儿童关系'),
  },
  deathPolice: {
    file: 'death/公安_户籍注销_死亡.csv', format: 'csv', encoding: 'gb18030', dateStyle: 'chinese', gender: 'label',
    headers: H('record_id=记录编号 name=姓名 id_number=公民身份号码 gender=性别 birth_date=出生日期 death_date=死亡日期 source=数据来源 region_code=户籍地区划代码'),
  },
  deathHealth: {
    file: 'death/卫健_死亡医学证明.jsonl', format: 'jsonl', dateStyle: 'compact', gender: 'digit',
    headers: H('name=name id_number=id_number gender=gender birth_date=birth_date death_date=death_date source=source record_id=record_id region_code=region_code'),
  },
  deathFuneral: {
    file: 'death/殡葬_火化记录.csv', format: 'csv', encoding: 'utf-8-bom', dateStyle: 'serial', gender: 'label',
    headers: H('name=姓 名 id_number=身份证号码 gender=性别 death_date=死亡日期 source=数据来源 record_id=记录编号'),
  },
  prison: {
    file: 'incarceration/司法_监狱戒毒所在押.xlsx', format: 'xlsx', dateStyle: 'excel-date', gender: 'label',
    headers: H('record_id=记录编号 name=姓名 id_number=身份证号 gender=性别 measure=措施类型 start_date=起始日期 end_date=预计结束日期 release_date=实际释放日期 institution=执行场所'),
  },
  detention: {
    file: 'incarceration/公安_羁押人员.csv', format: 'csv', encoding: 'utf-8', dateStyle: 'slash', gender: 'digit',
    headers: H('record_id=记录编号 name=姓名 id_number=身份证件号码 gender=性别 measure=措施类型 start_date=起始日期 end_date=预计结束日期 release_date=实际释放日期 institution=执行场所'),
  },
  disability: {
    file: 'disability/残联_第二代残疾人证.csv', format: 'csv', encoding: 'gb18030', dateStyle: 'dotted', gender: 'label',
    headers: H('name=姓名 id_number=身份证号 certificate_no=残疾人证号 disability_type=残疾类别 level=残疾等级 issue_date=发证日期 status=证件状态 status_date=状态日期'),
  },
};
const ENROLLMENT_HEADERS = H(
  'name=姓名 id_number=身份证件号码 gender=性别 birth_date=出生日期 school_code=学校标识码 school_name=学校名称 level=学段 grade=年级 status=学籍状态 as_of=数据日期 guardian1_name=监护人一姓名 guardian1_id_number=监护人一身份证号 guardian1_relation=监护人一关系 guardian2_name=监护人二姓名 guardian2_id_number=监护人二身份证号 guardian2_relation=监护人二关系',
);
const enrollmentSource = (city: string): SourceDef => ({
  file: `enrollment/学籍_${city}00_2026秋.csv`, format: 'csv', encoding: 'utf-8', dateStyle: 'iso', gender: 'label', headers: ENROLLMENT_HEADERS,
});

const CATEGORY_LABEL: Record<Category, string[]> = {
  ORPHAN: ['孤儿', '社会散居孤儿'],
  DE_FACTO: ['事实无人抚养儿童'],
  DIFFICULTY_FAMILY: ['困境儿童'],
  DIFFICULTY_SELF: ['困境儿童'],
  LEFT_BEHIND: ['留守儿童'],
};
const DISABILITY_TYPES = ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'];
const LEVELS = ['一级', '二级', '三级', '四级'];

// ------------------------------------------------------------------------------------------ generator

export interface AdversarialSummary {
  seed: number;
  size: AdversarialSize;
  asOf: string;
  families: number;
  rows: Record<string, number>;
  truthFlags: Record<string, number>;
  eventRecords: number;
  eventRecordsDefective: number;
  enrollmentRecords: number;
  enrollmentGuardianNoId: number;
  decoys: number;
  classRecords: Record<string, number>;
}

export async function generateAdversarial(opts: AdversarialOptions): Promise<AdversarialSummary> {
  const g = new Generator(opts);
  await g.run();
  return g.summary;
}

class Generator {
  private readonly rng: Rng;
  private readonly T: number;
  private readonly r: Rules;
  private readonly counties: Weighted<County>;
  private readonly writers = new Map<string, FileWriter>();
  private readonly truthFlags: TruthWriter;
  private readonly mentions: TruthWriter;
  private readonly records: TruthWriter;
  private nextPid = 1;
  private nextRec = 1;
  private nextRef = 1;
  private readonly decoyRate: number;
  readonly summary: AdversarialSummary;

  constructor(private readonly opts: AdversarialOptions) {
    this.rng = new Rng(opts.seed * 7919 + 14);
    this.T = day(opts.asOf);
    this.r = rulesFor(this.T);
    this.counties = countyTable(loadCounties('51'), new Rng(opts.seed));
    rmSync(join(opts.out, 'inbox'), { recursive: true, force: true });
    rmSync(join(opts.out, 'truth'), { recursive: true, force: true });
    mkdirSync(join(opts.out, 'inbox'), { recursive: true });
    const t = join(opts.out, 'truth');
    this.truthFlags = new TruthWriter(join(t, 'flags.csv'), [
      'flag', 'reason', 'category', 'previous_category', 'child_person_id', 'child_id_number', 'child_ref', 'child_name', 'effective_from', 'noise_classes', 'evidence',
    ]);
    this.mentions = new TruthWriter(join(t, 'mentions.csv'), ['file', 'row', 'role', 'person_id']);
    this.records = new TruthWriter(join(t, 'records.csv'), ['file', 'row', 'feed', 'person_id', 'classes']);
    this.decoyRate = DECOY_RATE[opts.size];
    this.summary = {
      seed: opts.seed, size: opts.size, asOf: opts.asOf, families: opts.families ?? FAMILIES[opts.size], rows: {}, truthFlags: {},
      eventRecords: 0, eventRecordsDefective: 0, enrollmentRecords: 0, enrollmentGuardianNoId: 0, decoys: 0, classRecords: {},
    };
  }

  async run() {
    for (let i = 0; i < this.summary.families; i++) {
      this.family();
      // unrelated people: the elderly who die, adults in prison, adults with certificates
      if (this.rng.chance(1.1)) this.background('death');
      if (this.rng.chance(0.25)) this.background('restriction');
      if (this.rng.chance(0.35)) this.background('disability');
    }
    for (const w of this.writers.values()) {
      await w.close();
      this.summary.rows[w.def.file] = w.rows;
    }
    this.truthFlags.close();
    this.mentions.close();
    this.records.close();
    writeFileSync(join(this.opts.out, 'truth', 'summary.json'), JSON.stringify(this.summary, null, 2));
  }

  // ---------------------------------------------------------------- people

  private person(name: string, male: boolean, birth: number, county: County): Person {
    const rng = this.rng;
    let region = county.code;
    const traits: string[] = [];
    if (ymd(birth)[0] < 1995 && county.retired.length && rng.chance(0.3)) {
      region = rng.pick(county.retired);
      traits.push('X_RETIRED_REGION_CODE');
    }
    return {
      pid: `P${this.nextPid++}`, name, male, birth, id: makeId(region, birth, rng.int(0, 999), male), county: county.code,
      death: null, restrictions: [], disability: null, recs: [], traits,
    };
  }

  /** A day in [lo, hi] (inclusive) avoiding Feb 29 (a birthday rule nobody should have to guess). */
  private dayIn(lo: number, hi: number): number {
    const d = this.rng.int(lo, Math.max(lo, hi));
    const [, m, dd] = ymd(d);
    return m === 2 && dd === 29 ? d - 1 : d;
  }

  /** A child's birth day in [lo, hi] kept a week away from every age boundary the rules test. */
  private childBirth(lo: number, hi: number): number {
    const T = this.T;
    const edges = [
      addMonths(T, -12 * 18), addMonths(addMonths(T, 3), -12 * 18), // 18 at T, 18 next quarter
      addMonths(this.r.eduRefDay, -12 * 16), addMonths(this.r.eduRefDay, -12 * 6), // compulsory school age
      addMonths(T, -12 * 16), // left-behind age limit
    ];
    for (;;) {
      const d = this.dayIn(lo, hi);
      if (edges.every((e) => Math.abs(d - e) > 7)) return d;
    }
  }

  private recent(): number {
    return this.dayIn(this.T - 85, this.T - 3);
  }
  private older(lo: number): number {
    return this.dayIn(lo, this.T - 100);
  }

  // ---------------------------------------------------------------- noise

  private identity(p: Person, source: SourceDef, allowDefect = true): { name: string; id: Cell; classes: string[] } {
    const rng = this.rng;
    let name = p.name;
    let id: Cell = p.id;
    const classes: string[] = [];
    if (allowDefect && rng.chance(EVENT_DEFECT_RATE)) {
      let c = rng.weighted(DEFECTS);
      if (c === 'X_MINORITY_NAME_FORM' && !name.includes('·')) c = 'X_NAME_SPACE';
      if (c === 'X_OLD_ID_15' && ymd(p.birth)[0] >= 2000) c = 'C2_ID_BIRTH_DIGIT';
      switch (c) {
        case 'C2_ID_BIRTH_DIGIT':
          id = birthDigitTypo(p.id, rng);
          break;
        case 'C3_ID_TYPO_AND_NAME_VARIANT': {
          const v = nameVariant(name, rng);
          if (v) {
            name = v.name;
            id = changeDigit(p.id, rng.int(0, 16), rng);
          } else {
            c = 'C3_TWO_ID_DIGITS';
            id = twoDigitTypo(p.id, rng);
          }
          break;
        }
        case 'C3_TWO_ID_DIGITS':
          id = twoDigitTypo(p.id, rng);
          break;
        case 'X_OLD_ID_15':
          id = toId15(p.id);
          break;
        case 'X_EXCEL_SCIENTIFIC':
          if (source.format === 'xlsx') {
            id = { num: Number(p.id.replace('X', '0')) };
            c = 'X_EXCEL_NUMBER_CELL';
          } else id = excelScientific(p.id);
          break;
        case 'X_EXCEL_000':
          id = excelZeroed(p.id);
          break;
        case 'X_FULLWIDTH_ID':
          id = fullWidth(p.id);
          break;
        case 'X_ID_SEPARATORS':
          id = `${p.id.slice(0, 6)} ${p.id.slice(6, 14)} ${p.id.slice(14)}`;
          break;
        case 'X_NAME_SPACE':
          name = spacedName(name, rng);
          break;
        case 'X_ID_EMPTY':
          id = null;
          break;
        case 'X_MINORITY_NAME_FORM':
          name = minorityForm(name, rng);
          break;
      }
      classes.push(c);
    }
    return { name, id, classes };
  }

  private gender(p: Person, s: SourceDef): Cell {
    if (this.rng.chance(0.1)) return null;
    return s.gender === 'label' ? (p.male ? '男' : '女') : p.male ? '1' : '2';
  }

  private writer(def: SourceDef): FileWriter {
    let w = this.writers.get(def.file);
    if (!w) {
      w = new FileWriter(def, join(this.opts.out, 'inbox', def.file));
      this.writers.set(def.file, w);
    }
    return w;
  }

  /** Writes a row; records its mentions and classes; returns its evidence reference. */
  private emit(def: SourceDef, fields: Record<string, Cell>, roles: [string, Person | null][], classes: string[], event: boolean): string {
    const row = this.writer(def).write(fields);
    for (const [role, p] of roles) if (p) this.mentions.write([def.file, row, role, p.pid]);
    this.records.write([def.file, row, def.file.split('/')[0], roles[0]?.[1]?.pid ?? '', classes.join(';')]);
    for (const c of classes) this.summary.classRecords[c] = (this.summary.classRecords[c] ?? 0) + 1;
    if (event) {
      this.summary.eventRecords++;
      if (classes.length) this.summary.eventRecordsDefective++;
    }
    return `${def.file}#${row}`;
  }

  // ---------------------------------------------------------------- event records

  private writeDeath(p: Person) {
    const rng = this.rng;
    const n = rng.chance(0.2) ? 2 : 1; // a death reported by two agencies, each with its own noise
    const defs = [SOURCES.deathPolice!, SOURCES.deathHealth!, SOURCES.deathFuneral!];
    const first = rng.weighted([[0, 5], [1, 3], [2, 2]] as const);
    for (let k = 0; k < n; k++) {
      const def = defs[(first + k) % 3]!;
      const idn = this.identity(p, def);
      const fields: Record<string, Cell> = {
        record_id: `D${this.nextRec++}`, name: idn.name, id_number: idn.id, gender: this.gender(p, def),
        birth_date: rng.chance(0.7) ? { day: p.birth } : null, death_date: { day: p.death! },
        source: def === defs[0] ? '公安户籍注销' : def === defs[1] ? '死亡医学证明' : '火化记录',
        region_code: rng.chance(0.3) ? p.county + String(rng.int(100, 199)).padStart(3, '0') + '000' : p.county,
      };
      const ref = this.emit(def, fields, [['subject', p]], idn.classes, true);
      p.recs.push({ kind: 'death', ref, classes: idn.classes });
    }
  }

  private writeRestriction(p: Person, index: number) {
    const rng = this.rng;
    const x = p.restrictions[index]!;
    const def = x.measure === '服刑在押' || x.measure === '强制隔离戒毒' ? SOURCES.prison! : SOURCES.detention!;
    const idn = this.identity(p, def);
    const inst: Record<Measure, string> = { 服刑在押: '监狱', 强制隔离戒毒: '强制隔离戒毒所', 其他限制人身自由: '看守所', 社区矫正: '司法所' };
    const fields: Record<string, Cell> = {
      record_id: `J${this.nextRec++}`, name: idn.name, id_number: idn.id, gender: this.gender(p, def), measure: x.measure,
      start_date: { day: x.start }, end_date: { day: x.end }, release_date: x.release === null ? null : { day: x.release },
      institution: `四川省第${rng.int(1, 9)}${inst[x.measure]}`,
    };
    const ref = this.emit(def, fields, [['subject', p]], idn.classes, true);
    p.recs.push({ kind: 'restriction', index, ref, classes: idn.classes });
  }

  private writeDisability(p: Person) {
    const rng = this.rng;
    const d = p.disability!;
    const def = SOURCES.disability!;
    const idn = this.identity(p, def);
    const fields: Record<string, Cell> = {
      name: idn.name, id_number: idn.id, certificate_no: `${p.id}${d.type}${d.level}`,
      disability_type: rng.chance(0.5) ? DISABILITY_TYPES[d.type - 1]! : String(d.type),
      level: rng.chance(0.6) ? LEVELS[d.level - 1]! : String(d.level),
      issue_date: { day: d.issue }, status: d.cancelled === null ? '有效' : '注销', status_date: d.cancelled === null ? null : { day: d.cancelled },
    };
    const ref = this.emit(def, fields, [['subject', p]], idn.classes, true);
    p.recs.push({ kind: 'disability', ref, classes: idn.classes });
  }

  private writeEvents(p: Person) {
    if (p.death !== null) this.writeDeath(p);
    p.restrictions.forEach((_, i) => this.writeRestriction(p, i));
    if (p.disability) this.writeDisability(p);
  }

  /** A homonym: same name, same county, born within a year, another valid ID, with an event of its own. */
  private decoy(p: Person, adult: boolean) {
    const rng = this.rng;
    this.summary.decoys++;
    if (!p.traits.includes('C4_HOMONYM_DECOY')) p.traits.push('C4_HOMONYM_DECOY');
    const birth = this.dayIn(p.birth - 365, p.birth + 365);
    const county = { code: p.county, city: p.county.slice(0, 4), retired: [], ethnic: 'han' } as County;
    const d = this.person(p.name, p.male, birth === p.birth ? birth + 1 : birth, county);
    if (!adult) {
      // a pupil of the same name in the same county
      this.enrolment(d, this.parentLike(d, true), this.parentLike(d, false), false, false);
      return;
    }
    const kind = rng.weighted([['death', 4], ['prison', 3], ['disability', 3]] as const);
    const when = rng.chance(0.4) ? this.recent() : this.older(addMonths(d.birth, 12 * 20));
    if (kind === 'death') d.death = when;
    else if (kind === 'prison') d.restrictions.push({ measure: '服刑在押', start: when, end: addMonths(when, rng.int(24, 60)), release: null });
    else d.disability = { type: rng.int(1, 7), level: 1, issue: when, cancelled: null };
    this.writeEvents(d);
  }

  private parentLike(child: Person, male: boolean): Person {
    const county = { code: child.county, city: child.county.slice(0, 4), retired: [], ethnic: 'han' } as County;
    return this.person(makeName(this.rng, 'han', male, false), male, this.dayIn(addMonths(child.birth, -12 * 40), addMonths(child.birth, -12 * 22)), county);
  }

  private background(kind: 'death' | 'restriction' | 'disability') {
    const rng = this.rng;
    const county = this.counties.pick(rng);
    const male = rng.chance(kind === 'restriction' ? 0.85 : 0.5);
    const ethnic: Ethnic = county.ethnic !== 'han' && rng.chance(0.35) ? county.ethnic : 'han';
    if (kind === 'death') {
      const p = this.person(makeName(rng, ethnic, male, false), male, this.dayIn(fromYmd(1925, 1, 1), fromYmd(1965, 12, 31)), county);
      p.death = this.dayIn(fromYmd(2020, 1, 1), this.T - 3);
      this.writeEvents(p);
    } else if (kind === 'restriction') {
      const p = this.person(makeName(rng, ethnic, male, false), male, this.dayIn(fromYmd(1960, 1, 1), fromYmd(2005, 12, 31)), county);
      const start = this.dayIn(Math.max(addMonths(p.birth, 12 * 18), this.T - 3000), this.T - 3);
      const measure = rng.weighted<Measure>([['服刑在押', 6], ['强制隔离戒毒', 2], ['其他限制人身自由', 1], ['社区矫正', 2]]);
      const end = addMonths(start, rng.int(7, 120));
      const release = end < this.T ? (rng.chance(0.9) ? end : null) : rng.chance(0.1) ? this.dayIn(start + 30, this.T - 3) : null;
      p.restrictions.push({ measure, start, end: release === null && end < this.T ? this.T + 400 : end, release: release !== null && release < start ? null : release });
      this.writeEvents(p);
    } else {
      const p = this.person(makeName(rng, ethnic, male, false), male, this.dayIn(fromYmd(1940, 1, 1), fromYmd(2000, 12, 31)), county);
      p.disability = { type: rng.int(1, 7), level: rng.int(1, 4), issue: this.dayIn(fromYmd(2012, 1, 1), this.T - 3), cancelled: null };
      if (rng.chance(0.05)) p.disability.cancelled = this.dayIn(p.disability.issue + 1, this.T - 1);
      this.writeEvents(p);
    }
  }

  // ---------------------------------------------------------------- school records

  private enrolment(c: Person, father: Person, mother: Person, dropout: boolean, isChild: boolean): EvidenceRec {
    const rng = this.rng;
    const a = ageAt(c.birth, this.r.eduRefDay);
    const [level, grade] =
      a < 6 ? ['学前', ['小班', '中班', '大班'][Math.max(0, Math.min(2, a - 3))]!]
      : a <= 11 ? ['小学', `${a - 5}年级`]
      : a <= 14 ? ['初中', ['初一', '初二', '初三'][a - 12]!]
      : [rng.chance(0.8) ? '普通高中' : '中职', ['高一', '高二', '高三'][Math.min(2, a - 15)]!];
    const def = enrollmentSource(c.county.slice(0, 4));
    const noIds = rng.chance(GUARDIAN_NO_ID_RATE);
    const classes: string[] = [];
    if (noIds) classes.push('C1_GUARDIAN_NAME_ONLY');
    let childId: Cell = c.id;
    if (rng.chance(0.03)) {
      childId = changeDigit(c.id, rng.int(0, 16), rng);
      classes.push('X_ENROLL_CHILD_ID_TYPO');
    }
    const gName = (p: Person) => {
      if (rng.chance(0.05)) {
        const v = nameVariant(p.name, rng);
        if (v) {
          if (!classes.includes('X_GUARDIAN_NAME_VARIANT')) classes.push('X_GUARDIAN_NAME_VARIANT');
          return v.name;
        }
      }
      return p.name;
    };
    const [g1, g2] = rng.chance(0.8) ? [father, mother] : [mother, father];
    const rel = (p: Person) => (p === father ? '父亲' : '母亲');
    const fields: Record<string, Cell> = {
      name: c.name, id_number: childId, gender: this.gender(c, def), birth_date: rng.chance(0.9) ? { day: c.birth } : null,
      school_code: `21${c.county.slice(2)}${String(rng.int(0, 99)).padStart(2, '0')}`,
      school_name: `${level === '学前' ? '幼儿园' : level === '小学' ? '小学' : '中学'}${rng.int(1, 30)}`,
      level, grade, status: dropout ? '辍学' : '在读', as_of: { day: this.T - 15 },
      guardian1_name: gName(g1), guardian1_id_number: noIds ? null : g1.id, guardian1_relation: rel(g1),
      guardian2_name: gName(g2), guardian2_id_number: noIds ? null : g2.id, guardian2_relation: rel(g2),
    };
    const ref = this.emit(def, fields, [['subject', c], ['guardian1', g1], ['guardian2', g2]], classes, false);
    this.summary.enrollmentRecords++;
    if (noIds) this.summary.enrollmentGuardianNoId++;
    const rec: EvidenceRec = { kind: 'enrollment', ref, classes };
    if (isChild) c.recs.push(rec);
    return rec;
  }

  // ---------------------------------------------------------------- registry

  private statusAt(p: Person, at: number): [string, Cell] {
    if (p.death !== null && p.death <= at) return ['死亡', { day: p.death }];
    const x = p.restrictions.find((x) => x.measure !== '社区矫正' && x.start <= at && (x.release === null || x.release > at));
    if (x) return [x.measure, { day: x.start }];
    const d = p.disability;
    if (d && d.issue <= at && (d.cancelled === null || d.cancelled > at) && (d.level <= 2 || d.type === 5 || d.type === 6)) return ['重残', { day: d.issue }];
    return ['正常', null];
  }

  private registryRow(c: Child, category: Category, active: boolean, start: number, carer: Person | null, stopMonth?: number): EvidenceRec {
    const rng = this.rng;
    const def = SOURCES.registry!;
    const classes: string[] = [];
    const ref = `R${String(this.nextRef++).padStart(7, '0')}`;
    const parentId = (p: Person): Cell => {
      const x = rng.float();
      if (x < 0.08) {
        classes.push('X_REG_PARENT_NO_ID');
        return null;
      }
      if (x < 0.13 && ymd(p.birth)[0] < 2000) {
        classes.push('X_OLD_ID_15');
        return toId15(p.id);
      }
      return p.id;
    };
    let childId: Cell = c.id;
    if (rng.chance(0.02)) {
      childId = { num: Number(c.id.replace('X', '0')) };
      classes.push('X_EXCEL_NUMBER_CELL');
    }
    const [fs, fsince] = this.statusAt(c.father, start);
    const [ms, msince] = this.statusAt(c.mother, start);
    const basis: Record<Category, string> = {
      ORPHAN: '父母双亡', DE_FACTO: '父母一方死亡另一方服刑/重残等', DIFFICULTY_FAMILY: '家庭困境', DIFFICULTY_SELF: '本人重度残疾', LEFT_BEHIND: '父母外出务工',
    };
    const fields: Record<string, Cell> = {
      child_ref: ref, name: c.name, id_number: childId, gender: this.gender(c, def), birth_date: rng.chance(0.7) ? { day: c.birth } : null,
      region_code: rng.chance(0.5) ? c.county : c.county + '101000', category: rng.pick(CATEGORY_LABEL[category]),
      status: active ? '在保' : '停保', basis: basis[category], start_date: { day: start },
      last_paid_month: active ? iso(this.T).slice(0, 7) : iso(stopMonth!).slice(0, 7),
      father_name: c.father.name, father_id_number: parentId(c.father), father_status: fs, father_status_since: fsince,
      mother_name: c.mother.name, mother_id_number: parentId(c.mother), mother_status: ms, mother_status_since: msince,
      carer_name: carer?.name ?? null, carer_id_number: carer?.id ?? null, carer_relation: carer ? (carer.male ? '祖父' : '祖母') : null,
    };
    const eref = this.emit(def, fields, [['child', c], ['father', c.father], ['mother', c.mother], ['carer', carer]], classes, false);
    const rec: EvidenceRec = { kind: 'registry', ref: eref, classes };
    c.reg = { ref, category, active, rec, carer };
    return rec;
  }

  // ---------------------------------------------------------------- families

  private family() {
    const rng = this.rng;
    const T = this.T;
    const county = this.counties.pick(rng);
    const ethnic: Ethnic = county.ethnic !== 'han' && rng.chance(0.35) ? county.ethnic : 'han';
    const story = rng.weighted([
      ['plain', 74], ['orphan', 2], ['defacto', 5], ['released', 1], ['disability_ended', 0.7], ['child_disabled', 2],
      ['left_behind', 5], ['stopped', 1.2], ['child_dead', 0.5],
    ] as const);
    // children's birth range by story (REMOVE stories keep children well under 18; left-behind under 15)
    const [blo, bhi] =
      story === 'left_behind' || story === 'child_dead' ? [fromYmd(2012, 1, 1), fromYmd(2022, 6, 30)]
      : story === 'released' || story === 'disability_ended' ? [fromYmd(2009, 6, 1), fromYmd(2021, 12, 31)]
      : story === 'stopped' ? [fromYmd(2009, 6, 1), fromYmd(2020, 12, 31)]
      : [fromYmd(2008, 1, 1), fromYmd(2023, 12, 31)];
    const nKids = rng.weighted([[1, 45], [2, 40], [3, 15]] as const);
    const births: number[] = [this.childBirth(blo, bhi)];
    for (let k = 1; k < nKids; k++) {
      if (rng.chance(0.06)) births.push(births[0]!);
      else births.push(this.childBirth(Math.max(blo, births[0]! - 365 * 6), Math.min(bhi, births[0]! + 365 * 6)));
    }
    const eldest = Math.min(...births);
    const youngest = Math.max(...births);
    const fBirth = this.dayIn(addMonths(eldest, -12 * 40), addMonths(eldest, -12 * 22));
    const mBirth = this.dayIn(Math.max(fBirth - 365 * 3, addMonths(eldest, -12 * 38)), Math.min(fBirth + 365 * 6, addMonths(eldest, -12 * 20)));
    const surname = ethnic === 'yi' ? yiClan(rng) : makeSurname(rng);
    const father = this.person(makeName(rng, ethnic, true, false, surname), true, fBirth, county);
    const mother = this.person(makeName(rng, ethnic, false, false), false, mBirth, county);
    const genChar = ethnic === 'han' && nKids > 1 && rng.chance(0.3) ? makeGiven(rng, true, true).slice(0, 1) : null;
    const kids: Child[] = births.map((b) => {
      const male = rng.chance(0.52);
      let name = '';
      do name = ethnic === 'han' ? surname + (genChar ? genChar + makeGiven(rng, male, true).slice(0, 1) : makeGiven(rng, male, true)) : makeName(rng, ethnic, male, true, surname);
      while (name === father.name || name === mother.name);
      return Object.assign(this.person(name, male, b, county), { father, mother, reg: null, enrol: null }) as Child;
    });
    const parents = rng.chance(0.5) ? [father, mother] : [mother, father];
    const [A, B] = parents as [Person, Person];
    const adultFrom = (p: Person) => addMonths(p.birth, 12 * 18);
    const afterKids = youngest + 30;
    const prison = (p: Person, start: number, measure: Measure = '服刑在押'): void => {
      const months = measure === '其他限制人身自由' ? rng.int(7, 18) : rng.int(12, 180);
      let end = addMonths(start, months);
      if (end < T + 30) end = this.dayIn(T + 60, T + 900);
      p.restrictions.push({ measure, start, end, release: null });
    };
    const severe = (p: Person, issue: number) => {
      const type = rng.int(1, 7);
      p.disability = { type, level: type === 5 || type === 6 ? rng.int(1, 4) : rng.int(1, 2), issue, cancelled: null };
    };
    let qualDate: number | null = null; // when the family came to qualify (for registration)
    let regCategory: Category | null = null;
    let removeReason: string | undefined;
    let register: { category: Category; start: number; active: boolean; carer: Person | null; stopMonth?: number } | null = null;
    let carer: Person | null = null;
    let enrolFree = true; // may the registered children have school-record problems (EDUCATION)

    switch (story) {
      case 'plain': {
        const x = rng.float();
        if (x < 0.06) A.death = this.older(Math.max(afterKids, adultFrom(A)));
        else if (x < 0.09) A.restrictions.push({ measure: '社区矫正', start: rng.chance(0.4) ? this.recent() : this.older(adultFrom(A)), end: T + rng.int(60, 700), release: null });
        else if (x < 0.13) A.disability = { type: rng.weighted([[1, 1], [2, 1], [3, 1], [4, 2], [7, 1]] as const), level: rng.int(3, 4), issue: this.older(adultFrom(A)), cancelled: null };
        else if (x < 0.15) prison(A, rng.chance(0.4) ? this.recent() : this.older(adultFrom(A)));
        else if (x < 0.17) severe(A, this.older(adultFrom(A)));
        else if (x < 0.18) {
          const k = kids[0]!;
          k.disability = { type: rng.weighted([[1, 1], [2, 1], [4, 2], [7, 1]] as const), level: rng.int(3, 4), issue: this.older(k.birth + 200), cancelled: null };
        }
        break;
      }
      case 'orphan': {
        B.death = this.older(Math.max(afterKids, adultFrom(B)));
        A.death = rng.chance(0.3) ? this.recent() : this.older(Math.max(afterKids, adultFrom(A)));
        qualDate = Math.max(A.death, B.death);
        regCategory = 'ORPHAN';
        break;
      }
      case 'defacto': {
        const combo = rng.weighted([['dead+prison', 4], ['prison+prison', 2], ['dead+severe', 2], ['dead+other', 1], ['severe+severe', 1], ['severe+prison', 1], ['rehab+dead', 1]] as const);
        const lo = Math.max(afterKids, adultFrom(A), adultFrom(B));
        const recentLast = rng.chance(0.35);
        const when = (last: boolean) => (last && recentLast ? this.recent() : this.older(lo));
        switch (combo) {
          case 'dead+prison': B.death = when(false); prison(A, when(true)); break;
          case 'prison+prison': prison(B, when(false)); prison(A, when(true)); break;
          case 'dead+severe': B.death = when(true); severe(A, this.older(adultFrom(A))); break;
          case 'dead+other': B.death = when(false); prison(A, when(true), '其他限制人身自由'); break;
          case 'severe+severe': severe(A, this.older(adultFrom(A))); severe(B, this.older(adultFrom(B))); break;
          case 'severe+prison': severe(B, this.older(adultFrom(B))); prison(A, when(true)); break;
          case 'rehab+dead': B.death = when(false); prison(A, when(true), '强制隔离戒毒'); break;
        }
        const dates = [A, B].flatMap((p) => [p.death ?? 0, ...p.restrictions.map((x) => x.start), p.disability?.issue ?? 0]);
        qualDate = Math.max(...dates, youngest);
        regCategory = 'DE_FACTO';
        break;
      }
      case 'released': {
        B.death = this.dayIn(Math.max(afterKids, adultFrom(B)), T - 400);
        const S = this.dayIn(Math.max(T - 1500, adultFrom(A)), T - 600);
        const rel = this.dayIn(T - 300, T - 30);
        A.restrictions.push({ measure: '服刑在押', start: S, end: addMonths(S, rng.int(60, 120)), release: rel });
        const lo = Math.max(S, B.death) + 30;
        register = { category: 'DE_FACTO', start: this.dayIn(lo, rel - 30), active: true, carer: null };
        removeReason = 'PARENT_RELEASED';
        enrolFree = false;
        break;
      }
      case 'disability_ended': {
        B.death = this.dayIn(Math.max(afterKids, adultFrom(B)), T - 400);
        severe(A, this.dayIn(Math.max(T - 2500, adultFrom(A)), T - 800));
        const cn = this.dayIn(T - 300, T - 30);
        A.disability!.cancelled = cn;
        register = { category: 'DE_FACTO', start: this.dayIn(Math.max(A.disability!.issue, B.death) + 30, cn - 30), active: true, carer: null };
        removeReason = 'PARENT_DISABILITY_ENDED';
        enrolFree = false;
        break;
      }
      case 'child_disabled': {
        const k = rng.pick(kids);
        if (T - k.birth < 550) break;
        const type = rng.int(1, 7);
        k.disability = { type, level: type === 5 || type === 6 ? rng.int(1, 4) : rng.int(1, 2), issue: this.dayIn(k.birth + 365, T - 5), cancelled: null };
        qualDate = k.disability.issue;
        regCategory = 'DIFFICULTY_SELF';
        break;
      }
      case 'left_behind':
      case 'child_dead': {
        const gp = rng.chance(0.7) ? father : mother;
        const male = rng.chance(0.45);
        carer = this.person(
          ethnic === 'han' ? (gp === father && male ? surname + makeGiven(rng, true, false) : makeName(rng, 'han', male, false)) : makeName(rng, ethnic, male, false),
          male, this.dayIn(addMonths(gp.birth, -12 * 35), addMonths(gp.birth, -12 * 20)), county,
        );
        const start = this.dayIn(Math.max(youngest + 60, fromYmd(2019, 1, 1)), T - 120);
        register = { category: 'LEFT_BEHIND', start, active: true, carer };
        if (story === 'child_dead') {
          const k = rng.pick(kids);
          k.death = this.dayIn(T - 300, T - 5);
          removeReason = 'CHILD_DEAD';
          enrolFree = false;
          break;
        }
        const x = rng.float();
        if (x < 0.18) {
          if (rng.chance(0.85)) carer.death = this.recent();
          else carer.restrictions.push({ measure: '服刑在押', start: this.recent(), end: addMonths(T, rng.int(12, 36)), release: null });
        } else if (x < 0.24) carer.death = this.dayIn(start + 10, T - 100);
        else if (x < 0.36) {
          const recentLast = rng.chance(0.4);
          const when = (last: boolean) => (last && recentLast ? this.recent() : this.dayIn(start + 10, T - 100));
          const sub = rng.weighted([['dead+prison', 3], ['prison+prison', 1], ['dead+dead', 1]] as const);
          if (sub === 'dead+prison') { B.death = when(false); prison(A, when(true)); }
          else if (sub === 'prison+prison') { prison(B, when(false)); prison(A, when(true)); }
          else { B.death = when(false); A.death = when(true); }
        } else if (x < 0.4) {
          if (rng.chance(0.5)) A.death = rng.chance(0.5) ? this.recent() : this.dayIn(start + 10, T - 100);
          else prison(A, rng.chance(0.5) ? this.recent() : this.dayIn(start + 10, T - 100));
        } else if (x < 0.43) {
          const k = rng.pick(kids);
          const type = rng.int(1, 7);
          k.disability = { type, level: type === 5 || type === 6 ? rng.int(1, 4) : rng.int(1, 2), issue: this.dayIn(start + 10, T - 5), cancelled: null };
        }
        break;
      }
      case 'stopped': {
        const S1 = this.dayIn(Math.max(T - 2500, adultFrom(A), afterKids), T - 1200);
        const rel1 = this.dayIn(S1 + 200, T - 500);
        A.restrictions.push({ measure: '服刑在押', start: S1, end: addMonths(S1, rng.int(24, 48)), release: rel1 });
        B.death = this.dayIn(Math.max(afterKids, adultFrom(B)), Math.max(afterKids, S1 - 10));
        const lo = Math.max(S1, B.death) + 30;
        if (lo > rel1 - 30) break;
        register = { category: 'DE_FACTO', start: this.dayIn(lo, rel1 - 30), active: false, carer: null, stopMonth: addMonths(rel1, 1) };
        if (rng.chance(0.5)) prison(A, rng.chance(0.35) ? this.recent() : this.dayIn(rel1 + 60, T - 100));
        break;
      }
    }

    // registration of a family that came to qualify: 55% are already on the roll
    if (!register && regCategory && qualDate !== null) {
      const start = qualDate + rng.int(30, 400);
      if (start <= T - 10 && rng.chance(0.55)) register = { category: regCategory, start, active: true, carer: null };
    }

    // events → feed records (with identity noise), decoys
    const flaggedFamily = story !== 'plain' || A.death !== null || A.restrictions.length > 0 || A.disability !== null;
    for (const p of [father, mother, ...(carer ? [carer] : []), ...kids]) this.writeEvents(p);
    for (const p of [father, mother, ...(carer ? [carer] : [])]) {
      if (rng.chance(flaggedFamily ? this.decoyRate : this.decoyRate * 0.3)) this.decoy(p, true);
    }
    for (const k of kids) if (flaggedFamily && rng.chance(this.decoyRate)) this.decoy(k, false);

    // registry rows
    if (register) {
      for (const k of kids) {
        if (k.birth + 30 > register.start || addMonths(k.birth, 12 * 18) <= register.start) continue;
        if (register.category === 'DIFFICULTY_SELF' && !k.disability) continue;
        this.registryRow(k, register.category, register.active, register.start, register.carer, register.stopMonth);
        if (removeReason) k.reg!.removeReason = removeReason;
      }
    }

    // school records
    for (const k of kids) {
      const a = ageAt(k.birth, this.r.eduRefDay);
      if (ageAt(k.birth, T) >= 18 || a < 3) continue;
      const compulsory = a >= 6 && a <= 15;
      let missing = false;
      let dropout = false;
      if (k.reg?.active && enrolFree && compulsory) {
        const x = rng.float();
        missing = x < 0.04;
        dropout = !missing && x < 0.07;
      } else if (!k.reg?.active) {
        const x = rng.float();
        missing = compulsory ? x < 0.02 : a >= 16 && x < 0.15;
        dropout = compulsory && !missing && x < 0.035;
      }
      if (missing) continue;
      const rec = this.enrolment(k, father, mother, dropout, true);
      k.enrol = { rec, dropout, guardianIds: !rec.classes.includes('C1_GUARDIAN_NAME_ONLY') };
    }

    // truth
    for (const k of kids) {
      for (const f of childFlags(k, this.r)) {
        const classes = flagClasses(f);
        this.summary.truthFlags[`${f.flag}/${f.reason}`] = (this.summary.truthFlags[`${f.flag}/${f.reason}`] ?? 0) + 1;
        this.truthFlags.write([
          f.flag, f.reason, f.category, f.previous_category, k.pid, k.id, k.reg?.ref ?? '', k.name, '', classes.join(';'),
          f.recs.map((x) => x.ref).filter(Boolean).join(' '),
        ]);
      }
    }
  }
}
