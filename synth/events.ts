/**
 * The events of the issue-15 feeds (court, lost_contact, illness, hiv, social_assistance) that must
 * flag, and their look-alikes that must not: a parent declared missing then found, a declaration
 * of death revoked, guardianship revoked and restored, lost contact found again, children with a
 * listed and an unlisted illness, an HIV child already registered as ORPHAN, 低保 households on and
 * off the roll. Built after the rest of the world, on its own random stream and ID allocator, so
 * that the other feeds' files stay what they were for a seed; their registry, enrollment and death
 * rows go to supplement files.
 */
import { addMonths } from './dates.js';
import { caseNo, COURTS, HOSPITALS, REPORTERS } from './feeds.js';
import type { AssistanceType, JudgmentType, ParentLink, Person } from './model.js';
import { LISTED_ILLNESSES, UNLISTED_ILLNESSES } from './rules.js';
import { URGENT_WINDOW, type Scenario, type WorldBuilder } from './world.js';

type Fam = ReturnType<WorldBuilder['family']>;

export function eventScenarios(b: WorldBuilder): Scenario[] {
  const { w, T, rng: r } = b;
  const W = URGENT_WINDOW;
  const S: Scenario[] = [];
  const add = (name: string, weight: number, min: number, build: (name: string) => void) => S.push({ name, weight, min, build: () => build(name) });
  let caseSeq = 90_000;
  let householdSeq = 0;

  const judge = (p: Person, type: JudgmentType, date: number) =>
    w.judgments.push({ pid: p.pid, type, date, effective: r.chance(0.7) ? date + r.range(15, 30) : null, court: r.pick(COURTS), caseNo: caseNo(date, p.county, ++caseSeq) });
  const lose = (p: Person, report: number, found: number | null) =>
    w.lostContacts.push({ pid: p.pid, report, found, reporter: r.pick(REPORTERS), recordId: b.recordId('LC') });
  const ill = (p: Person, listed: boolean, diagnosis: number) => {
    const [code, name] = r.pick(listed ? LISTED_ILLNESSES : UNLISTED_ILLNESSES);
    w.illnesses.push({ pid: p.pid, code, name, diagnosis, hospital: r.pick(HOSPITALS), recordId: b.recordId('IL') });
  };
  const hiv = (p: Person, confirm: number) => w.hivRecords.push({ pid: p.pid, confirm, region: p.county, recordId: b.recordId('HV') });
  /** The whole family on one roll: father (户主), mother, child, from `start` to `end`. */
  const roll = (f: Fam, type: AssistanceType, start: number, end: number | null) => {
    const household = `JT${f.county}9${String(++householdSeq).padStart(7, '0')}`;
    const amount = type === '特困' ? 1100 : type === '低保' ? 720 : 0;
    const members: [Person, string][] = [[f.father, '户主'], [f.mother, '配偶'], [f.child, '子女']];
    for (const [p, relation] of members) w.assistance.push({ household, pid: p.pid, relation, type, start, end, region: f.county, amount });
  };
  /** A child not in the registry, found through the school roll (both parents listed) or its own record. */
  const candidate = (bMin: number, bMax: number): Fam => {
    const f = b.family(bMin, bMax);
    w.candidates.add(f.child.pid);
    return f;
  };
  const schoolRoll = (f: Fam) => b.enroll(f.child, '在读', b.guardianParent(f, 1), b.guardianParent(f, 2), true);
  const dead = (p: Person, f: Fam) => b.parent(p, '死亡', b.die(p, b.past(W + 30, 3000, f.child.birth)));
  const young = (): [number, number] => b.bornYoung(18, 2);
  const school = (): [number, number] => [b.bornYoung(18, 4)[0], b.bornYoung(18, 4)[1]];

  // ---- court: declared missing, then the declaration revoked (the mother is found): REMOVE PARENT_REAPPEARED.
  add('COURT_MISSING_THEN_FOUND', 0.003, 2, (n) => {
    const f = b.family(...young());
    const fl = dead(f.father, f);
    const declared = b.past(800, 3000, f.child.birth);
    judge(f.mother, '宣告失踪', declared);
    b.reg(f, 'ORPHAN', fl, b.parent(f.mother, '失踪', declared), Math.max(fl.since ?? 0, declared), { scenario: n, start: Math.min(declared + 120, T - 500) });
    judge(f.mother, '撤销失踪宣告', b.past(10, 300));
    b.usualEnroll(f, null, null);
  });
  // Declared missing and not revoked: an orphan the registry does not know (found through the school roll).
  add('ADD_ORPHAN_COURT_MISSING', 0.002, 2, () => {
    const f = candidate(...school());
    b.die(f.father, b.past(W + 30, 3000, f.child.birth));
    judge(f.mother, '宣告失踪', b.past(W + 60, 2500, f.child.birth));
    schoolRoll(f);
  });
  // Declared missing within urgent.windowDays, the other parent dead: URGENT (RULES.md §3, MISSING is an
  // urgent event) besides the ADD (a candidate) or the RECLASSIFY (a child registered DE_FACTO on the lost contact
  // the court now declares missing, after the two years 民法典 §40 asks).
  add('URGENT_PARENT_DECLARED_MISSING', 0.002, 2, () => {
    const f = candidate(...school());
    b.die(f.father, b.past(W + 30, 3000, f.child.birth));
    judge(f.mother, '宣告失踪', b.past(1, W - 1));
    schoolRoll(f);
  });
  add('URGENT_REGISTERED_PARENT_DECLARED_MISSING', 0.001, 1, (n) => {
    const f = b.family(...young());
    const fl = dead(f.father, f);
    const report = b.past(800, 2000, f.child.birth);
    lose(f.mother, report, null);
    const q = Math.max(fl.since ?? 0, addMonths(report, 6));
    b.reg(f, 'DE_FACTO', fl, b.parent(f.mother, '失联', report), q, { scenario: n, start: Math.min(q + 60, T - 300) });
    judge(f.mother, '宣告失踪', b.past(1, W - 1));
    b.usualEnroll(f, null, null);
  });
  // Declared dead (no death record): an orphan with the other parent dead.
  add('ADD_ORPHAN_DECLARED_DEAD', 0.001, 1, () => {
    const f = candidate(...school());
    b.die(f.mother, b.past(W + 30, 3000, f.child.birth));
    judge(f.father, '宣告死亡', b.past(W + 60, 2500, f.child.birth));
    schoolRoll(f);
  });
  // The declaration of death revoked: the registered orphan's father is alive.
  add('COURT_DEATH_DECLARATION_REVOKED', 0.001, 1, (n) => {
    const f = b.family(...young());
    const declared = b.past(900, 3000, f.child.birth);
    judge(f.father, '宣告死亡', declared);
    const ml = dead(f.mother, f);
    b.reg(f, 'ORPHAN', b.parent(f.father, '死亡', declared), ml, Math.max(declared, ml.since ?? 0), { scenario: n, start: Math.min(Math.max(declared, ml.since ?? 0) + 90, T - 400) });
    judge(f.father, '撤销死亡宣告', b.past(10, 300));
    b.usualEnroll(f, null, null);
  });

  // ---- guardianship revoked, then restored: REMOVE GUARDIANSHIP_RESTORED.
  add('GUARDIANSHIP_REVOKED_RESTORED', 0.002, 2, (n) => {
    const f = b.family(...young());
    const revoked = b.past(700, 2500, f.child.birth);
    judge(f.father, '撤销监护人资格', revoked);
    const ml = dead(f.mother, f);
    b.reg(f, 'DE_FACTO', b.parent(f.father, '撤销监护资格', revoked), ml, Math.max(revoked, ml.since ?? 0), { scenario: n, start: Math.min(Math.max(revoked, ml.since ?? 0) + 60, T - 400) });
    judge(f.father, '恢复监护人资格', b.past(10, 300));
    b.usualEnroll(f, null, null);
  });
  // Revoked and not restored, the other parent dead: DE_FACTO, not in the registry.
  add('ADD_DE_FACTO_GUARDIANSHIP_REVOKED', 0.001, 1, () => {
    const f = candidate(...school());
    b.die(f.mother, b.past(W + 30, 3000, f.child.birth));
    judge(f.father, '撤销监护人资格', b.past(W + 30, 2000, f.child.birth));
    schoolRoll(f);
  });

  // ---- lost contact: found again (REMOVE PARENT_REAPPEARED), still lost (ADD), lost for under 6 months (WATCH).
  add('LOST_CONTACT_FOUND', 0.002, 2, (n) => {
    const f = b.family(...young());
    const report = b.past(900, 3000, f.child.birth);
    const ml = dead(f.mother, f);
    const q = Math.max(addMonths(report, 6), ml.since ?? 0);
    b.reg(f, 'DE_FACTO', b.parent(f.father, '失联', report), ml, q, { scenario: n, start: Math.min(q + 60, T - 400) });
    lose(f.father, report, b.past(10, 300));
    b.usualEnroll(f, null, null);
  });
  add('ADD_DE_FACTO_LOST_CONTACT', 0.002, 2, () => {
    const f = candidate(...school());
    b.die(f.mother, b.past(W + 30, 3000, f.child.birth));
    lose(f.father, b.past(220, 1500, f.child.birth), null);
    schoolRoll(f);
  });
  add('NO_ADD_LOST_CONTACT_FOUND', 0.001, 1, () => {
    const f = candidate(...school());
    b.die(f.mother, b.past(W + 30, 3000, f.child.birth));
    const report = b.past(400, 1500, f.child.birth);
    lose(f.father, report, report + r.range(30, 300));
    schoolRoll(f);
  });
  add('WATCH_LOST_CONTACT_PENDING', 0.001, 1, () => {
    // six months are reached in the next quarter, well inside it
    const f = candidate(...school());
    b.die(f.mother, b.past(W + 30, 3000, f.child.birth));
    lose(f.father, addMonths(T, -6) + r.range(5, 60), null);
    schoolRoll(f);
  });

  // ---- illness: a listed serious illness (ADD CHILD_SERIOUSLY_ILL), an unlisted one (nothing), a registered ill child (nothing).
  add('ADD_CHILD_SERIOUSLY_ILL', 0.003, 2, () => {
    const f = candidate(...young());
    ill(f.child, true, b.past(30, 1500, f.child.birth + 60));
    if (r.chance(0.6)) schoolRoll(f);
  });
  add('NO_ADD_UNLISTED_ILLNESS', 0.002, 2, () => {
    const f = candidate(...young());
    ill(f.child, false, b.past(30, 1500, f.child.birth + 60));
    if (r.chance(0.6)) schoolRoll(f);
  });
  add('DIFFICULTY_SELF_ILL_STABLE', 0.002, 1, (n) => {
    const f = b.family(...young());
    const d = b.past(200, 1500, f.child.birth + 60);
    ill(f.child, true, d);
    b.reg(f, 'DIFFICULTY_SELF', b.ok(f.father), b.ok(f.mother), d, { scenario: n, basis: '儿童本人患重病', label: '自身困境儿童' });
    b.usualEnroll(f, b.guardianParent(f, 1), null);
  });

  // ---- HIV: a child the registry does not know (ADD CHILD_HIV); one registered as ORPHAN or as HIV (nothing).
  add('ADD_CHILD_HIV', 0.002, 2, () => {
    const f = candidate(...young());
    hiv(f.child, b.past(60, 2000, f.child.birth + 30));
    if (r.chance(0.5)) schoolRoll(f);
  });
  add('HIV_REGISTERED_ORPHAN', 0.001, 1, (n) => {
    const f = b.family(...young());
    const fl = dead(f.father, f);
    const ml = dead(f.mother, f);
    b.reg(f, 'ORPHAN', fl, ml, Math.max(fl.since ?? 0, ml.since ?? 0), { scenario: n });
    hiv(f.child, b.past(60, 2000, f.child.birth + 30));
    b.usualEnroll(f, null, null);
  });
  add('HIV_REGISTERED_WITH_RECORD', 0.001, 1, (n) => {
    const f = b.family(...young());
    const c = b.past(300, 2000, f.child.birth + 30);
    hiv(f.child, c);
    b.reg(f, 'HIV', b.ok(f.father), b.ok(f.mother), c, { scenario: n, basis: '艾滋病病毒感染' });
    b.usualEnroll(f, null, null);
  });

  // ---- 社会救助: a 低保 / 特困 family's child (ADD POOR_FAMILY), a family that left the roll (REMOVE POVERTY_ENDED),
  // a registered family still on it, and the rolls that do not count (低保边缘, closed before T).
  add('ADD_POOR_FAMILY', 0.004, 2, () => {
    const f = candidate(...young());
    roll(f, r.chance(0.75) ? '低保' : '特困', b.past(60, 2500, f.child.birth), null);
    if (r.chance(0.5)) schoolRoll(f);
  });
  add('POVERTY_ENDED', 0.002, 2, (n) => {
    const f = b.family(...young());
    const start = b.past(900, 2500, f.child.birth);
    roll(f, '低保', start, b.past(10, 300));
    const reg: ParentLink[] = [b.ok(f.father), b.ok(f.mother)];
    b.reg(f, 'DIFFICULTY_FAMILY', reg[0]!, reg[1]!, start, { scenario: n, basis: '低保家庭', label: '家庭困境儿童', start: Math.min(start + 60, T - 400) });
    b.usualEnroll(f, b.guardianParent(f, 1), null);
  });
  add('POOR_FAMILY_STABLE', 0.003, 1, (n) => {
    const f = b.family(...young());
    const start = b.past(400, 2500, f.child.birth);
    roll(f, r.chance(0.7) ? '低保' : '特困', start, null);
    b.reg(f, 'DIFFICULTY_FAMILY', b.ok(f.father), b.ok(f.mother), start, { scenario: n, basis: '低保家庭', label: '家庭困境儿童' });
    b.usualEnroll(f, b.guardianParent(f, 1), null);
  });
  add('NO_ADD_LOW_INCOME_EDGE', 0.001, 1, () => {
    const f = candidate(...young());
    roll(f, '低保边缘', b.past(60, 2500, f.child.birth), null);
    schoolRoll(f);
  });
  add('NO_ADD_POVERTY_CLOSED_BEFORE_T', 0.001, 1, () => {
    const f = candidate(...young());
    const start = b.past(600, 2500, f.child.birth);
    roll(f, '低保', start, b.past(5, 200, start + 30));
    schoolRoll(f);
  });
  return S;
}
