/** Builds the core world: registry families in every category, should-add families, and the
 * events (deaths, restrictions, certificates, enrollment) that exercise every rule. */
import { addMonths, ageAt, civilFromDays, daysFromCivil, lastAug31Before, nextQuarterEnd, nthBirthday } from './dates.js';
import { IdAllocator } from './ids.js';
import type { Category, Guardian, ParentLink, ParentStatus, Person, Measure, SchoolLevel, EnrollStatus } from './model.js';
import { World } from './model.js';
import { dottedName, firstDottedPart, NameGen, surnameOf } from './names.js';
import type { County } from './regions.js';
import { Rng, cumulative } from './rng.js';

export const URGENT_WINDOW = 92;
const Y = 365.25;

/** Date `years` before `day` (same month/day; 29 Feb → 28 Feb). */
export function yearsBefore(day: number, years: number): number {
  const [y, m, d] = civilFromDays(day);
  return daysFromCivil(y - years, m, m === 2 && d === 29 ? 28 : d);
}

const INSTITUTIONS: Record<Measure, string[]> = {
  服刑在押: ['省第一监狱', '省第二监狱', '省女子监狱', '省未成年犯管教所', '市监狱', '省北江监狱'],
  强制隔离戒毒: ['省第一强制隔离戒毒所', '省女子强制隔离戒毒所', '市强制隔离戒毒所'],
  其他限制人身自由: ['市看守所', '县看守所', '市拘留所', '县拘留所'],
  社区矫正: ['县司法局社区矫正中心', '区社区矫正管理局', '镇司法所'],
};
const DEATH_SOURCES = ['公安户籍注销', '卫健死亡医学证明', '殡葬火化记录'];
export const CARER_RELATIONS_F = ['祖母', '外祖母', '姑姑', '姨妈'];
export const CARER_RELATIONS_M = ['祖父', '外祖父', '叔叔', '舅舅'];

interface Fam {
  child: Person;
  father: Person;
  mother: Person;
  county: string;
}

export type Scenario = { name: string; weight: number; min: number; build: () => void };

export class WorldBuilder {
  readonly w: World;
  private readonly names: NameGen;
  private readonly countyCum: Float64Array;
  private readonly focusRng: Rng;
  private refSeq = 0;
  private recSeq = 0;
  readonly T: number;
  readonly H: number;
  readonly D: number; // 31 August before T

  /** With `continues`, the builder adds to that builder's world and goes on with its registry and record numbers. */
  constructor(
    readonly rng: Rng,
    readonly counties: readonly County[],
    readonly ids: IdAllocator,
    T: number,
    continues?: WorldBuilder,
    private readonly focus?: { county: string; share: number },
  ) {
    this.T = T;
    this.H = nextQuarterEnd(T);
    this.D = lastAug31Before(T);
    this.w = continues?.w ?? new World(T);
    this.refSeq = continues?.refSeq ?? 0;
    this.recSeq = continues?.recSeq ?? 0;
    this.names = new NameGen(rng.fork('names'));
    this.focusRng = rng.fork('focus');
    const wr = rng.fork('county-weights');
    this.countyCum = cumulative(counties.map(() => 0.3 + wr.next() * 2.7));
  }

  // ---------------------------------------------------------------- people
  county(): string {
    // The focus draws from a stream of its own: without a focus the world's stream is untouched.
    if (this.focus && this.focusRng.chance(this.focus.share)) return this.focus.county;
    return (this.counties[this.rng.weighted(this.countyCum)] as County).code;
  }

  newPerson(g: 1 | 2, birth: number, county: string, name: string): Person {
    const [id, b] = this.ids.allocate(county, birth, g === 1);
    const p: Person = { pid: this.w.persons.length + 1, id, name, g, birth: b, county };
    this.w.persons.push(p);
    return p;
  }

  private dayBetween(a: number, b: number): number {
    return b <= a ? a : this.rng.range(Math.floor(a), Math.floor(b));
  }

  /** A family; the child's birth is drawn in [bMin, bMax]. */
  family(bMin: number, bMax: number): Fam {
    const r = this.rng;
    const county = this.county();
    const childBirth = this.dayBetween(bMin, bMax);
    const fBirth = childBirth - Math.floor(r.range(21, 42) * Y) - r.int(365);
    const mBirth = childBirth - Math.floor(r.range(19, 38) * Y) - r.int(365);
    const cg: 1 | 2 = r.chance(0.53) ? 1 : 2;
    const [fy] = civilFromDays(fBirth);
    const [my] = civilFromDays(mBirth);
    const [cy] = civilFromDays(childBirth);
    let fName: string;
    let mName: string;
    let cName: string;
    if (this.names.wantsMinority()) {
      fName = dottedName(this.names.minorityGiven(1), this.names.minorityGiven(1));
      mName = dottedName(this.names.minorityGiven(2), this.names.minorityGiven(1));
      cName = dottedName(this.names.minorityGiven(cg), firstDottedPart(fName));
    } else {
      fName = this.names.person(1, fy);
      mName = this.names.person(2, my);
      const sur = r.chance(0.95) ? surnameOf(fName) : surnameOf(mName);
      cName = sur + this.names.given(cg, cy);
    }
    const father = this.newPerson(1, fBirth, r.chance(0.8) ? county : this.county(), fName);
    const mother = this.newPerson(2, mBirth, r.chance(0.6) ? county : this.county(), mName);
    const child = this.newPerson(cg, childBirth, county, cName);
    this.w.families.set(child.pid, { father: father.pid, mother: mother.pid });
    return { child, father, mother, county };
  }

  carer(f: Fam): Guardian {
    const r = this.rng;
    const g: 1 | 2 = r.chance(0.62) ? 2 : 1;
    const base = r.chance(0.5) ? f.father : f.mother;
    const birth = base.birth - Math.floor(r.range(21, 34) * Y) - r.int(365);
    const [y] = civilFromDays(birth);
    const sur = surnameOf(base.name);
    const name = sur ? this.names.person(g, y, g === 1 ? sur : undefined) : dottedName(this.names.minorityGiven(g), this.names.minorityGiven(1));
    const p = this.newPerson(g, birth, f.county, name);
    return { pid: p.pid, relation: r.pick(g === 1 ? CARER_RELATIONS_M : CARER_RELATIONS_F) };
  }

  // ---------------------------------------------------------------- events
  die(p: Person, day: number, inFeed = true): number {
    this.w.deathDay.set(p.pid, day);
    if (inFeed) {
      const n = this.rng.chance(0.3) ? 2 : 1;
      const srcs = this.rng.shuffle([...DEATH_SOURCES]).slice(0, n);
      for (const s of srcs) this.w.deathRecords.push({ pid: p.pid, date: day, source: s, recordId: this.recordId('D') });
    }
    return day;
  }

  recordId(prefix: string): string {
    this.recSeq++;
    return prefix + String(this.recSeq * 7919 + 100000).padStart(9, '0');
  }

  restrict(p: Person, measure: Measure, start: number, end: number | null, release: number | null = null): void {
    this.w.restrictions.push({
      pid: p.pid, measure, start, end, release,
      institution: this.rng.pick(INSTITUTIONS[measure]),
      recordId: this.recordId('J'),
    });
  }

  cert(p: Person, type: number, level: number, issue: number, cancel: number | null = null): void {
    this.w.certs.push({ pid: p.pid, type, level, issue, status: cancel === null ? '有效' : '注销', statusDate: cancel ?? issue });
  }

  /** Enrollment appropriate to the age at the 31 August before T. */
  enroll(child: Person, status: EnrollStatus, g1: Guardian | null, g2: Guardian | null, force = false): void {
    const a = ageAt(child.birth, this.D);
    let level: SchoolLevel;
    let grade: string;
    const GR = ['一', '二', '三', '四', '五', '六', '七', '八', '九'];
    if (a >= 3 && a <= 5) {
      level = '学前';
      grade = ['小班', '中班', '大班'][a - 3] as string;
    } else if (a >= 6 && a <= 11) {
      level = '小学';
      grade = GR[a - 6] + '年级';
    } else if (a >= 12 && a <= 14) {
      level = '初中';
      grade = GR[a - 6] + '年级';
    } else if (a >= 15 && a <= 17) {
      level = this.rng.chance(0.7) ? '普通高中' : '中职';
      grade = '高' + GR[a - 15];
      if (level === '中职') grade = GR[a - 15] + '年级';
    } else if (a >= 18 && a <= 21) {
      level = '高等教育';
      grade = GR[a - 18] + '年级';
    } else {
      if (!force) return;
      level = '学前';
      grade = '小班';
    }
    this.w.enrolls.push({ pid: child.pid, level, grade, status, school: this.rng.int(8), g1, g2 });
  }

  /** Ordinary school-age enrollment: compulsory ages always, others mostly. */
  usualEnroll(f: Fam, g1: Guardian | null, g2: Guardian | null): void {
    const a = ageAt(f.child.birth, this.D);
    const p = a >= 6 && a <= 15 ? 1 : a >= 3 && a <= 5 ? 0.6 : a >= 16 && a <= 17 ? 0.8 : a >= 18 ? 0.3 : 0;
    if (this.rng.chance(p)) this.enroll(f.child, '在读', g1, g2);
  }

  // ---------------------------------------------------------------- registry
  parent(p: Person | null, status: ParentStatus, since: number | null): ParentLink {
    return { pid: p ? p.pid : null, status, since };
  }

  ok(p: Person): ParentLink {
    return { pid: p.pid, status: '正常', since: null };
  }

  reg(
    f: Fam,
    category: Category,
    father: ParentLink,
    mother: ParentLink,
    qualifiedFrom: number,
    opts: { carer?: Guardian | null; status?: '在保' | '停保'; basis?: string; start?: number; stopDay?: number; scenario: string; county?: string; label?: string },
  ): void {
    const r = this.rng;
    const start = opts.start ?? Math.min(this.T - 20, Math.max(qualifiedFrom, f.child.birth) + r.range(20, 420));
    const status = opts.status ?? '在保';
    const lastPaid = status === '在保' ? (r.chance(0.85) ? this.T : addMonths(this.T, -1)) : opts.stopDay ?? this.T - 200;
    const county = opts.county ?? f.child.county;
    const x = r.next();
    const region = x < 0.6 ? county : x < 0.8 ? county + String(r.range(1, 30)).padStart(3, '0') : county + String(r.range(1, 30)).padStart(3, '0') + String(r.range(1, 250)).padStart(3, '0');
    this.refSeq++;
    const label = opts.label ??
      (category === 'ORPHAN' ? r.pick(['孤儿', '社会散居孤儿', '社会散居孤儿', '机构养育孤儿'])
      : category === 'DE_FACTO' ? '事实无人抚养儿童'
      : category === 'DIFFICULTY_SELF' ? (r.chance(0.3) ? '自身困境儿童' : '困境儿童')
      : category === 'DIFFICULTY_FAMILY' ? (r.chance(0.3) ? '家庭困境儿童' : '困境儿童')
      : category === 'LEFT_BEHIND' ? '留守儿童'
      : '艾滋病病毒感染儿童');
    this.w.reg.push({
      ref: `ET${county}${String(this.refSeq).padStart(7, '0')}`,
      child: f.child.pid,
      category,
      label,
      status,
      basis: opts.basis ?? basisText(father, mother, category),
      start,
      lastPaid,
      region,
      father,
      mother,
      carer: opts.carer ?? null,
      scenario: opts.scenario,
    });
  }

  // ---------------------------------------------------------------- helpers for dates
  /** Birth for a child aged so that the L-th birthday falls after H (no aging out this or next quarter). */
  bornYoung(L = 18, minAgeYears = 0): [number, number] {
    return [yearsBefore(this.H, L) + 1, yearsBefore(this.T, minAgeYears) - 30];
  }

  /** Birth for a child of compulsory-school age (6..15 at D). */
  bornCompulsory(): [number, number] {
    return [yearsBefore(this.D, 16) + 1, yearsBefore(this.D, 6)];
  }

  past(minAgo: number, maxAgo: number, notBefore = -1e9): number {
    const lo = Math.max(this.T - maxAgo, notBefore);
    return this.dayBetween(lo, Math.max(lo, this.T - minAgo));
  }

  // ---------------------------------------------------------------- scenario catalog
  scenarios(): Scenario[] {
    const T = this.T;
    const W = URGENT_WINDOW;
    const r = this.rng;
    const S: Scenario[] = [];
    const add = (name: string, weight: number, min: number, build: (name: string) => void) =>
      S.push({ name, weight, min, build: () => build(name) });

    // ---- ORPHAN: both parents GONE.
    const orphanParents = (f: Fam, maxAgo = 7000): [ParentLink, ParentLink, number] => {
      const d1 = this.die(f.father, this.past(200, maxAgo, f.child.birth - 200), r.chance(0.75));
      const x = r.next();
      let m: ParentLink;
      let d2 = d1;
      if (x < 0.8) {
        d2 = this.die(f.mother, this.past(200, maxAgo, f.child.birth), r.chance(0.75));
        m = this.parent(f.mother, '死亡', d2);
      } else if (x < 0.93) {
        d2 = this.past(300, maxAgo, f.child.birth);
        m = this.parent(null, '查找不到', d2);
        this.w.families.set(f.child.pid, { father: f.father.pid, mother: null });
      } else {
        d2 = this.past(400, maxAgo, f.child.birth);
        m = this.parent(f.mother, '失踪', d2);
      }
      return [this.parent(f.father, '死亡', d1), m, Math.max(d1, d2)];
    };
    const orphan = (name: string, bMin: number, bMax: number, enroll = true) => {
      const f = this.family(bMin, bMax);
      const [fl, ml, q] = orphanParents(f);
      const carer = r.chance(0.7) ? this.carer(f) : null;
      this.reg(f, 'ORPHAN', fl, ml, q, { carer, scenario: name });
      if (enroll) this.usualEnroll(f, carer, null);
      return f;
    };
    add('ORPHAN_STABLE', 0.1, 3, (n) => orphan(n, ...this.bornYoung()));
    add('ORPHAN_CHILD_DEAD', 0.002, 2, (n) => {
      const f = orphan(n, ...this.bornYoung(18, 2));
      this.die(f.child, this.past(3, 300));
    });
    add('ORPHAN_AGED_OUT', 0.004, 2, (n) => {
      // 18th birthday in the last 80 days; the first one exactly on T.
      const k = (this.w.scenarioCounts.get(n) ?? 0) === 0 ? 0 : r.range(0, 80);
      const b = yearsBefore(T - k, 18);
      orphan(n, b, b);
    });
    add('ORPHAN_AGES_NEXT_QUARTER', 0.004, 2, (n) => {
      // turns 18 in (T, H]; the first one is 17 years 364 days old at T.
      const k = (this.w.scenarioCounts.get(n) ?? 0) === 0 ? 1 : r.range(1, this.H - T);
      const b = yearsBefore(T + k, 18);
      orphan(n, b, b);
    });
    add('ORPHAN_MOTHER_REAPPEARED', 0.001, 2, (n) => {
      const f = this.family(...this.bornYoung());
      const d1 = this.die(f.father, this.past(400, 4000, f.child.birth));
      const since = this.past(500, 3000, f.child.birth);
      const st: ParentStatus = r.chance(0.5) ? '查找不到' : '失踪';
      this.reg(f, 'ORPHAN', this.parent(f.father, '死亡', d1), this.parent(f.mother, st, since), Math.max(d1, since), { scenario: n });
      const seen = this.past(30, 300);
      this.restrict(f.mother, '社区矫正', seen, addMonths(seen, 12));
      this.usualEnroll(f, null, null);
    });
    add('DUPLICATE_REGISTRATION', 0.002, 2, (n) => {
      const f = this.family(...this.bornYoung());
      const [fl, ml, q] = orphanParents(f);
      const s1 = Math.min(T - 400, q + 60);
      this.reg(f, 'ORPHAN', fl, ml, q, { scenario: n, start: s1 });
      let other = this.county();
      if (other === f.child.county) other = this.county();
      this.reg(f, 'ORPHAN', fl, ml, q, { scenario: n + '_SECOND', start: this.past(60, 360, s1 + 30), county: other });
      this.usualEnroll(f, null, null);
    });

    // ---- DE_FACTO: one GONE + other in Q, or both in Q.
    const longTerm = (p: Person, measure: Measure = '服刑在押', minAgo = W + 30) => {
      const start = this.past(minAgo, 2500);
      const end = addMonths(start, r.range(measure === '强制隔离戒毒' ? 24 : 36, measure === '强制隔离戒毒' ? 24 : 180));
      const end2 = end <= T + 30 ? addMonths(T, r.range(6, 60)) : end;
      this.restrict(p, measure, start, end2);
      return start;
    };
    const defacto = (f: Fam): [ParentLink, ParentLink, number] => {
      const x = r.int(8);
      const since = (a: number, b: number) => this.past(a, b, f.child.birth - 100);
      switch (x) {
        case 0: {
          const s = longTerm(f.father);
          const d = this.die(f.mother, since(W + 30, 4000), r.chance(0.8));
          return [this.parent(f.father, '服刑在押', s), this.parent(f.mother, '死亡', d), Math.max(s, d)];
        }
        case 1: {
          const d = this.die(f.father, since(W + 30, 4000), r.chance(0.8));
          const start = this.past(W + 30, 500);
          this.restrict(f.mother, '强制隔离戒毒', start, addMonths(start, 24));
          return [this.parent(f.father, '死亡', d), this.parent(f.mother, '强制隔离戒毒', start), Math.max(start, d)];
        }
        case 2: {
          const s1 = longTerm(f.father);
          const s2 = longTerm(f.mother);
          return [this.parent(f.father, '服刑在押', s1), this.parent(f.mother, '服刑在押', s2), Math.max(s1, s2)];
        }
        case 3: {
          const i = since(W + 400, 4000);
          this.cert(f.father, r.pick([4, 4, 1, 5]), 1 + r.int(2), i);
          const lc = since(400, 3000);
          return [this.parent(f.father, '重残', i), this.parent(f.mother, '失联', lc), Math.max(i, addMonths(lc, 6))];
        }
        case 4: {
          const s = since(W + 100, 3000);
          const s2 = since(300, 4000);
          this.w.families.set(f.child.pid, { father: f.father.pid, mother: null });
          return [this.parent(f.father, '重病', s), this.parent(null, '查找不到', s2), Math.max(s, s2)];
        }
        case 5: {
          const s = since(W + 100, 3000);
          const s2 = longTerm(f.mother);
          return [this.parent(f.father, '撤销监护资格', s), this.parent(f.mother, '服刑在押', s2), Math.max(s, s2)];
        }
        case 6: {
          const s = since(W + 100, 3000);
          const d = this.die(f.mother, since(W + 30, 4000), r.chance(0.8));
          return [this.parent(f.father, '遣送(驱逐)出境', s), this.parent(f.mother, '死亡', d), Math.max(s, d)];
        }
        default: {
          const d = this.die(f.mother, since(W + 30, 4000), r.chance(0.8));
          const start = this.past(W + 30, 300);
          this.restrict(f.father, '其他限制人身自由', start, addMonths(start, r.range(8, 24)));
          return [this.parent(f.father, '其他限制人身自由', start), this.parent(f.mother, '死亡', d), Math.max(start, d)];
        }
      }
    };
    /** Father in prison, mother dead: the canonical DE_FACTO family, for the event scenarios. */
    const prisonAndDead = (f: Fam, releaseAt: number | null, endAt: number | null): [ParentLink, ParentLink, number] => {
      const d = this.die(f.mother, this.past(W + 100, 4000, f.child.birth), r.chance(0.8));
      // The imprisonment starts well before a release (a record never ends before it starts).
      const start0 = this.past(800, 2500, f.child.birth);
      const start = releaseAt !== null ? Math.min(start0, releaseAt - 180) : start0;
      this.restrict(f.father, '服刑在押', start, endAt ?? addMonths(start, 60), releaseAt);
      return [this.parent(f.father, '服刑在押', start), this.parent(f.mother, '死亡', d), Math.max(start, d)];
    };
    add('DE_FACTO_STABLE', 0.17, 8, (n) => {
      const f = this.family(...this.bornYoung());
      const [a, b, q] = defacto(f);
      const carer = r.chance(0.6) ? this.carer(f) : null;
      this.reg(f, 'DE_FACTO', a, b, q, { carer, scenario: n });
      this.usualEnroll(f, carer, null);
    });
    add('DE_FACTO_PARENT_RELEASED', 0.01, 3, (n) => {
      const f = this.family(...this.bornYoung(18, 3));
      const first = (this.w.scenarioCounts.get(n) ?? 0) === 0;
      const rel = first ? T : this.past(0, 250); // released on T counts as released
      const [a, b, q] = prisonAndDead(f, rel, rel + r.range(-30, 60));
      this.reg(f, 'DE_FACTO', a, b, q, { scenario: n, start: Math.min(q + 100, T - 300) });
      this.usualEnroll(f, null, null);
    });
    add('DE_FACTO_RELEASE_AFTER_T', 0.005, 2, (n) => {
      // expected end already passed, but the release happens after T (or is not recorded): still in prison.
      const f = this.family(...this.bornYoung(18, 3));
      const [a, b, q] = prisonAndDead(f, r.chance(0.5) ? T + r.range(1, 40) : null, this.past(1, 40));
      this.reg(f, 'DE_FACTO', a, b, q, { scenario: n });
      this.usualEnroll(f, null, null);
    });
    add('DE_FACTO_DISABILITY_ENDED', 0.004, 2, (n) => {
      const f = this.family(...this.bornYoung(18, 3));
      const i = this.past(1500, 4000, f.child.birth);
      const cancel = this.past(0, 300);
      this.cert(f.father, 5, 3, i, cancel);
      const d = this.die(f.mother, this.past(W + 100, 4000, f.child.birth));
      this.reg(f, 'DE_FACTO', this.parent(f.father, '重残', i), this.parent(f.mother, '死亡', d), Math.max(i, d), { scenario: n, start: Math.min(Math.max(i, d) + 60, T - 400) });
      this.usualEnroll(f, null, null);
    });
    add('DE_FACTO_DISABILITY_CANCELLED_AFTER_T', 0.002, 1, (n) => {
      const f = this.family(...this.bornYoung());
      const i = this.past(1500, 4000, f.child.birth);
      this.cert(f.father, 6, 2, i, T + r.range(1, 60));
      const d = this.die(f.mother, this.past(W + 100, 4000, f.child.birth));
      this.reg(f, 'DE_FACTO', this.parent(f.father, '重残', i), this.parent(f.mother, '死亡', d), Math.max(i, d), { scenario: n });
      this.usualEnroll(f, null, null);
    });
    add('DE_FACTO_PARENT_REAPPEARED', 0.003, 2, (n) => {
      const f = this.family(...this.bornYoung(18, 3));
      const s = longTerm(f.father);
      const lc = this.past(900, 3000, f.child.birth);
      this.reg(f, 'DE_FACTO', this.parent(f.father, '服刑在押', s), this.parent(f.mother, '失联', lc), Math.max(s, addMonths(lc, 6)), { scenario: n, start: Math.max(s, addMonths(lc, 6)) + 30 });
      const seen = this.past(10, 200);
      this.restrict(f.mother, '社区矫正', seen, addMonths(seen, r.range(6, 24)));
      this.usualEnroll(f, null, null);
    });
    add('DE_FACTO_TO_ORPHAN', 0.003, 2, (n) => {
      // the imprisoned father dies: both parents GONE now (the first death falls inside the urgent window).
      const f = this.family(...this.bornYoung());
      const [a, b, q] = prisonAndDead(f, null, null);
      this.reg(f, 'DE_FACTO', a, b, q, { scenario: n, start: Math.min(q + 60, T - 400) });
      const first = (this.w.scenarioCounts.get(n) ?? 0) === 0;
      this.die(f.father, first ? this.past(5, 60) : this.past(W + 10, 360));
      this.usualEnroll(f, null, null);
    });
    add('DE_FACTO_URGENT_MOTHER_DIED', 0.002, 2, (n) => {
      const f = this.family(...this.bornYoung());
      const s = longTerm(f.father);
      const ill = this.past(400, 2000, f.child.birth);
      this.reg(f, 'DE_FACTO', this.parent(f.father, '服刑在押', s), this.parent(f.mother, '重病', ill), Math.max(s, ill), { scenario: n });
      // exactly 92 days before T for the first one (inside the window)
      this.die(f.mother, (this.w.scenarioCounts.get(n) ?? 0) === 0 ? T - W : this.past(1, W - 1));
      this.usualEnroll(f, null, null);
    });

    // ---- DIFFICULTY_FAMILY (with default thresholds also DE_FACTO → reclassified).
    add('DIFFICULTY_FAMILY', 0.02, 2, (n) => {
      const f = this.family(...this.bornYoung());
      let a: ParentLink;
      let q: number;
      if (r.chance(0.5)) {
        const d = this.die(f.father, this.past(W + 100, 4000, f.child.birth));
        a = this.parent(f.father, '死亡', d);
        q = d;
      } else {
        const i = this.past(W + 100, 4000);
        this.cert(f.father, 4, r.range(1, 2), i);
        a = this.parent(f.father, '重残', i);
        q = i;
      }
      const i2 = this.past(W + 100, 4000);
      this.cert(f.mother, r.pick([5, 6]), r.range(2, 4), i2);
      this.reg(f, 'DIFFICULTY_FAMILY', a, this.parent(f.mother, '重残', i2), Math.max(q, i2), { scenario: n });
      this.usualEnroll(f, null, null);
    });

    // ---- DIFFICULTY_SELF: the child's own certificate.
    const selfCert = (f: Fam, cancel: number | null = null): number => {
      const i = this.past(200, 3000, f.child.birth + 200);
      const type = r.range(1, 7);
      const level = type === 5 || type === 6 ? r.range(1, 4) : r.range(1, 2);
      this.cert(f.child, type, level, i, cancel);
      return i;
    };
    const selfReg = (n: string, f: Fam, i: number) => {
      this.reg(f, 'DIFFICULTY_SELF', this.ok(f.father), this.ok(f.mother), i, { scenario: n });
      this.usualEnroll(f, this.guardianParent(f, 1), r.chance(0.7) ? this.guardianParent(f, 2) : null);
    };
    add('DIFFICULTY_SELF_STABLE', 0.18, 3, (n) => {
      const f = this.family(...this.bornYoung(18, 1));
      selfReg(n, f, selfCert(f));
    });
    add('DIFFICULTY_SELF_MENTAL_LEVEL4', 0.005, 1, (n) => {
      const f = this.family(...this.bornYoung(18, 2));
      const i = this.past(200, 1500, f.child.birth + 300);
      this.cert(f.child, 6, 4, i);
      selfReg(n, f, i);
    });
    add('DIFFICULTY_SELF_CERT_CANCELLED', 0.004, 2, (n) => {
      const f = this.family(...this.bornYoung(18, 2));
      const i = selfCert(f, this.past(0, 250));
      selfReg(n, f, i);
    });
    add('DIFFICULTY_SELF_CERT_CANCELLED_AFTER_T', 0.002, 1, (n) => {
      const f = this.family(...this.bornYoung(18, 2));
      const i = selfCert(f, T + r.range(1, 60));
      selfReg(n, f, i);
    });
    add('DIFFICULTY_SELF_DOWNGRADED', 0.002, 1, (n) => {
      const f = this.family(...this.bornYoung(18, 3));
      const i = this.past(800, 2500, f.child.birth + 300);
      const re = this.past(10, 300);
      this.cert(f.child, 4, 2, i, re);
      this.cert(f.child, 4, 3, re);
      selfReg(n, f, i);
    });
    add('DIFFICULTY_SELF_PARENTS_QUALIFY', 0.003, 2, (n) => {
      const f = this.family(...this.bornYoung(18, 2));
      const i = selfCert(f);
      this.reg(f, 'DIFFICULTY_SELF', this.ok(f.father), this.ok(f.mother), i, { scenario: n, start: i + 30 });
      const d = this.die(f.mother, this.past(W + 20, 700, i + 60));
      longTerm(f.father, '服刑在押', W + 20);
      void d;
      this.usualEnroll(f, null, null);
    });

    // ---- LEFT_BEHIND: both parents away working, an entrusted carer.
    const leftBehind = (n: string, bMin: number, bMax: number, extra?: (f: Fam, carer: Guardian) => void) => {
      const f = this.family(bMin, bMax);
      const carer = this.carer(f);
      this.reg(f, 'LEFT_BEHIND', this.ok(f.father), this.ok(f.mother), f.child.birth + r.range(100, 2000), { carer, scenario: n, basis: '父母均外出务工' });
      this.usualEnroll(f, carer, r.chance(0.5) ? this.guardianParent(f, 1) : null);
      extra?.(f, carer);
      return f;
    };
    add('LEFT_BEHIND_STABLE', 0.38, 3, (n) => leftBehind(n, ...this.bornYoung(16)));
    add('LEFT_BEHIND_CARER_DIED', 0.003, 2, (n) =>
      leftBehind(n, ...this.bornYoung(16), (_f, c) => {
        this.die(this.w.person(c.pid), (this.w.scenarioCounts.get(n) ?? 0) === 0 ? T : this.past(1, W));
      }),
    );
    add('LEFT_BEHIND_CARER_DIED_BEFORE_WINDOW', 0.001, 1, (n) =>
      leftBehind(n, ...this.bornYoung(16), (_f, c) => {
        this.die(this.w.person(c.pid), T - W - r.range(1, 60));
      }),
    );
    add('LEFT_BEHIND_CARER_DETAINED', 0.001, 1, (n) =>
      leftBehind(n, ...this.bornYoung(16), (_f, c) => {
        const s = this.past(1, W);
        this.restrict(this.w.person(c.pid), '其他限制人身自由', s, s + 15 + r.int(200), null);
      }),
    );
    add('LEFT_BEHIND_AGED_OUT', 0.004, 2, (n) => {
      const k = r.range(0, 80);
      const b = yearsBefore(T - k, 16);
      leftBehind(n, b, b);
    });
    add('LEFT_BEHIND_AGES_NEXT_QUARTER', 0.002, 1, (n) => {
      const b = yearsBefore(T + r.range(1, this.H - T), 16);
      leftBehind(n, b, b);
    });
    add('LEFT_BEHIND_PARENTS_NOW_DE_FACTO', 0.003, 2, (n) =>
      leftBehind(n, ...this.bornYoung(16, 1), (f) => {
        // mother sent to compulsory rehab earlier; father died recently (urgent: mother not present)
        const s = this.past(W + 30, 400);
        this.restrict(f.mother, '强制隔离戒毒', s, addMonths(s, 24));
        this.die(f.father, this.past(1, W));
      }),
    );
    add('LEFT_BEHIND_FATHER_DIED_MOTHER_PRESENT', 0.002, 1, (n) =>
      leftBehind(n, ...this.bornYoung(16, 1), (f) => {
        this.die(f.father, this.past(1, W));
      }),
    );
    add('LEFT_BEHIND_THRESHOLD_PENDING', 0.002, 2, (n) => {
      // father dead (recorded), mother lost contact less than 6 months ago, 6 months reached next quarter
      const f = this.family(...this.bornYoung(16, 1));
      const d = this.die(f.father, this.past(W + 100, 2000, f.child.birth));
      const lc = addMonths(T, -6) + r.range(1, this.H - T);
      const carer = this.carer(f);
      this.reg(f, 'LEFT_BEHIND', this.parent(f.father, '死亡', d), this.parent(f.mother, '失联', lc), d, { carer, scenario: n, start: this.past(20, 60) });
      this.usualEnroll(f, carer, null);
    });

    // ---- HIV: removal by age and death only.
    const hiv = (n: string, bMin: number, bMax: number) => {
      const f = this.family(bMin, bMax);
      this.reg(f, 'HIV', this.ok(f.father), this.ok(f.mother), f.child.birth + r.range(100, 2000), { scenario: n, basis: '艾滋病病毒感染' });
      this.usualEnroll(f, null, null);
      return f;
    };
    add('HIV_STABLE', 0.01, 1, (n) => hiv(n, ...this.bornYoung()));
    add('HIV_AGED_OUT', 0.0005, 1, (n) => {
      const b = yearsBefore(T - r.range(0, 80), 18);
      hiv(n, b, b);
    });
    add('HIV_CHILD_DEAD', 0.0005, 1, (n) => {
      const f = hiv(n, ...this.bornYoung(18, 2));
      this.die(f.child, this.past(10, 300));
    });

    // ---- EDUCATION overlays (ORPHAN / LEFT_BEHIND children of compulsory age).
    const eduChild = (n: string, b0: number, b1: number, status: EnrollStatus | null) => {
      const f = this.family(b0, b1);
      const carer = this.carer(f);
      this.reg(f, 'LEFT_BEHIND', this.ok(f.father), this.ok(f.mother), f.child.birth + r.range(100, 1500), { carer, scenario: n, basis: '父母均外出务工' });
      if (status) this.enroll(f.child, status, carer, null, true);
    };
    add('EDU_NOT_ENROLLED', 0.015, 2, (n) => {
      const [a, b] = this.bornCompulsory();
      eduChild(n, Math.max(a, yearsBefore(this.H, 16) + 1), b, null);
    });
    add('EDU_DROPPED_OUT', 0.01, 2, (n) => {
      const [a, b] = this.bornCompulsory();
      eduChild(n, Math.max(a, yearsBefore(this.H, 16) + 1), b, '辍学');
    });
    add('EDU_SUSPENDED', 0.004, 1, (n) => {
      const [a, b] = this.bornCompulsory();
      eduChild(n, Math.max(a, yearsBefore(this.H, 16) + 1), b, '休学');
    });
    add('EDU_AGE6_BOUNDARY', 0.0005, 1, (n) => {
      // exactly 6 on the 31 August before T (flagged) and one day younger (not flagged)
      const b = yearsBefore(this.D, 6);
      eduChild(n, b, b, null);
      eduChild(n + '_YOUNGER', b + 1, b + 1, null);
    });

    // ---- stopped (停保) registry children.
    add('STOPPED_AGED', 0.03, 1, (n) => {
      const f = this.family(yearsBefore(T, 22), yearsBefore(T, 18) - 30);
      const [fl, ml, q] = orphanParents(f, 9000);
      this.reg(f, 'ORPHAN', fl, ml, q, { scenario: n, status: '停保', start: q + 100, stopDay: nthBirthday(f.child.birth, 18) });
    });
    add('STOPPED_PARENT_RELEASED', 0.02, 1, (n) => {
      const f = this.family(...this.bornYoung(18, 3));
      const rel = this.past(400, 900);
      const [a, b, q] = prisonAndDead(f, rel, rel);
      this.reg(f, 'DE_FACTO', a, b, q, { scenario: n, status: '停保', start: Math.min(q + 60, rel - 100), stopDay: rel + 40 });
      this.usualEnroll(f, null, null);
    });
    add('STOPPED_REQUALIFIES', 0.003, 2, (n) => {
      const f = this.family(...this.bornYoung(18, 3));
      const rel = this.past(500, 900);
      const [a, b, q] = prisonAndDead(f, rel, rel);
      this.reg(f, 'DE_FACTO', a, b, q, { scenario: n, status: '停保', start: Math.min(q + 60, rel - 100), stopDay: rel + 40 });
      const s2 = this.past(W + 30, 300);
      this.restrict(f.father, '服刑在押', s2, addMonths(s2, r.range(18, 60)));
      this.usualEnroll(f, null, null);
    });

    // ---- should-add children (not in the registry): found through enrollment guardians / disability.
    const saFamily = (bMin: number, bMax: number): Fam => {
      const f = this.family(bMin, bMax);
      this.w.candidates.add(f.child.pid);
      return f;
    };
    const saEnroll = (f: Fam, withMother = true) => {
      this.enroll(f.child, '在读', this.guardianParent(f, 1), withMother ? this.guardianParent(f, 2) : null, true);
    };
    const bornSchool = (): [number, number] => [yearsBefore(this.H, 18) + 1, yearsBefore(this.D, 4)];
    add('ADD_ORPHAN', 0.004, 2, () => {
      const f = saFamily(...bornSchool());
      this.die(f.father, this.past(W + 30, 3000, f.child.birth));
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      saEnroll(f);
    });
    add('ADD_ORPHAN_17Y364D', 0.0005, 1, () => {
      const b = yearsBefore(T + 1, 18);
      const f = saFamily(b, b);
      this.die(f.father, this.past(W + 30, 3000, f.child.birth));
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      saEnroll(f);
    });
    add('NO_ADD_ORPHAN_AGED_18', 0.0005, 1, () => {
      const b = yearsBefore(T, 18);
      const f = saFamily(b, b);
      this.die(f.father, this.past(W + 30, 3000, f.child.birth));
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      saEnroll(f);
    });
    add('ADD_DE_FACTO', 0.006, 2, () => {
      const f = saFamily(...bornSchool());
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      longTerm(f.father);
      saEnroll(f);
    });
    add('ADD_DE_FACTO_TERM_EXACTLY_6M', 0.0005, 1, () => {
      const f = saFamily(...bornSchool());
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      const s = this.past(W + 10, W + 60);
      this.restrict(f.father, '其他限制人身自由', s, addMonths(s, 6));
      saEnroll(f);
    });
    add('NO_ADD_TERM_5M', 0.0005, 1, () => {
      const f = saFamily(...bornSchool());
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      const s = this.past(W + 10, W + 60);
      this.restrict(f.father, '服刑在押', s, addMonths(s, 5));
      saEnroll(f);
    });
    add('NO_ADD_COMMUNITY_CORRECTION', 0.0005, 1, () => {
      const f = saFamily(...bornSchool());
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      const s = this.past(W + 10, 800);
      this.restrict(f.father, '社区矫正', s, addMonths(s, 24));
      saEnroll(f);
    });
    add('NO_ADD_FATHER_RELEASED', 0.0005, 1, () => {
      const f = saFamily(...bornSchool());
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      const s = this.past(900, 2000);
      const rel = this.past(W + 10, 600);
      this.restrict(f.father, '服刑在押', s, rel, rel);
      saEnroll(f);
    });
    add('ADD_DE_FACTO_SEVERE_DISABILITY', 0.003, 2, () => {
      const f = saFamily(...bornSchool());
      if (r.chance(0.5)) this.die(f.father, this.past(W + 30, 3000, f.child.birth));
      else this.cert(f.father, r.pick([1, 4, 7]), r.range(1, 2), this.past(W + 30, 3000));
      this.cert(f.mother, r.pick([5, 6]), r.range(3, 4), this.past(W + 30, 3000));
      saEnroll(f);
    });
    add('ADD_CHILD_DISABLED', 0.006, 2, () => {
      const f = saFamily(...this.bornYoung(18, 1));
      selfCert(f);
      if (r.chance(0.6)) saEnroll(f);
    });
    add('NO_ADD_CHILD_CERT_NOT_SEVERE', 0.002, 1, () => {
      const f = saFamily(...this.bornYoung(18, 1));
      if (r.chance(0.5)) this.cert(f.child, r.pick([1, 2, 3, 4, 7]), r.range(3, 4), this.past(100, 2000, f.child.birth + 100));
      else this.cert(f.child, 4, 1, this.past(400, 2000, f.child.birth + 100), this.past(10, 300));
      saEnroll(f);
    });
    add('ADD_URGENT_FATHER_IMPRISONED', 0.002, 2, () => {
      const f = saFamily(...bornSchool());
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      const s = this.past(0, W);
      this.restrict(f.father, r.pick(['服刑在押', '强制隔离戒毒'] as const), s, addMonths(s, r.range(12, 48)));
      saEnroll(f);
    });
    add('URGENT_SHORT_DETENTION', 0.001, 1, () => {
      // father detained 2 months (under the term threshold: no ADD) while the mother is dead: urgent only
      const f = saFamily(...bornSchool());
      this.die(f.mother, this.past(W + 30, 3000, f.child.birth));
      const s = this.past(1, 40);
      this.restrict(f.father, '其他限制人身自由', s, addMonths(s, 2));
      saEnroll(f);
    });
    add('URGENT_FATHER_DIED_MOTHER_UNLISTED', 0.001, 1, () => {
      // only the father is listed as guardian; he died in the window; the mother is unknown → urgent
      const f = saFamily(...bornSchool());
      this.die(f.father, this.past(1, W));
      this.w.families.set(f.child.pid, { father: f.father.pid, mother: null });
      saEnroll(f, false);
    });
    add('NO_URGENT_FATHER_DIED_BEFORE_WINDOW', 0.001, 1, () => {
      const f = saFamily(...bornSchool());
      this.die(f.father, T - W - r.range(1, 30));
      saEnroll(f);
    });
    add('WATCH_THRESHOLD_NO_END_DATE', 0.001, 2, () => {
      // father dead; mother detained with no expected end: served time reaches 6 months next quarter
      const f = saFamily(...bornSchool());
      this.die(f.father, this.past(W + 30, 3000, f.child.birth));
      const base = addMonths(T, -6);
      const s = base + r.range(1, Math.max(1, Math.min(this.H - T, T - W - 1 - base)));
      this.restrict(f.mother, '其他限制人身自由', s, null);
      saEnroll(f);
    });
    return S;
  }

  guardianParent(f: Fam, which: 1 | 2): Guardian {
    const fam = this.w.families.get(f.child.pid);
    if (which === 1) return { pid: f.father.pid, relation: this.rng.pick(['父亲', '父亲', '父']) };
    if (fam && fam.mother === null) return { pid: f.father.pid, relation: '父亲' };
    return { pid: f.mother.pid, relation: this.rng.pick(['母亲', '母亲', '母']) };
  }

  /** Runs the catalog: each scenario max(min, round(weight·n)) times (min 0 for tiny worlds). */
  build(registryChildren: number, useMins: boolean, onProgress?: (done: number, total: number) => void, cat: Scenario[] = this.scenarios()): World {
    const plan: Scenario[] = [];
    for (const s of cat) {
      const k = Math.max(useMins ? s.min : 0, Math.round(s.weight * registryChildren));
      for (let i = 0; i < k; i++) plan.push(s);
    }
    const order = this.rng.shuffle(plan.map((_, i) => i));
    let done = 0;
    for (const i of order) {
      const s = plan[i] as Scenario;
      s.build();
      this.w.scenarioCounts.set(s.name, (this.w.scenarioCounts.get(s.name) ?? 0) + 1);
      if (++done % 5000 === 0) onProgress?.(done, plan.length);
    }
    return this.w;
  }
}

function basisText(f: ParentLink, m: ParentLink, c: Category): string {
  if (c === 'DIFFICULTY_SELF') return '儿童本人重度残疾';
  if (c === 'LEFT_BEHIND') return '父母均外出务工';
  if (c === 'HIV') return '艾滋病病毒感染';
  return `父亲${f.status}，母亲${m.status}`;
}
