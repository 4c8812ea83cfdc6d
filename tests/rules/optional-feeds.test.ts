// Issue 15 item 3: the statuses and reasons the optional feeds bring (RULES.md §1–§3), each at its
// boundaries: dates on either side of T, revoked judgments, found-again reports, unlisted disease
// codes, a 低保 row closed before T; and issue 17 item 8 (an undated 失联 of the registry).
import { describe, expect, it } from 'vitest';
import { parseConfig, type RuleProfile } from '../../config/index.js';
import {
  EMPTY_FACTS,
  RuleContext,
  evaluateChild,
  explainFlagLines,
  type AssistanceRecord,
  type ChildFacts,
  type HivRecord,
  type IllnessRecord,
  type JudgmentRecord,
  type JudgmentType,
  type LostContactRecord,
  type PersonFacts,
  type RegistryRecord,
} from '../../rules/index.js';
import { LISTED_ILLNESSES, UNLISTED_ILLNESSES } from '../../synth/rules.js';

const T = '2026-09-30';
const national = parseConfig({}).profile;
const profile = (over: Record<string, unknown>): RuleProfile => parseConfig({ profile: { extends: 'national', ...over } }).profile;

let seq = 0;
const ev = (feed: string) => ({ feed, recordId: `${feed}-${++seq}`, date: null, score: 1, batchId: 1, srcRow: seq });
const judgment = (type: JudgmentType, date: string): JudgmentRecord => ({ ...ev('court'), type, judgmentDate: date, effectiveDate: null });
const lost = (report: string, found: string | null = null): LostContactRecord => ({ ...ev('lost_contact'), report, found });
const illness = (code: string, diagnosis = '2025-05-01', disease: string | null = null): IllnessRecord => ({ ...ev('illness'), code, disease, diagnosis });
const hiv = (confirm: string): HivRecord => ({ ...ev('hiv'), confirm });
const assistance = (a: Partial<AssistanceRecord> = {}): AssistanceRecord => ({
  ...ev('social_assistance'),
  householdId: 'H1',
  relation: 'CHILD',
  type: 'DIBAO',
  start: '2023-01-01',
  end: null,
  ...a,
});
const person = (id: string, f: Partial<PersonFacts> = {}): PersonFacts => ({ ...EMPTY_FACTS(id), ...f });
const dead = (id: string, date = '2020-01-01') => person(id, { deaths: [{ ...ev('death'), deathDate: date }] });
const registry = (r: Partial<RegistryRecord> = {}): RegistryRecord => ({
  ...ev('registry'),
  childRef: 'C1',
  category: 'ORPHAN',
  subtype: 'SCATTERED',
  status: 'ACTIVE',
  startDate: '2024-01-01',
  lastPaidMonth: '2026-09',
  county: '440305',
  father: { personId: 'F', status: 'NORMAL', since: null },
  mother: { personId: 'M', status: 'NORMAL', since: null },
  carerPersonId: null,
  ...r,
});
/** A child of 12 at T, in school; with parents F and M listed (by the school) unless a registry row says otherwise. */
const child = (c: Partial<ChildFacts> = {}, own: Partial<PersonFacts> = {}): ChildFacts => ({
  personId: 'K',
  name: '王小明',
  idNumber: '440305201403151234',
  birthDate: '2014-03-15',
  county: '440305',
  own: person('K', { enrollments: [{ ...ev('enrollment'), status: 'ENROLLED', level: 'PRIMARY', asOf: '2026-09-01', school: '一小' }], ...own }),
  registry: [],
  listedFatherId: 'F',
  listedMotherId: 'M',
  ...c,
});
const run = (c: ChildFacts, people: PersonFacts[], p: RuleProfile = national, asOf = T) =>
  evaluateChild(new RuleContext(asOf, p), c, new Map(people.map((x) => [x.personId, x])));
const flagsOf = (c: ChildFacts, people: PersonFacts[], p: RuleProfile = national, asOf = T) =>
  run(c, people, p, asOf).flags.map((f) => `${f.flag}:${f.reason}${f.category ? ':' + f.category : ''}`);

describe('court: 宣告失踪 / 宣告死亡 and their revocation', () => {
  it('a declaration of missing dated T counts (MISSING is GONE); dated the day after T does not', () => {
    const mother = dead('M');
    expect(flagsOf(child(), [person('F', { judgments: [judgment('DECLARED_MISSING', T)] }), mother])).toContain('ADD:BOTH_PARENTS_GONE:ORPHAN');
    expect(flagsOf(child(), [person('F', { judgments: [judgment('DECLARED_MISSING', '2026-10-01')] }), mother])).not.toContain('ADD:BOTH_PARENTS_GONE:ORPHAN');
  });

  it('a declaration of death counts as DEAD; a later 撤销死亡宣告 by T undoes it, one after T does not', () => {
    const mother = dead('M');
    const declared = judgment('DECLARED_DEAD', '2025-02-01');
    expect(flagsOf(child(), [person('F', { judgments: [declared] }), mother])).toContain('ADD:BOTH_PARENTS_GONE:ORPHAN');
    expect(flagsOf(child(), [person('F', { judgments: [declared, judgment('DEATH_REVOKED', T)] }), mother])).not.toContain('ADD:BOTH_PARENTS_GONE:ORPHAN');
    expect(flagsOf(child(), [person('F', { judgments: [declared, judgment('DEATH_REVOKED', '2026-10-01')] }), mother])).toContain('ADD:BOTH_PARENTS_GONE:ORPHAN');
  });

  it('a revoked declaration of missing removes the orphan registration: PARENT_REAPPEARED from the month after the revocation', () => {
    const reg = [registry({ father: { personId: 'F', status: 'MISSING', since: '2023-06-01' }, mother: { personId: 'M', status: 'DEAD', since: '2020-01-01' } })];
    const father = (revoked: string) => person('F', { judgments: [judgment('DECLARED_MISSING', '2023-06-01'), judgment('MISSING_REVOKED', revoked)] });
    const r = run(child({ registry: reg }), [father('2026-08-15'), dead('M')]).flags.find((f) => f.flag === 'REMOVE')!;
    expect(r).toMatchObject({ reason: 'PARENT_REAPPEARED', category: 'ORPHAN', effectiveFrom: '2026-09-01', overpaidMonths: 1 });
    expect(r.evidence.map((e) => e.feed)).toContain('court');
    // Revoked after T: still an orphan.
    expect(flagsOf(child({ registry: reg }), [father('2026-10-01'), dead('M')]).filter((f) => f.startsWith('REMOVE'))).toEqual([]);
    // The revocation alone (the declaration was delivered long ago, or never) ends the recorded 失踪 too.
    expect(flagsOf(child({ registry: reg }), [person('F', { judgments: [judgment('MISSING_REVOKED', '2026-08-15')] }), dead('M')])).toContain('REMOVE:PARENT_REAPPEARED:ORPHAN');
    // … but not one older than the recorded date.
    expect(flagsOf(child({ registry: reg }), [person('F', { judgments: [judgment('MISSING_REVOKED', '2023-01-01')] }), dead('M')]).filter((f) => f.startsWith('REMOVE'))).toEqual([]);
  });

  it('the court feed alone (registry says 正常) ends an orphan registration when the declaration is revoked after the registration began', () => {
    const reg = [registry({ startDate: '2024-06-01', mother: { personId: 'M', status: 'DEAD', since: '2020-01-01' } })];
    const father = (revoked: string) => person('F', { judgments: [judgment('DECLARED_MISSING', '2024-01-10'), judgment('MISSING_REVOKED', revoked)] });
    expect(flagsOf(child({ registry: reg }), [father('2026-07-01'), dead('M')])).toContain('REMOVE:PARENT_REAPPEARED:ORPHAN');
    // Revoked before the registration began: the revocation was not what ended this basis.
    expect(flagsOf(child({ registry: reg }), [father('2024-03-01'), dead('M')])).toContain('REMOVE:BASIS_NO_LONGER_HOLDS:ORPHAN');
  });

  it('a declaration of death or missing within urgent.windowDays, the other parent not present, is URGENT', () => {
    const mother = person('M', { restrictions: [{ ...ev('incarceration'), measure: 'INCARCERATED', start: '2025-01-01', end: '2030-01-01', release: null }] });
    expect(flagsOf(child(), [person('F', { judgments: [judgment('DECLARED_MISSING', '2026-09-01')] }), mother])).toContain('URGENT:PARENT_EVENT_NO_CARER:DE_FACTO');
    expect(flagsOf(child(), [person('F', { judgments: [judgment('DECLARED_DEAD', '2026-07-01')] }), mother])).toContain('URGENT:PARENT_EVENT_NO_CARER:DE_FACTO');
    // Older than the window (92 days before T is 2026-06-30).
    expect(flagsOf(child(), [person('F', { judgments: [judgment('DECLARED_MISSING', '2026-06-29')] }), mother]).filter((f) => f.startsWith('URGENT'))).toEqual([]);
  });
});

describe('court: 撤销 / 恢复监护人资格', () => {
  it('a revocation dated by T puts the parent in Q; the day after T it does not', () => {
    expect(flagsOf(child(), [person('F', { judgments: [judgment('GUARDIANSHIP_REVOKED', T)] }), dead('M')])).toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
    expect(flagsOf(child(), [person('F', { judgments: [judgment('GUARDIANSHIP_REVOKED', '2026-10-01')] }), dead('M')]).filter((f) => f.startsWith('ADD'))).toEqual([]);
  });

  it('guardianship restored by T removes a DE_FACTO registration (GUARDIANSHIP_RESTORED); restored after T, nothing', () => {
    const reg = [registry({ category: 'DE_FACTO', subtype: null, father: { personId: 'F', status: 'GUARDIANSHIP_REVOKED', since: '2023-03-01' }, mother: { personId: 'M', status: 'DEAD', since: '2020-01-01' } })];
    const father = (restored: string) => person('F', { judgments: [judgment('GUARDIANSHIP_REVOKED', '2023-03-01'), judgment('GUARDIANSHIP_RESTORED', restored)] });
    const r = run(child({ registry: reg }), [father('2026-07-20'), dead('M')]).flags.find((f) => f.flag === 'REMOVE')!;
    expect(r).toMatchObject({ reason: 'GUARDIANSHIP_RESTORED', category: 'DE_FACTO', effectiveFrom: '2026-08-01' });
    expect(flagsOf(child({ registry: reg }), [father('2026-10-01'), dead('M')]).filter((f) => f.startsWith('REMOVE'))).toEqual([]);
    // A revocation again after the restoration: the latest judgment decides.
    const again = person('F', { judgments: [judgment('GUARDIANSHIP_REVOKED', '2023-03-01'), judgment('GUARDIANSHIP_RESTORED', '2025-01-01'), judgment('GUARDIANSHIP_REVOKED', '2026-01-01')] });
    expect(flagsOf(child({ registry: reg }), [again, dead('M')]).filter((f) => f.startsWith('REMOVE'))).toEqual([]);
  });
});

describe('lost_contact: 失联 reports and found-again', () => {
  it('a report open lostContact.minMonths by T puts the parent in Q; a day short is watched, not added', () => {
    expect(flagsOf(child(), [person('F', { lostContacts: [lost('2026-03-30')] }), dead('M')])).toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
    // 2026-03-31 + 6 months is 2026-09-30 (the month's last day), on T: it counts, as in the synthetic truth.
    expect(flagsOf(child(), [person('F', { lostContacts: [lost('2026-03-31')] }), dead('M')])).toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
    const short = flagsOf(child(), [person('F', { lostContacts: [lost('2026-04-01')] }), dead('M')]);
    expect(short).not.toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
    expect(short).toContain('WATCH:THRESHOLD_PENDING:DE_FACTO');
    expect(flagsOf(child(), [person('F', { lostContacts: [lost('2026-04-01')] }), dead('M')], profile({ lostContact: { minMonths: 3 } }))).toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
  });

  it('a report found by T does not count; found after T it still does', () => {
    expect(flagsOf(child(), [person('F', { lostContacts: [lost('2025-01-01', '2026-09-30')] }), dead('M')]).filter((f) => f.startsWith('ADD'))).toEqual([]);
    expect(flagsOf(child(), [person('F', { lostContacts: [lost('2025-01-01', '2026-10-01')] }), dead('M')])).toContain('ADD:PARENTS_QUALIFY:DE_FACTO');
  });

  it('a recorded 失联 found again after the recorded date removes the registration (PARENT_REAPPEARED) with the report as evidence', () => {
    const reg = [registry({ category: 'DE_FACTO', subtype: null, father: { personId: 'F', status: 'LOST_CONTACT', since: '2023-01-01' }, mother: { personId: 'M', status: 'DEAD', since: '2020-01-01' } })];
    const r = run(child({ registry: reg }), [person('F', { lostContacts: [lost('2023-01-01', '2026-08-15')] }), dead('M')]).flags.find((f) => f.flag === 'REMOVE')!;
    expect(r).toMatchObject({ reason: 'PARENT_REAPPEARED', effectiveFrom: '2026-09-01' });
    expect(r.evidence.some((e) => e.feed === 'lost_contact' && e.role === 'father')).toBe(true);
    // A second, open report: still lost.
    const reported = person('F', { lostContacts: [lost('2023-01-01', '2024-02-01'), lost('2024-06-01')] });
    expect(flagsOf(child({ registry: reg }), [reported, dead('M')]).filter((f) => f.startsWith('REMOVE'))).toEqual([]);
  });
});

describe('issue 17 item 8: a recorded 失联 with no start date', () => {
  const reg = (startDate: string | null) => [
    registry({ category: 'DE_FACTO', subtype: null, startDate, father: { personId: 'F', status: 'LOST_CONTACT', since: null }, mother: { personId: 'M', status: 'NORMAL', since: null } }),
  ];

  it('counts from the registry start date: no REMOVE when the other parent dies, the URGENT says the date was assumed', () => {
    const { flags, trace } = run(child({ registry: reg('2024-01-01') }), [person('F'), dead('M', '2026-09-01')]);
    expect(flags.map((f) => `${f.flag}:${f.reason}`)).toEqual(['URGENT:PARENT_EVENT_NO_CARER']);
    expect(flags[0]!.params).toMatchObject({ assumed: { lostContactSince: { 父亲: '2024-01-01' } } });
    expect(explainFlagLines(flags[0]!).join('\n')).toContain('失联起始日期（登记时未填，按纳入保障日期计） · 父亲 2024-01-01');
    expect(trace.join('\n')).toContain('登记的“失联”未填起始日期，按纳入保障日期 2024-01-01 起计');
  });

  it('a registration begun less than lostContact.minMonths before T: the months are not there yet, and the REMOVE says the date was assumed', () => {
    const { flags } = run(child({ registry: reg('2026-06-01') }), [person('F'), dead('M', '2026-09-01')]);
    const r = flags.find((f) => f.flag === 'REMOVE')!;
    expect(r.reason).toBe('BASIS_NO_LONGER_HOLDS');
    expect(r.params).toMatchObject({ assumed: { lostContactSince: { 父亲: '2026-06-01' } } });
  });

  it('with no start date at all the verified status stands', () => {
    const { flags, trace } = run(child({ registry: reg(null) }), [person('F'), dead('M', '2026-09-01')]);
    expect(flags.filter((f) => f.flag === 'REMOVE')).toEqual([]);
    expect(trace.join('\n')).toContain('也没有纳入保障日期：按登记的情况认定');
  });
});

describe('illness: SEVERE_ILL by the seriousIllness.codes list', () => {
  it('a listed disease of the child diagnosed by T is DIFFICULTY_SELF CHILD_SERIOUSLY_ILL; diagnosed after T it is not', () => {
    const healthy = [person('F'), person('M')];
    expect(flagsOf(child({}, { illnesses: [illness('C91.0', T)] }), healthy)).toEqual(['ADD:CHILD_SERIOUSLY_ILL:DIFFICULTY_SELF']);
    expect(flagsOf(child({}, { illnesses: [illness('C91.0', '2026-10-01')] }), healthy)).toEqual([]);
  });

  it('codes, prefixes and ranges: C95.9 and Q21.0 are listed, C96 and an unlisted J45 are not (the trace says why); the profile can list J45', () => {
    const healthy = [person('F'), person('M')];
    expect(flagsOf(child({}, { illnesses: [illness('C95.9')] }), healthy)).toEqual(['ADD:CHILD_SERIOUSLY_ILL:DIFFICULTY_SELF']);
    expect(flagsOf(child({}, { illnesses: [illness('q21.0')] }), healthy)).toEqual(['ADD:CHILD_SERIOUSLY_ILL:DIFFICULTY_SELF']);
    expect(flagsOf(child({}, { illnesses: [illness('C96.0')] }), healthy)).toEqual([]);
    const asthma = child({}, { illnesses: [illness('J45.901', '2025-05-01', '哮喘')] });
    const { flags, trace } = run(asthma, healthy);
    expect(flags).toEqual([]);
    expect(trace.join('\n')).toContain('疾病 J45.901 哮喘 不在重病病种目录（seriousIllness.codes）中，不计为重病');
    expect(flagsOf(asthma, healthy, profile({ seriousIllness: { codes: ['J45'] } }))).toEqual(['ADD:CHILD_SERIOUSLY_ILL:DIFFICULTY_SELF']);
  });

  it('the default list holds the diseases the synthetic province counts (C91.0, C92.0, Q21.0, N18.5) and none it does not (J45.9, J18.9, K35.8, S52.5)', () => {
    const added = (code: string) => flagsOf(child({}, { illnesses: [illness(code)] }), [person('F'), person('M')]);
    expect(LISTED_ILLNESSES.map(([c]) => c)).toEqual(['C91.0', 'C92.0', 'Q21.0', 'N18.5']);
    for (const [code] of LISTED_ILLNESSES) expect(added(code), code).toEqual(['ADD:CHILD_SERIOUSLY_ILL:DIFFICULTY_SELF']);
    expect(UNLISTED_ILLNESSES.map(([c]) => c)).toEqual(['J45.9', 'J18.9', 'K35.8', 'S52.5']);
    for (const [code] of UNLISTED_ILLNESSES) expect(added(code), code).toEqual([]);
  });

  it('a seriously ill parent is in Q: with the other parent dead the child is DE_FACTO; an unlisted illness is nothing', () => {
    expect(flagsOf(child(), [person('F', { illnesses: [illness('N18.5')] }), dead('M')]).map((f) => f.split(':').slice(0, 1).concat(f.split(':')[2]!).join(':'))).toEqual(['ADD:DE_FACTO']);
    expect(flagsOf(child(), [person('F', { illnesses: [illness('N18.3')] }), dead('M')])).toEqual([]);
  });
});

describe('hiv: HIV_POSITIVE, CHILD_HIV (need-to-know)', () => {
  it('an HIV record confirmed by T proposes the child as HIV, citing only its HIV record; confirmed after T, nothing', () => {
    const [add] = run(child({}, { hiv: [hiv(T)] }), [person('F', { lostContacts: [lost('2020-01-01')] }), person('M')]).flags;
    expect(add).toMatchObject({ flag: 'ADD', reason: 'CHILD_HIV', category: 'HIV', effectiveFrom: '2026-10-01' });
    expect(add!.evidence.map((e) => [e.feed, e.role])).toEqual([['hiv', 'child']]);
    expect(add!.params).toEqual({});
    expect(flagsOf(child({}, { hiv: [hiv('2026-10-01')] }), [person('F'), person('M')])).toEqual([]);
  });

  it('not for a child active as ORPHAN or DE_FACTO (same rate); a child active in a weaker category is proposed HIV (ADD), not reclassified', () => {
    const orphan = [registry({ father: { personId: 'F', status: 'DEAD', since: '2020-01-01' }, mother: { personId: 'M', status: 'DEAD', since: '2020-01-01' } })];
    expect(flagsOf(child({ registry: orphan }, { hiv: [hiv('2025-01-01')] }), [])).toEqual([]);
    const deFacto = [registry({ category: 'DE_FACTO', subtype: null, father: { personId: 'F', status: 'DEAD', since: '2020-01-01' }, mother: { personId: 'M', status: 'INCARCERATED', since: '2024-01-01' } })];
    expect(flagsOf(child({ registry: deFacto }, { hiv: [hiv('2025-01-01')] }), [])).toEqual([]);
    const leftBehind = [registry({ category: 'LEFT_BEHIND', subtype: null })];
    expect(flagsOf(child({ registry: leftBehind }, { hiv: [hiv('2025-01-01')] }), [person('F'), person('M')])).toEqual(['ADD:CHILD_HIV:HIV']);
    // An active HIV registration is checked by age and death only: no REMOVE for want of a record.
    expect(flagsOf(child({ registry: [registry({ category: 'HIV', subtype: null })] }), [person('F'), person('M')])).toEqual([]);
  });

  it('HIV is outside the category order: a child qualifying DE_FACTO is proposed DE_FACTO (no HIV evidence) and, apart, HIV; once active as DE_FACTO, HIV is not proposed', () => {
    const parents = [dead('F', '2022-01-10'), person('M', { judgments: [judgment('GUARDIANSHIP_REVOKED', '2023-05-06')] })];
    const flags = run(child({}, { hiv: [hiv('2024-02-02')] }), parents).flags;
    expect(flags.map((f) => `${f.flag}:${f.reason}:${f.category}`)).toEqual(['ADD:PARENTS_QUALIFY:DE_FACTO', 'ADD:CHILD_HIV:HIV']);
    expect(flags[0]!.evidence.some((e) => e.feed === 'hiv')).toBe(false);
    expect(flags[1]!.evidence.map((e) => e.feed)).toEqual(['hiv']);
    expect(flags[1]!.effectiveFrom).toBe('2024-03-01');
    const deFacto = [registry({ category: 'DE_FACTO', subtype: null, father: { personId: 'F', status: 'DEAD', since: '2022-01-10' }, mother: { personId: 'M', status: 'GUARDIANSHIP_REVOKED', since: '2023-05-06' } })];
    expect(flagsOf(child({ registry: deFacto }, { hiv: [hiv('2024-02-02')] }), parents)).toEqual([]);
  });

  it('every flag that cites an HIV record is of the HIV category (what need-to-know hides rests on it)', () => {
    const cases: [ChildFacts, PersonFacts[]][] = [
      [child({}, { hiv: [hiv('2025-01-01')] }), [dead('F', '2026-09-01'), person('M', { lostContacts: [lost('2020-01-01')] })]],
      [child({ registry: [registry({ category: 'DIFFICULTY_SELF', subtype: null })] }, { hiv: [hiv('2025-01-01')], illnesses: [illness('C91.0')] }), [person('F'), person('M')]],
      [child({ birthDate: '2008-09-15' }, { hiv: [hiv('2025-01-01')] }), [person('F'), person('M')]],
    ];
    let cited = 0;
    for (const [c, people] of cases) {
      for (const f of run(c, people).flags) {
        if (f.evidence.some((e) => e.feed === 'hiv')) {
          cited++;
          expect(f.category).toBe('HIV');
        }
      }
    }
    expect(cited).toBeGreaterThan(0);
  });
});

describe('social_assistance: POOR_HOUSEHOLD, POOR_FAMILY, POVERTY_ENDED', () => {
  const healthy = [person('F'), person('M')];

  it('an open 低保 row of the child is DIFFICULTY_FAMILY POOR_FAMILY; a row closed before T, or starting after T, is not', () => {
    expect(flagsOf(child({}, { assistance: [assistance()] }), healthy)).toEqual(['ADD:POOR_FAMILY:DIFFICULTY_FAMILY']);
    expect(flagsOf(child({}, { assistance: [assistance({ end: '2026-10-01' })] }), healthy)).toEqual(['ADD:POOR_FAMILY:DIFFICULTY_FAMILY']);
    expect(flagsOf(child({}, { assistance: [assistance({ end: T })] }), healthy)).toEqual([]);
    expect(flagsOf(child({}, { assistance: [assistance({ end: '2026-06-30' })] }), healthy)).toEqual([]);
    expect(flagsOf(child({}, { assistance: [assistance({ start: '2026-10-01' })] }), healthy)).toEqual([]);
  });

  it('difficulty.povertyTypes decides the types (低保边缘 not by default) and difficulty.povertyCounts can turn it off', () => {
    const edge = child({}, { assistance: [assistance({ type: 'DIBAO_EDGE' })] });
    expect(flagsOf(edge, healthy)).toEqual([]);
    expect(flagsOf(edge, healthy, profile({ difficulty: { povertyTypes: ['DIBAO', 'TEKUN', 'DIBAO_EDGE'] } }))).toEqual(['ADD:POOR_FAMILY:DIFFICULTY_FAMILY']);
    expect(flagsOf(child({}, { assistance: [assistance({ type: 'TEKUN' })] }), healthy, profile({ difficulty: { povertyCounts: false } }))).toEqual([]);
  });

  it("a parent's open 特困 row counts for a child in the same household, not for a child of another", () => {
    const father = person('F', { assistance: [assistance({ relation: 'HEAD', type: 'TEKUN', householdId: 'H1' })] });
    const inHousehold = child({}, { assistance: [assistance({ type: 'DIBAO_EDGE', householdId: 'H1' })] });
    const [add] = run(inHousehold, [father, person('M')]).flags;
    expect(add).toMatchObject({ flag: 'ADD', reason: 'POOR_FAMILY', category: 'DIFFICULTY_FAMILY' });
    expect(add!.evidence.map((e) => [e.feed, e.role])).toEqual([['social_assistance', 'father']]);
    expect(flagsOf(child({}, { assistance: [assistance({ type: 'DIBAO_EDGE', householdId: 'H2' })] }), [father, person('M')])).toEqual([]);
    expect(flagsOf(child(), [father, person('M')])).toEqual([]);
  });

  it('a registered 家庭困境 child whose 低保 row closed before T is removed: POVERTY_ENDED from the month after', () => {
    const reg = [registry({ category: 'DIFFICULTY_FAMILY', subtype: null, startDate: '2024-01-01' })];
    const r = run(child({ registry: reg }, { assistance: [assistance({ end: '2026-06-30' })] }), healthy).flags.find((f) => f.flag === 'REMOVE')!;
    expect(r).toMatchObject({ reason: 'POVERTY_ENDED', effectiveFrom: '2026-07-01', overpaidMonths: 3 });
    expect(r.evidence.map((e) => e.feed)).toContain('social_assistance');
    // Still open: no REMOVE (the registered 低保 children are no longer removed for want of evidence).
    expect(flagsOf(child({ registry: reg }, { assistance: [assistance()] }), healthy)).toEqual([]);
    // Closed before the registration began: not what ended it.
    expect(flagsOf(child({ registry: reg }, { assistance: [assistance({ end: '2023-12-31' })] }), healthy)).toEqual(['REMOVE:BASIS_NO_LONGER_HOLDS:DIFFICULTY_FAMILY']);
  });
});
