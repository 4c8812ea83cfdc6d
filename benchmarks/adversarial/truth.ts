// Ground truth of the adversarial scenario: the flags a correct run raises as of T, derived from
// RULES.md (docs/spec) over the true world, independent of how the feeds were damaged.
import { addMonths, ageAt, fromYmd, ymd } from './basics.js';

export const COUNTING_MEASURES = ['服刑在押', '强制隔离戒毒', '其他限制人身自由'] as const;
export type Measure = (typeof COUNTING_MEASURES)[number] | '社区矫正';

export interface Restriction {
  measure: Measure;
  start: number;
  end: number;
  release: number | null;
}
export interface Disability {
  type: number; // 1..7
  level: number; // 1..4
  issue: number;
  cancelled: number | null;
}
/** One written feed record about a person, with the noise classes it carries. */
export interface EvidenceRec {
  kind: 'death' | 'restriction' | 'disability' | 'enrollment' | 'registry';
  /** index into restrictions for kind = restriction */
  index?: number;
  ref: string;
  classes: string[];
}
export interface Person {
  pid: string;
  name: string;
  male: boolean;
  birth: number;
  id: string;
  county: string;
  death: number | null;
  restrictions: Restriction[];
  disability: Disability | null;
  recs: EvidenceRec[];
  /** person-level classes: C4_HOMONYM_DECOY (a homonym exists in the feeds), X_RETIRED_REGION_CODE */
  traits: string[];
}

export type Category = 'ORPHAN' | 'DE_FACTO' | 'DIFFICULTY_FAMILY' | 'DIFFICULTY_SELF' | 'LEFT_BEHIND';
export const STRENGTH: Record<Category, number> = { ORPHAN: 5, DE_FACTO: 4, DIFFICULTY_FAMILY: 3, DIFFICULTY_SELF: 2, LEFT_BEHIND: 1 };
const ADD_REASON: Partial<Record<Category, string>> = { ORPHAN: 'BOTH_PARENTS_GONE', DE_FACTO: 'PARENTS_QUALIFY', DIFFICULTY_SELF: 'CHILD_DISABLED' };

export interface Rules {
  T: number;
  urgentWindowDays: number;
  minMonths: number;
  /** the 31 August on or before T */
  eduRefDay: number;
}
export function rulesFor(T: number): Rules {
  const [y, m] = ymd(T);
  const eduRefDay = m > 8 || (m === 8 && ymd(T)[2] >= 31) ? fromYmd(y, 8, 31) : fromYmd(y - 1, 8, 31);
  return { T, urgentWindowDays: 92, minMonths: 6, eduRefDay };
}

export const isDead = (p: Person, at: number) => p.death !== null && p.death <= at;
export function countingRestrictions(p: Person, r: Rules, at = r.T): Restriction[] {
  return p.restrictions.filter(
    (x) =>
      (COUNTING_MEASURES as readonly string[]).includes(x.measure) &&
      x.start <= at &&
      (x.release === null || x.release > at) &&
      addMonths(x.start, r.minMonths) <= x.end,
  );
}
export function severeDisabled(p: Person, at: number): boolean {
  const d = p.disability;
  if (!d || d.issue > at || (d.cancelled !== null && d.cancelled <= at)) return false;
  return d.level <= 2 || d.type === 5 || d.type === 6;
}
const gone = (p: Person, r: Rules) => isDead(p, r.T);
const inQ = (p: Person, r: Rules) => !gone(p, r) && (countingRestrictions(p, r).length > 0 || severeDisabled(p, r.T));

export interface Child extends Person {
  father: Person;
  mother: Person;
  /** registry row when registered */
  reg: { ref: string; category: Category; active: boolean; rec: EvidenceRec; carer: Person | null; removeReason?: string } | null;
  /** enrollment record (null = not enrolled); dropout when 辍学 */
  enrol: { rec: EvidenceRec; dropout: boolean; guardianIds: boolean } | null;
}

export interface TruthFlag {
  flag: string;
  reason: string;
  category: string;
  previous_category: string;
  child: Child;
  persons: Person[];
  recs: EvidenceRec[];
}

/** The evidence records of a person's statuses that hold at T. */
function statusRecs(p: Person, r: Rules): EvidenceRec[] {
  const out: EvidenceRec[] = [];
  const counting = new Set(countingRestrictions(p, r).map((x) => p.restrictions.indexOf(x)));
  for (const rec of p.recs) {
    if (rec.kind === 'death' && isDead(p, r.T)) out.push(rec);
    else if (!isDead(p, r.T) && rec.kind === 'restriction' && counting.has(rec.index!)) out.push(rec);
    else if (!isDead(p, r.T) && rec.kind === 'disability' && severeDisabled(p, r.T)) out.push(rec);
  }
  return out;
}

function newEventRecs(p: Person, r: Rules): EvidenceRec[] | null {
  const lo = r.T - r.urgentWindowDays;
  if (p.death !== null && p.death <= r.T && p.death >= lo) return p.recs.filter((x) => x.kind === 'death');
  const fresh = countingRestrictions(p, r).filter((x) => x.start >= lo);
  if (!fresh.length) return null;
  const idx = new Set(fresh.map((x) => p.restrictions.indexOf(x)));
  return p.recs.filter((x) => x.kind === 'restriction' && idx.has(x.index!));
}

/** The strongest category the child qualifies for at T from what the feeds can show, with its evidence. */
function qualify(c: Child, r: Rules, parentsKnown: boolean): { cat: Category; persons: Person[]; recs: EvidenceRec[] } | null {
  const { father: f, mother: m } = c;
  if (parentsKnown) {
    if (gone(f, r) && gone(m, r)) return { cat: 'ORPHAN', persons: [f, m], recs: [...statusRecs(f, r), ...statusRecs(m, r)] };
    const fq = inQ(f, r) || gone(f, r);
    const mq = inQ(m, r) || gone(m, r);
    if (fq && mq) return { cat: 'DE_FACTO', persons: [f, m], recs: [...statusRecs(f, r), ...statusRecs(m, r)] };
  }
  if (severeDisabled(c, r.T)) return { cat: 'DIFFICULTY_SELF', persons: [c], recs: c.recs.filter((x) => x.kind === 'disability') };
  return null;
}

function categoryHolds(c: Child, cat: Category, r: Rules): boolean {
  const q = qualify(c, r, true);
  if (cat === 'LEFT_BEHIND') return ageAt(c.birth, r.T) < 16;
  if (cat === 'DIFFICULTY_SELF') return severeDisabled(c, r.T);
  return q !== null && STRENGTH[q.cat] >= STRENGTH[cat];
}

/** Every flag a correct run raises for this child as of T. */
export function childFlags(c: Child, r: Rules): TruthFlag[] {
  const out: TruthFlag[] = [];
  const age = ageAt(c.birth, r.T);
  const dead = isDead(c, r.T);
  const active = c.reg?.active === true;
  const parentsKnown = c.reg !== null || c.enrol !== null;
  const discoverable = parentsKnown || c.recs.some((x) => x.kind === 'disability');
  // The record that links the child to its parents: the registry row, else the school record.
  const linkRecs: EvidenceRec[] = c.reg ? [c.reg.rec] : c.enrol ? [c.enrol.rec] : [];
  const linkClasses = !c.reg && c.enrol && !c.enrol.guardianIds ? ['C1_GUARDIAN_NAME_ONLY'] : [];
  const mk = (flag: string, reason: string, category: string, previous: string, persons: Person[], recs: EvidenceRec[], extra: string[] = []) =>
    out.push({ flag, reason, category, previous_category: previous, child: c, persons, recs: extra.length ? [...recs, { kind: 'enrollment', ref: '', classes: extra }] : recs });

  if (active) {
    const reg = c.reg!;
    if (dead) {
      mk('REMOVE', 'CHILD_DEAD', reg.category, '', [c], [reg.rec, ...c.recs.filter((x) => x.kind === 'death')]);
      return out;
    }
    if (age >= 18) {
      mk('REMOVE', 'AGED_OUT', reg.category, '', [c], [reg.rec]);
      return out;
    }
    const q = qualify(c, r, true);
    if (q && STRENGTH[q.cat] > STRENGTH[reg.category]) {
      mk('RECLASSIFY', ADD_REASON[q.cat]!, q.cat, reg.category, q.persons, [reg.rec, ...q.recs]);
    } else if (!categoryHolds(c, reg.category, r)) {
      if (!reg.removeReason) throw new Error(`adversarial truth: ${c.pid} lost ${reg.category} without a story reason`);
      const p = reg.removeReason === 'PARENT_RELEASED' || reg.removeReason === 'PARENT_DISABILITY_ENDED';
      const persons = p ? [c.father, c.mother] : [c];
      const recs = p
        ? [c.father, c.mother].flatMap((x) => x.recs.filter((e) => (reg.removeReason === 'PARENT_RELEASED' ? e.kind === 'restriction' : e.kind === 'disability')))
        : [];
      mk('REMOVE', reg.removeReason, reg.category, '', persons, [reg.rec, ...recs]);
    }
    const eduAge = ageAt(c.birth, r.eduRefDay);
    if (eduAge >= 6 && eduAge <= 15) {
      if (!c.enrol) mk('EDUCATION', 'NOT_ENROLLED', reg.category, '', [c], [reg.rec]);
      else if (c.enrol.dropout) mk('EDUCATION', 'DROPPED_OUT', reg.category, '', [c], [reg.rec, c.enrol.rec]);
    }
    if (addMonths(c.birth, 12 * 18) <= addMonths(r.T, 3)) mk('WATCH', 'AGES_OUT_NEXT_QUARTER', reg.category, '', [c], [reg.rec]);
    if (reg.category === 'LEFT_BEHIND' && reg.carer) {
      const ev = newEventRecs(reg.carer, r);
      if (ev) mk('URGENT', 'CARER_EVENT', reg.category, '', [reg.carer], [reg.rec, ...ev]);
    }
  } else if (!dead && age < 18 && discoverable) {
    const q = qualify(c, r, parentsKnown);
    if (q) mk('ADD', ADD_REASON[q.cat]!, q.cat, '', q.persons, [...(q.cat === 'DIFFICULTY_SELF' ? [] : linkRecs), ...q.recs], q.cat === 'DIFFICULTY_SELF' ? [] : linkClasses);
  }
  if (!dead && age < 18 && parentsKnown) {
    const { father: f, mother: m } = c;
    const fe = newEventRecs(f, r);
    const me = newEventRecs(m, r);
    const hit = (fe && (gone(m, r) || inQ(m, r))) || (me && (gone(f, r) || inQ(f, r)));
    if (hit) mk('URGENT', 'PARENT_EVENT_NO_CARER', c.reg?.category ?? '', '', [f, m], [...linkRecs, ...statusRecs(f, r), ...statusRecs(m, r)], linkClasses);
  }
  return out;
}

/** Noise classes a flag's evidence carries (CLEAN when none). */
export function flagClasses(f: TruthFlag): string[] {
  const s = new Set<string>();
  for (const rec of f.recs) for (const c of rec.classes) s.add(c);
  for (const p of f.persons) for (const t of p.traits) s.add(t);
  for (const t of f.child.traits) if (t === 'C4_HOMONYM_DECOY') s.add(t);
  return s.size ? [...s].sort() : ['CLEAN'];
}
