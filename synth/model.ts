/** The synthetic world: people with true identities and the events that happen to them. */

export type Category = 'ORPHAN' | 'DE_FACTO' | 'DIFFICULTY_FAMILY' | 'DIFFICULTY_SELF' | 'LEFT_BEHIND' | 'HIV';
export type ParentStatus =
  | '正常' | '死亡' | '失踪' | '重残' | '重病' | '服刑在押' | '强制隔离戒毒' | '其他限制人身自由'
  | '失联' | '撤销监护资格' | '遣送(驱逐)出境' | '查找不到';
export type Measure = '服刑在押' | '强制隔离戒毒' | '其他限制人身自由' | '社区矫正';
export type EnrollStatus = '在读' | '休学' | '辍学' | '毕业' | '转出';
export type SchoolLevel = '学前' | '小学' | '初中' | '普通高中' | '中职' | '高等教育';

export interface Person {
  pid: number;
  id: string; // true 18-character ID
  name: string;
  g: 1 | 2;
  birth: number; // day number
  county: string; // current 户籍 county (6 digits)
}

export interface Restriction {
  pid: number;
  measure: Measure;
  start: number;
  end: number | null; // expected end
  release: number | null; // actual release
  institution: string;
  recordId: string;
}

export interface Cert {
  pid: number;
  type: number; // 1..7
  level: number; // 1..4
  issue: number;
  status: '有效' | '注销';
  statusDate: number | null;
}

export interface DeathRecord {
  pid: number;
  date: number;
  source: string;
  recordId: string;
}

export interface Guardian {
  pid: number;
  relation: string;
}

export interface Enroll {
  pid: number;
  level: SchoolLevel;
  grade: string;
  status: EnrollStatus;
  school: number; // school index within the county list
  g1: Guardian | null;
  g2: Guardian | null;
}

export interface ParentLink {
  pid: number | null; // null: identity unknown (not recorded)
  status: ParentStatus;
  since: number | null;
}

export interface RegRow {
  ref: string;
  child: number;
  category: Category;
  label: string;
  status: '在保' | '停保';
  basis: string;
  start: number;
  lastPaid: number | null; // a day within the last paid month
  region: string; // 6, 9 or 12 digits
  father: ParentLink;
  mother: ParentLink;
  carer: Guardian | null;
  scenario: string;
}

/** 法院 judgments on status and guardianship (court feed). */
export type JudgmentType = '宣告失踪' | '宣告死亡' | '撤销失踪宣告' | '撤销死亡宣告' | '撤销监护人资格' | '恢复监护人资格';
export interface Judgment {
  pid: number;
  type: JudgmentType;
  date: number; // judgment date
  effective: number | null;
  court: string;
  caseNo: string;
}

/** 公安 失联 reports (lost_contact feed). */
export interface LostContact {
  pid: number;
  report: number;
  found: number | null;
  reporter: string;
  recordId: string;
}

/** 卫健 / 医保 serious-illness records (illness feed). */
export interface Illness {
  pid: number;
  code: string; // ICD-10
  name: string;
  diagnosis: number;
  hospital: string;
  recordId: string;
}

/** 卫健 HIV records (hiv feed). */
export interface HivRecord {
  pid: number;
  confirm: number;
  region: string;
  recordId: string;
}

export type AssistanceType = '低保' | '特困' | '低保边缘';
/** 民政 社会救助 roll rows (social_assistance feed): one per household member. */
export interface Assistance {
  household: string;
  pid: number;
  relation: string;
  type: AssistanceType;
  start: number;
  end: number | null;
  region: string;
  amount: number;
}

export interface Family {
  father: number | null;
  mother: number | null;
}

export const CATEGORY_RANK: Record<Category, number> = {
  ORPHAN: 5,
  HIV: 5, // supported at the orphan rate: never reclassified or added around it
  DE_FACTO: 4,
  DIFFICULTY_FAMILY: 3,
  DIFFICULTY_SELF: 2,
  LEFT_BEHIND: 1,
};

export class World {
  readonly persons: Person[] = [];
  /** True death day per person (one per person). */
  readonly deathDay = new Map<number, number>();
  readonly deathRecords: DeathRecord[] = [];
  readonly restrictions: Restriction[] = [];
  readonly certs: Cert[] = [];
  readonly enrolls: Enroll[] = [];
  readonly reg: RegRow[] = [];
  /** True parents of every core child. */
  readonly families = new Map<number, Family>();
  /** Children who are not (active) registry children but appear in a feed (ADD candidates). */
  readonly candidates = new Set<number>();
  readonly scenarioCounts = new Map<string, number>();
  readonly judgments: Judgment[] = [];
  readonly lostContacts: LostContact[] = [];
  readonly illnesses: Illness[] = [];
  readonly hivRecords: HivRecord[] = [];
  readonly assistance: Assistance[] = [];

  constructor(readonly T: number) {}

  person(pid: number): Person {
    const p = this.persons[pid - 1];
    if (!p || p.pid !== pid) throw new Error(`no person ${pid}`);
    return p;
  }
}
