// The ground truth of the issue-15 statuses and reasons (synth/rules.ts, written from RULES.md):
// each on a hand-made world, with dates on either side of T.
import { describe, expect, it } from 'vitest';
import { parseIsoDay } from '../../synth/dates.js';
import { World, type AssistanceType, type Category, type JudgmentType, type ParentLink, type ParentStatus, type Person } from '../../synth/model.js';
import { Rules, type TruthFlag } from '../../synth/rules.js';
import { Noiser, noiseSchema } from '../../synth/noise.js';
import { Rng } from '../../synth/rng.js';

const T = parseIsoDay('2026-09-30');
const d = (s: string) => parseIsoDay(s);

/** A world with one family per case: father, mother, child (born 2021). */
class Case {
  readonly w = new World(T);
  private n = 0;
  person(birth: string): Person {
    const p: Person = { pid: this.w.persons.length + 1, id: `4401062015010${String(++this.n).padStart(4, '0')}X`, name: `人${this.n}`, g: 1, birth: d(birth), county: '440106' };
    this.w.persons.push(p);
    return p;
  }
  family() {
    const father = this.person('1985-01-01');
    const mother = this.person('1987-01-01');
    // Under school age: a registered child raises no EDUCATION flag here.
    const child = this.person('2021-06-01');
    this.w.families.set(child.pid, { father: father.pid, mother: mother.pid });
    return { father, mother, child };
  }
  /** Not in the registry: a candidate (as the school roll or its own record would make it). */
  candidate() {
    const f = this.family();
    this.w.candidates.add(f.child.pid);
    return f;
  }
  register(child: Person, category: Category, father: ParentLink, mother: ParentLink) {
    this.w.reg.push({ ref: `ET${child.pid}`, child: child.pid, category, label: '', status: '在保', basis: '', start: d('2020-01-01'), lastPaid: T, region: '440106', father, mother, carer: null, scenario: 'test' });
  }
  link = (p: Person, status: ParentStatus, since: string | null): ParentLink => ({ pid: p.pid, status, since: since === null ? null : d(since) });
  dies(p: Person, day: string) {
    this.w.deathDay.set(p.pid, d(day));
  }
  judge(p: Person, type: JudgmentType, day: string) {
    this.w.judgments.push({ pid: p.pid, type, date: d(day), effective: null, court: '法院', caseNo: `${p.pid}-${type}-${day}` });
  }
  roll(household: string, members: Person[], type: AssistanceType, start: string, end: string | null) {
    for (const p of members) this.w.assistance.push({ household, pid: p.pid, relation: '', type, start: d(start), end: end === null ? null : d(end), region: '440106', amount: 0 });
  }
  flags(child: Person): Pick<TruthFlag, 'flag' | 'reason' | 'category' | 'effective_from'>[] {
    return new Rules(this.w)
      .compute()
      .filter((f) => f.child_id_number === child.id)
      .map(({ flag, reason, category, effective_from }) => ({ flag, reason, category, effective_from }));
  }
}

describe('synth truth of the issue-15 statuses', () => {
  it('a declaration of missing revoked by T ends the orphan status (PARENT_REAPPEARED); revoked after T it holds', () => {
    for (const [revoked, expected] of [
      ['2026-09-30', [{ flag: 'REMOVE', reason: 'PARENT_REAPPEARED', category: 'ORPHAN', effective_from: '2026-10-01' }]],
      ['2026-10-01', []],
    ] as const) {
      const c = new Case();
      const { father, mother, child } = c.family();
      c.dies(father, '2019-03-01');
      c.judge(mother, '宣告失踪', '2020-05-01');
      c.judge(mother, '撤销失踪宣告', revoked);
      c.register(child, 'ORPHAN', c.link(father, '死亡', '2019-03-01'), c.link(mother, '失踪', '2020-05-01'));
      expect(c.flags(child), revoked).toEqual(expected);
    }
  });

  it('a court declaration of missing or of death makes a parent GONE; a later judgment undoes an earlier one', () => {
    const c = new Case();
    const a = c.candidate();
    c.dies(a.father, '2019-03-01');
    c.judge(a.mother, '宣告死亡', '2021-02-03');
    const b = c.candidate();
    c.dies(b.father, '2019-03-01');
    c.judge(b.mother, '宣告失踪', '2021-02-03');
    c.judge(b.mother, '撤销失踪宣告', '2022-01-01');
    expect(c.flags(a.child)).toEqual([{ flag: 'ADD', reason: 'BOTH_PARENTS_GONE', category: 'ORPHAN', effective_from: '2021-03-01' }]);
    expect(c.flags(b.child)).toEqual([]);
  });

  it('guardianship revoked is a Q status until restored (GUARDIANSHIP_RESTORED); revoked again after restoring, it holds', () => {
    const restored = new Case();
    const r = restored.family();
    restored.dies(r.mother, '2018-01-01');
    restored.judge(r.father, '撤销监护人资格', '2021-04-01');
    restored.judge(r.father, '恢复监护人资格', '2026-07-15');
    restored.register(r.child, 'DE_FACTO', restored.link(r.father, '撤销监护资格', '2021-04-01'), restored.link(r.mother, '死亡', '2018-01-01'));
    expect(restored.flags(r.child)).toEqual([{ flag: 'REMOVE', reason: 'GUARDIANSHIP_RESTORED', category: 'DE_FACTO', effective_from: '2026-08-01' }]);

    const again = new Case();
    const g = again.candidate();
    again.dies(g.mother, '2018-01-01');
    again.judge(g.father, '撤销监护人资格', '2021-04-01');
    again.judge(g.father, '恢复监护人资格', '2023-07-15');
    again.judge(g.father, '撤销监护人资格', '2025-02-10');
    expect(again.flags(g.child)).toEqual([{ flag: 'ADD', reason: 'PARENTS_QUALIFY', category: 'DE_FACTO', effective_from: '2025-03-01' }]);
  });

  it('lost contact: six months reached on T qualifies, a day later is WATCH, found by T ends it (PARENT_REAPPEARED for the registry)', () => {
    const c = new Case();
    const six = c.candidate();
    c.dies(six.mother, '2018-01-01');
    c.w.lostContacts.push({ pid: six.father.pid, report: d('2026-03-30'), found: null, reporter: '', recordId: 'L1' });
    const soon = c.candidate();
    c.dies(soon.mother, '2018-01-01');
    // (2026-03-31 + 6 months is 2026-09-30: the month's last day; the first day that reaches past T is 04-01.)
    c.w.lostContacts.push({ pid: soon.father.pid, report: d('2026-04-01'), found: null, reporter: '', recordId: 'L2' });
    const found = c.family();
    c.dies(found.mother, '2018-01-01');
    c.w.lostContacts.push({ pid: found.father.pid, report: d('2022-01-10'), found: d('2026-05-20'), reporter: '', recordId: 'L3' });
    c.register(found.child, 'DE_FACTO', c.link(found.father, '失联', '2022-01-10'), c.link(found.mother, '死亡', '2018-01-01'));
    expect(c.flags(six.child)).toEqual([{ flag: 'ADD', reason: 'PARENTS_QUALIFY', category: 'DE_FACTO', effective_from: '2026-10-01' }]);
    expect(c.flags(soon.child)).toEqual([{ flag: 'WATCH', reason: 'THRESHOLD_PENDING', category: 'DE_FACTO', effective_from: '2026-10-01' }]);
    expect(c.flags(found.child)).toEqual([{ flag: 'REMOVE', reason: 'PARENT_REAPPEARED', category: 'DE_FACTO', effective_from: '2026-06-01' }]);
  });

  it('a listed illness by T makes DIFFICULTY_SELF (CHILD_SERIOUSLY_ILL); an unlisted one, or one diagnosed after T, does not', () => {
    const c = new Case();
    const cases = [
      ['C91.0', '2025-03-04', [{ flag: 'ADD', reason: 'CHILD_SERIOUSLY_ILL', category: 'DIFFICULTY_SELF', effective_from: '2025-04-01' }]],
      ['J45.9', '2025-03-04', []],
      ['C91.0', '2026-10-01', []],
    ] as const;
    const children = cases.map(([code, day]) => {
      const f = c.candidate();
      c.w.illnesses.push({ pid: f.child.pid, code, name: '', diagnosis: d(day), hospital: '', recordId: `I${f.child.pid}` });
      return f.child;
    });
    cases.forEach(([, , expected], i) => expect(c.flags(children[i]!)).toEqual(expected));
  });

  it('an HIV child is proposed for adding, unless active as ORPHAN', () => {
    const c = new Case();
    const a = c.candidate();
    c.w.hivRecords.push({ pid: a.child.pid, confirm: d('2024-02-02'), region: '440106', recordId: 'H1' });
    const o = c.family();
    c.dies(o.father, '2019-01-01');
    c.dies(o.mother, '2019-02-01');
    c.register(o.child, 'ORPHAN', c.link(o.father, '死亡', '2019-01-01'), c.link(o.mother, '死亡', '2019-02-01'));
    c.w.hivRecords.push({ pid: o.child.pid, confirm: d('2024-02-02'), region: '440106', recordId: 'H2' });
    expect(c.flags(a.child)).toEqual([{ flag: 'ADD', reason: 'CHILD_HIV', category: 'HIV', effective_from: '2024-03-01' }]);
    expect(c.flags(o.child)).toEqual([]);
  });

  it('a declaration of missing within urgent.windowDays, the other parent dead, is URGENT and the truth says the event was MISSING', () => {
    const c = new Case();
    const f = c.candidate();
    c.dies(f.father, '2022-01-10');
    c.judge(f.mother, '宣告失踪', '2026-08-01');
    const old = c.candidate();
    c.dies(old.father, '2022-01-10');
    c.judge(old.mother, '宣告失踪', '2026-06-29'); // 93 days before T: outside the window
    const urgent = (p: Person) => new Rules(c.w).compute().filter((x) => x.child_id_number === p.id && x.flag === 'URGENT').map((x) => [x.reason, x.event, x.effective_from]);
    expect(urgent(f.child)).toEqual([['PARENT_EVENT_NO_CARER', 'MISSING', '2026-08-01']]);
    expect(urgent(old.child)).toEqual([]);
    expect(c.flags(old.child)).toEqual([{ flag: 'ADD', reason: 'BOTH_PARENTS_GONE', category: 'ORPHAN', effective_from: '2026-07-01' }]);
  });

  it('HIV is outside the category order (RULES.md §2): a candidate qualifying DE_FACTO is proposed DE_FACTO and HIV; an active weaker category is proposed HIV, not reclassified', () => {
    const c = new Case();
    const df = c.candidate();
    c.dies(df.father, '2022-01-10');
    c.judge(df.mother, '撤销监护人资格', '2023-05-06');
    c.w.hivRecords.push({ pid: df.child.pid, confirm: d('2024-02-02'), region: '440106', recordId: 'H1' });
    const lb = c.family();
    c.register(lb.child, 'LEFT_BEHIND', c.link(lb.father, '正常', null), c.link(lb.mother, '正常', null));
    c.w.hivRecords.push({ pid: lb.child.pid, confirm: d('2024-02-02'), region: '440106', recordId: 'H2' });
    expect(c.flags(df.child)).toEqual([
      { flag: 'ADD', reason: 'PARENTS_QUALIFY', category: 'DE_FACTO', effective_from: '2023-06-01' },
      { flag: 'ADD', reason: 'CHILD_HIV', category: 'HIV', effective_from: '2024-03-01' },
    ]);
    expect(c.flags(lb.child)).toEqual([{ flag: 'ADD', reason: 'CHILD_HIV', category: 'HIV', effective_from: '2024-03-01' }]);
  });

  it('a 低保 or 特困 roll open at T (a parent’s, the child in the household) is POOR_FAMILY; closed before T, or 低保边缘, is not; a registered family that left it is POVERTY_ENDED', () => {
    const c = new Case();
    const open = c.candidate();
    c.roll('H1', [open.father, open.child], '特困', '2023-05-06', null);
    const parentOnly = c.candidate();
    c.roll('H2', [parentOnly.mother], '低保', '2023-05-06', null);
    c.roll('H2', [parentOnly.child], '低保', '2023-05-06', '2024-01-01');
    const closed = c.candidate();
    c.roll('H3', [closed.father, closed.child], '低保', '2023-05-06', '2026-09-29');
    const edge = c.candidate();
    c.roll('H4', [edge.father, edge.child], '低保边缘', '2023-05-06', null);
    const left = c.family();
    c.roll('H5', [left.father, left.mother, left.child], '低保', '2021-05-06', '2026-08-10');
    c.register(left.child, 'DIFFICULTY_FAMILY', c.link(left.father, '正常', null), c.link(left.mother, '正常', null));
    expect(c.flags(open.child)).toEqual([{ flag: 'ADD', reason: 'POOR_FAMILY', category: 'DIFFICULTY_FAMILY', effective_from: '2023-06-01' }]);
    expect(c.flags(parentOnly.child)).toEqual([{ flag: 'ADD', reason: 'POOR_FAMILY', category: 'DIFFICULTY_FAMILY', effective_from: '2023-06-01' }]);
    expect(c.flags(closed.child)).toEqual([]);
    expect(c.flags(edge.child)).toEqual([]);
    expect(c.flags(left.child)).toEqual([{ flag: 'REMOVE', reason: 'POVERTY_ENDED', category: 'DIFFICULTY_FAMILY', effective_from: '2026-09-01' }]);
  });
});

describe('synth noise on IDs that carry the only birth date', () => {
  it("a social-assistance row's ID (scope mild-birth) is mistyped or transposed, never in its birth date, and never left out", () => {
    const id = '441623202304148094';
    const zero = Object.fromEntries(Object.keys(noiseSchema.shape).map((k) => [k, 0]));
    for (const [rates, kind] of [[{ idDigit: 1 }, 'id_digit'], [{ idTranspose: 1 }, 'id_transpose']] as const) {
      const noiser = new Noiser(noiseSchema.parse({ ...zero, ...rates }), new Rng(5));
      let changed = 0;
      for (let k = 0; k < 400; k++) {
        const [v, t] = noiser.id(id, { xlsx: false, scope: 'mild-birth' });
        if (t === null) continue;
        expect(t).toBe(kind);
        expect(String(v).slice(6, 14)).toBe('20230414');
        if (v !== id) changed++;
      }
      expect(changed).toBeGreaterThan(300);
    }
    const missing = new Noiser(noiseSchema.parse({ ...zero, idMissing: 1 }), new Rng(5));
    expect(missing.id(id, { xlsx: false, scope: 'mild-birth' })).toEqual([id, null]);
  });
});
