import { describe, expect, it } from 'vitest';
import { parseConfig, type RuleProfile } from '../../config/index.js';
import {
  EMPTY_FACTS,
  RuleContext,
  evaluateChild,
  type CertificateRecord,
  type ChildFacts,
  type PersonFacts,
  type RegistryRecord,
  type RestrictionRecord,
} from '../../rules/index.js';

const T = '2026-09-30';
const national = parseConfig({}).profile;
const profile = (over: Record<string, unknown>): RuleProfile => parseConfig({ profile: { extends: 'national', ...over } }).profile;

let seq = 0;
const ev = (feed: string) => ({ feed, recordId: `${feed}-${++seq}`, date: null, score: 1, batchId: 1, srcRow: seq });
const restriction = (start: string, end: string | null, release: string | null = null, measure: RestrictionRecord['measure'] = 'INCARCERATED'): RestrictionRecord => ({
  ...ev('incarceration'),
  measure,
  start,
  end,
  release,
});
const cert = (type: number, level: number, issue = '2020-01-01', cancelled: string | null = null): CertificateRecord => ({
  ...ev('disability'),
  type,
  level,
  issue,
  status: cancelled ? 'CANCELLED' : 'VALID',
  statusDate: cancelled,
});
const person = (id: string, f: Partial<PersonFacts> = {}): PersonFacts => ({ ...EMPTY_FACTS(id), ...f });
const registry = (r: Partial<RegistryRecord> = {}): RegistryRecord => ({
  ...ev('registry'),
  childRef: 'C1',
  category: 'DE_FACTO',
  subtype: null,
  status: 'ACTIVE',
  startDate: '2024-01-01',
  lastPaidMonth: '2026-09',
  county: '440305',
  father: { personId: 'F', status: 'INCARCERATED', since: '2024-01-01' },
  mother: { personId: 'M', status: 'DEAD', since: '2020-01-01' },
  carerPersonId: null,
  ...r,
});
const child = (c: Partial<ChildFacts> = {}): ChildFacts => ({
  personId: 'K',
  name: '王小明',
  idNumber: '440305201203151234',
  birthDate: '2012-03-15',
  county: '440305',
  own: person('K', { enrollments: [{ ...ev('enrollment'), status: 'ENROLLED', level: 'JUNIOR', asOf: '2026-09-01', school: '一中' }] }),
  registry: [],
  listedFatherId: null,
  listedMotherId: null,
  ...c,
});
const flagsOf = (c: ChildFacts, people: PersonFacts[], p: RuleProfile = national, asOf = T) =>
  evaluateChild(new RuleContext(asOf, p), c, new Map(people.map((x) => [x.personId, x]))).flags.map((f) => `${f.flag}:${f.reason}${f.category ? ':' + f.category : ''}`);

describe('age', () => {
  it('a child turns 18 on the 18th birthday: 17 years 364 days is still a child', () => {
    const father = person('F', { restrictions: [restriction('2024-01-01', '2030-01-01')] });
    const reg = [registry()];
    expect(flagsOf(child({ birthDate: '2008-10-01', registry: reg }), [father])).not.toContain('REMOVE:AGED_OUT:DE_FACTO');
    expect(flagsOf(child({ birthDate: '2008-10-01', registry: reg }), [father])).toContain('WATCH:AGES_OUT_NEXT_QUARTER:DE_FACTO');
    expect(flagsOf(child({ birthDate: '2008-09-30', registry: reg }), [father])).toContain('REMOVE:AGED_OUT:DE_FACTO');
  });

  it('a left-behind child ages out at leftBehind.maxAge, and the profile can move it', () => {
    const reg = [registry({ category: 'LEFT_BEHIND', father: { personId: 'F', status: 'NORMAL', since: null }, mother: { personId: 'M', status: 'NORMAL', since: null } })];
    const c = child({ birthDate: '2010-09-30', registry: reg });
    expect(flagsOf(c, [])).toContain('REMOVE:AGED_OUT:LEFT_BEHIND');
    expect(flagsOf(c, [], profile({ leftBehind: { maxAge: 17 } }))).not.toContain('REMOVE:AGED_OUT:LEFT_BEHIND');
  });

  it('adult continuation keeps an enrolled 18-year-old orphan only when the profile turns it on', () => {
    const reg = [registry({ category: 'ORPHAN', father: { personId: null, status: 'DEAD', since: '2015-01-01' }, mother: { personId: null, status: 'DEAD', since: '2015-01-01' } })];
    const own = person('K', { enrollments: [{ ...ev('enrollment'), status: 'ENROLLED', level: 'SENIOR', asOf: '2026-09-01', school: '一中' }] });
    const c = child({ birthDate: '2008-03-01', registry: reg, own });
    expect(flagsOf(c, [])).toContain('REMOVE:AGED_OUT:ORPHAN');
    expect(flagsOf(c, [], profile({ adultContinuation: { enabled: true } }))).not.toContain('REMOVE:AGED_OUT:ORPHAN');
    const junior = child({ birthDate: '2008-03-01', registry: reg, own: person('K', { enrollments: [{ ...ev('enrollment'), status: 'ENROLLED', level: 'JUNIOR', asOf: '2026-09-01', school: null }] }) });
    expect(flagsOf(junior, [], profile({ adultContinuation: { enabled: true } }))).toContain('REMOVE:AGED_OUT:ORPHAN');
  });
});

describe('restrictions', () => {
  const reg = [registry()];
  it('release the day before T removes; release the day after T does not', () => {
    const before = person('F', { restrictions: [restriction('2024-01-01', '2030-01-01', '2026-09-29')] });
    const after = person('F', { restrictions: [restriction('2024-01-01', '2030-01-01', '2026-10-01')] });
    expect(flagsOf(child({ registry: reg }), [before])).toContain('REMOVE:PARENT_RELEASED:DE_FACTO');
    expect(flagsOf(child({ registry: reg }), [after])).toEqual([]);
  });

  it('a 6-month term qualifies, a 5-month term does not; the profile can lower the threshold', () => {
    const six = person('F', { restrictions: [restriction('2026-03-01', '2026-09-01')] });
    const five = person('F', { restrictions: [restriction('2026-03-01', '2026-08-01')] });
    const noReg = child();
    const listed = { listedFatherId: 'F', listedMotherId: 'M' };
    const mother = person('M', { deaths: [{ ...ev('death'), deathDate: '2020-01-01' }] });
    expect(flagsOf(child(listed), [six, mother])).toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
    expect(flagsOf(child(listed), [five, mother])).not.toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
    expect(flagsOf(child(listed), [five, mother], profile({ restriction: { minMonths: 5 } }))).toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
    expect(flagsOf(noReg, [six, mother])).toEqual([]); // no parent link, no flag
  });

  it('community correction is not a restriction', () => {
    const cc = person('F', { restrictions: [restriction('2025-01-01', '2027-01-01', null, 'COMMUNITY_CORRECTION')] });
    const mother = person('M', { deaths: [{ ...ev('death'), deathDate: '2020-01-01' }] });
    expect(flagsOf(child({ listedFatherId: 'F', listedMotherId: 'M' }), [cc, mother])).toEqual([]);
  });

  it('an open-ended restriction counts by time served and is watched before it reaches the threshold', () => {
    const mother = person('M', { deaths: [{ ...ev('death'), deathDate: '2020-01-01' }] });
    const served = person('F', { restrictions: [restriction('2026-04-15', null)] }); // 6 months on 2026-10-15
    expect(flagsOf(child({ listedFatherId: 'F', listedMotherId: 'M' }), [served, mother])).toContain('WATCH:THRESHOLD_PENDING:DE_FACTO');
    expect(flagsOf(child({ listedFatherId: 'F', listedMotherId: 'M' }), [served, mother], national, '2026-10-15')).toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
  });
});

describe('disability', () => {
  const mother = person('M', { deaths: [{ ...ev('death'), deathDate: '2020-01-01' }] });
  const listed = { listedFatherId: 'F', listedMotherId: 'M' };
  it.each([
    [4, 2, true],
    [4, 3, false],
    [1, 1, true],
    [1, 3, false],
    [5, 4, true],
    [6, 3, true],
    [7, 3, false],
  ])('a parent certificate of type %i level %i is severe: %s', (type, level, severe) => {
    // SEVERE_DISABLED is in Q: with the other parent dead the child is DE_FACTO, whose reason is
    // PARENTS_QUALIFY (RULES.md §2, the stronger category wins), never DIFFICULTY_FAMILY's.
    const father = person('F', { certificates: [cert(type, level)] });
    const flags = flagsOf(child(listed), [father, mother]);
    expect(flags.includes('ADD:PARENTS_QUALIFY:DE_FACTO')).toBe(severe);
    expect(flags.some((f) => f.startsWith('ADD:PARENTS_SEVERELY_DISABLED'))).toBe(false);
  });

  it('a certificate cancelled before T no longer counts; cancelled after T still does', () => {
    const reg = [registry({ father: { personId: 'F', status: 'SEVERE_DISABLED', since: '2020-01-01' } })];
    const cancelledBefore = person('F', { certificates: [cert(4, 1, '2020-01-01', '2026-09-29')] });
    const cancelledAfter = person('F', { certificates: [cert(4, 1, '2020-01-01', '2026-10-01')] });
    expect(flagsOf(child({ registry: reg }), [cancelledBefore, mother])).toContain('REMOVE:PARENT_DISABILITY_ENDED:DE_FACTO');
    expect(flagsOf(child({ registry: reg }), [cancelledAfter, mother])).toEqual([]);
  });

  it('a child with a qualifying certificate is DIFFICULTY_SELF; cancelled, the registration is removed', () => {
    const reg = [registry({ category: 'DIFFICULTY_SELF', father: { personId: 'F', status: 'NORMAL', since: null }, mother: { personId: 'M', status: 'NORMAL', since: null } })];
    expect(flagsOf(child({ own: person('K', { certificates: [cert(5, 3)], enrollments: child().own.enrollments }) }), [])).toContain('ADD:CHILD_DISABLED:DIFFICULTY_SELF');
    expect(flagsOf(child({ registry: reg, own: person('K', { certificates: [cert(5, 3, '2020-01-01', '2026-06-30')], enrollments: child().own.enrollments }) }), [])).toContain(
      'REMOVE:BASIS_NO_LONGER_HOLDS:DIFFICULTY_SELF',
    );
  });

  it('the profile can set the family-difficulty levels apart from the severe levels', () => {
    const bothParents = { listedFatherId: 'F', listedMotherId: 'M' };
    const f = person('F', { certificates: [cert(1, 3)] });
    const m = person('M', { certificates: [cert(4, 3)] });
    expect(flagsOf(child(bothParents), [f, m])).toEqual([]);
    expect(flagsOf(child(bothParents), [f, m], profile({ difficulty: { parentDisabilityLevels: { anyType: [1, 2, 3], mentalIntellectual: [1, 2, 3] } } }))).toContain(
      'ADD:PARENTS_SEVERELY_DISABLED:DIFFICULTY_FAMILY',
    );
  });
});

describe('urgent, education, duplicates', () => {
  it('a parent death within urgent.windowDays with the other parent restricted is URGENT; a day older is not', () => {
    const f = person('F', { restrictions: [restriction('2026-08-01', '2026-10-01')] }); // short, but restricted now
    const within = person('M', { deaths: [{ ...ev('death'), deathDate: '2026-06-30' }] }); // 92 days before T
    const older = person('M', { deaths: [{ ...ev('death'), deathDate: '2026-06-29' }] });
    const listed = { listedFatherId: 'F', listedMotherId: 'M' };
    expect(flagsOf(child(listed), [f, within])).toContain('URGENT:PARENT_EVENT_NO_CARER');
    expect(flagsOf(child(listed), [f, older])).toContain('URGENT:PARENT_EVENT_NO_CARER'); // the father's new restriction is itself an event
    const settled = person('F', { restrictions: [restriction('2025-01-01', '2027-01-01')] });
    expect(flagsOf(child(listed), [settled, older]).filter((x) => x.startsWith('URGENT'))).toEqual([]);
    expect(flagsOf(child(listed), [settled, within]).filter((x) => x.startsWith('URGENT'))).toEqual(['URGENT:PARENT_EVENT_NO_CARER:DE_FACTO']);
  });

  it('a registered child of compulsory-school age with no enrollment or a drop-out is an EDUCATION flag', () => {
    const father = person('F', { restrictions: [restriction('2024-01-01', '2030-01-01')] });
    const reg = [registry()];
    const none = child({ birthDate: '2020-08-31', registry: reg, own: person('K') }); // 6 on 31 Aug 2026
    const tooYoung = child({ birthDate: '2020-09-01', registry: reg, own: person('K') });
    expect(flagsOf(none, [father])).toContain('EDUCATION:NOT_ENROLLED:DE_FACTO');
    expect(flagsOf(tooYoung, [father])).not.toContain('EDUCATION:NOT_ENROLLED:DE_FACTO');
    const dropped = child({ registry: reg, own: person('K', { enrollments: [{ ...ev('enrollment'), status: 'DROPPED_OUT', level: 'JUNIOR', asOf: '2026-09-01', school: null }] }) });
    expect(flagsOf(dropped, [father])).toContain('EDUCATION:DROPPED_OUT:DE_FACTO');
  });

  it('a second active registration of one child is a duplicate, with months overpaid since', () => {
    const father = person('F', { restrictions: [restriction('2024-01-01', '2030-01-01')] });
    const c = child({ registry: [registry(), registry({ childRef: 'C2', startDate: '2026-05-10', lastPaidMonth: '2026-09' })] });
    const result = evaluateChild(new RuleContext(T, national), c, new Map([['F', father]]));
    const dup = result.flags.find((f) => f.reason === 'DUPLICATE_REGISTRATION')!;
    expect(dup).toMatchObject({ flag: 'REMOVE', effectiveFrom: '2026-06-01', overpaidMonths: 4 });
    expect(dup.registry?.childRef).toBe('C2');
  });

  it('a REMOVE states the money paid since it took effect: months × the monthly standard of the category (and subtype) in the profile', async () => {
    const { flagRows, monthlyBenefit } = await import('../../flags/index.js');
    const example = parseConfig({ profile: 'example-province' }).profile;
    expect(monthlyBenefit(example, 'ORPHAN', 'INSTITUTION')).toBe(1400);
    expect(monthlyBenefit(example, 'ORPHAN', 'SCATTERED')).toBe(900);
    expect(monthlyBenefit(example, 'DIFFICULTY_SELF', null)).toBeNull();
    const father = person('F', { restrictions: [restriction('2024-01-01', '2030-01-01')] });
    const c = child({ registry: [registry(), registry({ childRef: 'C2', startDate: '2026-05-10', lastPaidMonth: '2026-09' })] });
    const raised = evaluateChild(new RuleContext(T, example), c, new Map([['F', father]])).flags.filter((f) => f.reason === 'DUPLICATE_REGISTRATION');
    // DE_FACTO at 900 元 a month, 4 months paid since 2026-06-01.
    expect(flagRows(T, c, raised, example).map((r) => [r.overpaid_months, r.overpaid_amount])).toEqual([[4, 3600]]);
    // The national profile sets no standard: months, no amount.
    expect(flagRows(T, c, raised, national).map((r) => [r.overpaid_months, r.overpaid_amount])).toEqual([[4, null]]);
    const orphan = child({ registry: [registry({ category: 'ORPHAN', subtype: 'INSTITUTION' }), registry({ category: 'ORPHAN', subtype: 'INSTITUTION', childRef: 'C2', startDate: '2026-05-10' })] });
    const orphanDup = evaluateChild(new RuleContext(T, example), orphan, new Map()).flags.filter((f) => f.reason === 'DUPLICATE_REGISTRATION');
    expect(flagRows(T, orphan, orphanDup, example).map((r) => r.overpaid_amount)).toEqual([4 * 1400]);
  });

  it('a left-behind child whose parents now qualify is reclassified, not added', () => {
    const reg = [registry({ category: 'LEFT_BEHIND', father: { personId: 'F', status: 'NORMAL', since: null }, mother: { personId: 'M', status: 'NORMAL', since: null } })];
    const f = person('F', { restrictions: [restriction('2025-01-01', '2027-01-01')] });
    const m = person('M', { deaths: [{ ...ev('death'), deathDate: '2025-02-01' }] });
    expect(flagsOf(child({ registry: reg }), [f, m])).toEqual(['RECLASSIFY:PARENTS_QUALIFY:DE_FACTO']);
  });
});

describe('registry statuses as evidence', () => {
  it('a death recorded by the registry within the urgent window is a new event', () => {
    const reg = (since: string) => [registry({ category: 'ORPHAN', father: { personId: null, status: 'DEAD', since: '2026-01-18' }, mother: { personId: null, status: 'DEAD', since } })];
    expect(flagsOf(child({ birthDate: '2026-07-27', registry: reg('2026-07-27'), own: person('K') }), [])).toContain('URGENT:PARENT_EVENT_NO_CARER:ORPHAN');
    expect(flagsOf(child({ birthDate: '2026-01-01', registry: reg('2026-06-29'), own: person('K') }), [])).not.toContain('URGENT:PARENT_EVENT_NO_CARER:ORPHAN');
  });

  it('a 失踪 recorded by the registry within the window is GONE but no URGENT event: MISSING is dated by the court (RULES.md §1)', () => {
    // The bench's case: a newborn registered as an orphan, the father dead months before the birth, the mother 失踪 since the birth.
    const reg = [registry({ category: 'ORPHAN', startDate: '2026-09-10', father: { personId: null, status: 'DEAD', since: '2026-01-31' }, mother: { personId: 'M', status: 'MISSING', since: '2026-08-03' } })];
    const c = child({ birthDate: '2026-08-03', registry: reg, own: person('K') });
    expect(flagsOf(c, [person('M')])).toEqual([]);
    // The court's declaration of missing in the window is the event.
    const declared = person('M', { judgments: [{ ...ev('court'), type: 'DECLARED_MISSING', judgmentDate: '2026-08-03', effectiveDate: null }] });
    expect(flagsOf(c, [declared])).toEqual(['URGENT:PARENT_EVENT_NO_CARER:ORPHAN']);
  });

  it('a recorded imprisonment stands while the feed has no record of it, and a release in the feed ends it', () => {
    const reg = [registry()];
    const noRecord = person('F');
    expect(flagsOf(child({ registry: reg }), [noRecord])).toEqual([]);
    const released = person('F', { restrictions: [restriction('2023-01-01', '2026-08-01', '2026-08-01')] });
    expect(flagsOf(child({ registry: reg }), [released])).toEqual(['REMOVE:PARENT_RELEASED:DE_FACTO']);
  });
});

describe('findings of the review', () => {
  it('a listed parent with no feed record is present: the other parent\'s new event is no URGENT', () => {
    const m = person('M', { deaths: [{ ...ev('death'), deathDate: '2026-09-01' }] });
    expect(flagsOf(child({ listedFatherId: 'F', listedMotherId: 'M' }), [m]).filter((f) => f.startsWith('URGENT'))).toEqual([]);
    expect(flagsOf(child({ listedFatherId: null, listedMotherId: 'M' }), [m]).filter((f) => f.startsWith('URGENT'))).toEqual(['URGENT:PARENT_EVENT_NO_CARER']);
  });

  it('a release older than the recorded imprisonment does not end it', () => {
    const reg = [registry({ father: { personId: 'F', status: 'INCARCERATED', since: '2024-01-01' } })];
    const old = person('F', { restrictions: [restriction('2016-01-01', '2018-01-01', '2018-01-01')] });
    expect(flagsOf(child({ registry: reg }), [old])).toEqual([]);
  });

  it('lost contact with no recorded date counts from the registry start date (RULES.md §1; tests/rules/optional-feeds.test.ts)', () => {
    const reg = (startDate: string) => [registry({ startDate, father: { personId: 'F', status: 'LOST_CONTACT', since: null } })];
    expect(flagsOf(child({ registry: reg('2024-01-01') }), [])).not.toContain('REMOVE:BASIS_NO_LONGER_HOLDS:DE_FACTO');
    expect(flagsOf(child({ registry: reg('2026-06-01') }), [])).toContain('REMOVE:BASIS_NO_LONGER_HOLDS:DE_FACTO');
  });

  it('a parent event and a carer event of one left-behind child are two URGENT flags with distinct keys', async () => {
    const { flagRows } = await import('../../flags/index.js');
    const reg = [registry({ category: 'LEFT_BEHIND', father: { personId: 'F', status: 'NORMAL', since: null }, mother: { personId: null, status: 'DEAD', since: '2020-01-01' }, carerPersonId: 'C' })];
    const f = person('F', { restrictions: [restriction('2026-09-01', '2027-09-01')] });
    const carer = person('C', { deaths: [{ ...ev('death'), deathDate: '2026-09-10' }] });
    const c = child({ registry: reg });
    const raised = evaluateChild(new RuleContext(T, national), c, new Map([['F', f], ['C', carer]])).flags.filter((x) => x.flag === 'URGENT');
    expect(raised.map((x) => x.reason).sort()).toEqual(['CARER_EVENT', 'PARENT_EVENT_NO_CARER']);
    expect(new Set(flagRows(T, c, raised).map((r) => r.flag_id)).size).toBe(2);
  });
});

describe('a father listed by name alone with several indistinguishable candidates (ChildFacts.fatherAlternatives)', () => {
  const dead = (id: string, day: string) => person(id, { deaths: [{ ...ev('death'), deathDate: day }] });
  const mother = dead('M', '2020-01-01');
  const alternatives = (...personIds: string[]) => ({ listedFatherId: 'G', listedMotherId: 'M', fatherAlternatives: { personIds, probability: 0.8 } });

  it('raises what every candidate leads to, citing each candidate, with the latest effective date', () => {
    const c = child(alternatives('F1', 'F2'));
    const { flags } = evaluateChild(new RuleContext(T, national), c, new Map([['M', mother], ['F1', dead('F1', '2021-03-01')], ['F2', dead('F2', '2022-05-01')]]));
    expect(flags.map((f) => `${f.flag}:${f.reason}:${f.category}`)).toEqual(['ADD:BOTH_PARENTS_GONE:ORPHAN']);
    const fathers = flags[0]!.evidence.filter((e) => e.role === 'father');
    expect(fathers.map((e) => [e.basis, e.score])).toEqual([['name_only_alternatives', 0.8], ['name_only_alternatives', 0.8]]);
    const one = evaluateChild(new RuleContext(T, national), child(alternatives('F2')), new Map([['M', mother], ['F2', dead('F2', '2022-05-01')]])).flags[0]!;
    expect(flags[0]!.effectiveFrom).toBe(one.effectiveFrom);
  });

  it('a kind of flag the candidates disagree on is what the child gets without them', () => {
    // A disabled child: ADD CHILD_DISABLED with the father present; one candidate died (the child would be an orphan), the other has no record that qualifies.
    const c = child({ ...alternatives('F1', 'F2'), own: person('K', { certificates: [cert(5, 1)], enrollments: child().own.enrollments }) });
    const people = new Map([['M', mother], ['F1', dead('F1', '2021-03-01')], ['F2', person('F2', { certificates: [cert(5, 4)] })]]);
    const withThem = evaluateChild(new RuleContext(T, national), c, people).flags.map((f) => `${f.flag}:${f.reason}`);
    const without = evaluateChild(new RuleContext(T, national), { ...c, fatherAlternatives: undefined }, people).flags.map((f) => `${f.flag}:${f.reason}`);
    expect(without).toEqual(['ADD:CHILD_DISABLED']);
    expect(withThem).toEqual(without);
  });

  it('does not apply when the listed guardian has records of its own, nor when a registry row names the father', () => {
    const ctx = new RuleContext(T, national);
    const people = new Map([['M', mother], ['F1', dead('F1', '2021-03-01')], ['F2', dead('F2', '2022-05-01')], ['G', person('G', { certificates: [cert(5, 4)] })], ['F', person('F')]]);
    const withRecords = child(alternatives('F1', 'F2'));
    expect(evaluateChild(ctx, withRecords, people)).toEqual(evaluateChild(ctx, { ...withRecords, fatherAlternatives: undefined }, people));
    const registered = child({ ...alternatives('F1', 'F2'), listedFatherId: 'X', registry: [registry({ father: { personId: 'F', status: null, since: null } })] });
    expect(evaluateChild(ctx, registered, people)).toEqual(evaluateChild(ctx, { ...registered, fatherAlternatives: undefined }, people));
    expect(evaluateChild(ctx, child(alternatives('F1', 'F2')), new Map([...people, ['G', person('G')]])).flags.some((f) => f.evidence.some((e) => e.basis === 'name_only_alternatives'))).toBe(true);
  });
});
