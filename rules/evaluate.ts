// The predicates of RULES.md §1–§3 for one child, with every threshold taken from the rule profile.
// Each decision is traced (which predicate held, on which evidence, with which parameter) so that
// `bidui rules explain` and the review queue can show it.
import type { RuleProfile } from '../config/index.js';
import { CATEGORY_RANK, categoryLabel, flagLabel, reasonLabel, type Category, type FlagType } from './vocabulary.js';
import {
  addDays,
  addMonths,
  ageAt,
  birthday,
  daysBetween,
  firstOfNextMonth,
  lastMonthDayBefore,
  maxDate,
  minDate,
  monthEndAfter,
  monthsInclusive,
} from './dates.js';
import {
  EMPTY_FACTS,
  throughNameOnlyLink,
  type AssistanceRecord,
  type CertificateRecord,
  type ChildFacts,
  type Evidence,
  type IllnessRecord,
  type JudgmentRecord,
  type JudgmentType,
  type PersonFacts,
  type RecordedParent,
  type RegistryRecord,
  type RestrictionRecord,
} from './facts.js';

export interface RaisedFlag {
  flag: FlagType;
  reason: string;
  category: string | null;
  previousCategory: string | null;
  effectiveFrom: string | null;
  overpaidMonths: number | null;
  /** The registry row the flag is about (its child_ref and county), when there is one. */
  registry: RegistryRecord | null;
  evidence: (Evidence & { role: string })[];
  /** The profile parameters the decision used. */
  params: Record<string, unknown>;
}

export interface Evaluation {
  flags: RaisedFlag[];
  trace: string[];
}

const RESTRICTING = new Set(['INCARCERATED', 'COMPULSORY_REHAB', 'OTHER_RESTRICTION']);

/** An ICD-10 code or list entry as compared: upper case, without dots and spaces. */
const icd = (code: string) => code.normalize('NFKC').toUpperCase().replace(/[\s.]/g, '');

/**
 * Whether a disease code is on the list (`seriousIllness.codes`): an entry is a code or a code
 * prefix ("C50" holds C50.9, "N18.5" holds N18.500) or a range of them ("C91-C95").
 */
export function onIllnessList(code: string | null, list: readonly string[]): boolean {
  if (!code) return false;
  const c = icd(code);
  return list.some((entry) => {
    const [lo, hi] = entry.split('-').map(icd) as [string, string | undefined];
    if (hi === undefined) return c.startsWith(lo);
    return c.slice(0, lo.length) >= lo && c.slice(0, hi.length) <= hi;
  });
}

/** Pairs of judgments (FEEDS.md court): the second undoes the first. */
const JUDGMENT_PAIRS: [declare: JudgmentType, undo: JudgmentType][] = [
  ['DECLARED_DEAD', 'DEATH_REVOKED'],
  ['DECLARED_MISSING', 'MISSING_REVOKED'],
  ['GUARDIANSHIP_REVOKED', 'GUARDIANSHIP_RESTORED'],
];
const JUDGMENT_WORDS: Readonly<Record<JudgmentType, string>> = {
  DECLARED_DEAD: '宣告死亡',
  DEATH_REVOKED: '撤销死亡宣告',
  DECLARED_MISSING: '宣告失踪',
  MISSING_REVOKED: '撤销失踪宣告',
  GUARDIANSHIP_REVOKED: '撤销监护人资格',
  GUARDIANSHIP_RESTORED: '恢复监护人资格',
};
const ASSISTANCE_WORDS: Readonly<Record<string, string>> = { DIBAO: '低保', TEKUN: '特困', DIBAO_EDGE: '低保边缘' };

/** A parent's standing at T. */
export interface ParentState {
  known: boolean;
  gone: boolean;
  goneSince: string | null;
  /** In Q (and not GONE). */
  q: boolean;
  qSince: string | null;
  /** SEVERE_DISABLED or SEVERE_ILL at the levels of the profile's family-difficulty rule. */
  familySevere: boolean;
  familySevereSince: string | null;
  /** A Q status that reaches its month threshold within the watch horizon. */
  pending: string | null;
  /** A recorded status that no longer holds, with the reason code and date. */
  ended: { reason: string; date: string } | null;
  /** A new death or restriction within the urgent window. */
  urgentEvent: string | null;
  /** For URGENT: the parent cannot care (GONE, in Q, restricted from its start, lost, or unknown). */
  notPresent: boolean;
  evidence: (Evidence & { role: string })[];
  /** The parent's social-assistance rows (a child in the same household is in a POOR_HOUSEHOLD). */
  assistance: AssistanceRecord[];
  /** A recorded 失联 without a start date, counted from this date (the registry's start date; RULES.md §1). */
  assumedLostSince: string | null;
  /** What the optional feeds and undated statuses said, in words, for the trace. */
  notes: string[];
}

/** A child-level qualification (RULES.md §2) with the records it rests on. */
export interface ChildStatus {
  holds: boolean;
  since: string | null;
  evidence: (Evidence & { role: string })[];
  /** A status that held and no longer does (a closed 低保 row): when it ended. */
  endedAt: string | null;
  notes: string[];
}

export class RuleContext {
  readonly horizon: string;
  readonly schoolAgeDay: string;
  /**
   * `missingFeeds`: expected feeds of which no file arrived for the quarter; a flag that rests on the
   * absence of their records is not raised (RULES.md §3, feeds not delivered).
   */
  constructor(
    readonly T: string,
    readonly profile: RuleProfile,
    readonly missingFeeds: readonly string[] = [],
  ) {
    this.horizon = monthEndAfter(T, profile.watch.horizonMonths);
    this.schoolAgeDay = lastMonthDayBefore(T, profile.education.ageReferenceDay);
  }

  severe(c: CertificateRecord, levels: { anyType: number[]; mentalIntellectual: number[] }): boolean {
    return (c.type === 5 || c.type === 6 ? levels.mentalIntellectual : levels.anyType).includes(c.level);
  }

  certValid(c: CertificateRecord): boolean {
    if (c.issue !== null && c.issue > this.T) return false;
    return !(c.status === 'CANCELLED' && (c.statusDate === null || c.statusDate <= this.T));
  }

  /** Whether a restriction counts at T: held, since when, or when it will. */
  restriction(r: RestrictionRecord): { holds: boolean; since: string | null; pending: string | null } {
    const no = { holds: false, since: null, pending: null };
    const T = this.T;
    if (!RESTRICTING.has(r.measure) || r.start > T) return no;
    if (r.release !== null && r.release <= T) return no;
    const min = this.profile.restriction.minMonths;
    const reach = addMonths(r.start, min);
    const measure = r.measure === 'OTHER_RESTRICTION' ? this.profile.restriction.measure : 'term';
    if (measure === 'remaining') {
      // What remains after T must reach the threshold; an open end counts as remaining.
      return r.end === null || addMonths(T, min) <= r.end ? { holds: true, since: r.start, pending: null } : no;
    }
    if (measure === 'term' && r.end !== null) return reach <= r.end ? { holds: true, since: r.start, pending: null } : no;
    // Time served (also a term with no known end).
    if (reach <= T) return { holds: true, since: reach, pending: null };
    return { holds: false, since: null, pending: reach <= this.horizon ? reach : null };
  }

  /**
   * A parent's standing at T. `basisFrom`: the registry's start date of the child's active
   * registration, from which an undated recorded 失联 counts and after which a feed record that
   * ended a status (a revoked declaration, a lost contact found, guardianship restored) can be what
   * ended the registration's basis.
   */
  parentState(role: string, facts: PersonFacts | null, recorded: RecordedParent | null, basisFrom: string | null = null): ParentState {
    const T = this.T;
    const p = this.profile;
    const s: ParentState = {
      known: facts !== null,
      gone: false,
      goneSince: null,
      q: false,
      qSince: null,
      familySevere: false,
      familySevereSince: null,
      pending: null,
      ended: null,
      urgentEvent: null,
      notPresent: false,
      evidence: [],
      assistance: facts?.assistance ?? [],
      assumedLostSince: null,
      notes: [],
    };
    const gone = (d: string | null) => {
      s.gone = true;
      s.goneSince = minDate(s.goneSince, d) ?? d;
    };
    const q = (d: string | null) => {
      s.q = true;
      s.qSince = minDate(s.qSince, d) ?? d;
    };
    const familySevere = (d: string | null) => {
      s.familySevere = true;
      s.familySevereSince = minDate(s.familySevereSince, d) ?? d;
    };
    const cite = (e: Evidence) => s.evidence.push({ ...e, role });
    const status = recorded?.status ?? 'NORMAL';
    const since = recorded?.since ?? null;
    // A recorded death or restriction dated within the window is a new event too. A recorded 失踪 is not:
    // RULES.md §1 dates MISSING by the court's declaration (宣告失踪, the court feed), which is the event §3 counts.
    const recordedEvent = () => {
      if (since !== null && since <= T && daysBetween(since, T) <= p.urgent.windowDays) s.urgentEvent = maxDate(s.urgentEvent, since);
    };
    const restrictions = facts?.restrictions ?? [];
    const certs = facts?.certificates ?? [];

    const judgments = [...(facts?.judgments ?? [])].filter((j) => j.judgmentDate <= T).sort((a, b) => a.judgmentDate.localeCompare(b.judgmentDate));
    const lostReports = (facts?.lostContacts ?? []).filter((l) => l.report <= T);
    const openLost = lostReports.filter((l) => l.found === null || l.found > T);
    const foundAgain = openLost.length ? [] : lostReports.filter((l) => l.found !== null && l.found <= T);
    /** The latest judgment of a pair by T: the declaration holds when it is the latest. */
    const latestOf = (pair: [JudgmentType, JudgmentType]) => judgments.filter((j) => pair.includes(j.type)).at(-1) ?? null;
    /** The undoing judgment of a pair when it is the latest (a recorded status needs no declaration in the feed). */
    const undone = (pair: [JudgmentType, JudgmentType]) => {
      const last = latestOf(pair);
      return last && last.type === pair[1] ? last : null;
    };
    const judgmentWords = (j: JudgmentRecord) => `${JUDGMENT_WORDS[j.type]}（${j.judgmentDate}，案号 ${j.recordId}）`;

    // A missing or lost parent who shows up in a dated feed record after the recorded date has
    // reappeared: a restriction, a revoked declaration of missing, a lost contact found again.
    let reappeared: string | null = null;
    let reappearedBy: Evidence[] = [];
    const after = (d: string | null) => d !== null && d <= T && (since === null || d > since);
    if (['MISSING', 'NOT_FOUND', 'LOST_CONTACT'].includes(status)) {
      for (const r of restrictions) if (after(r.start)) reappeared = maxDate(reappeared, r.start);
    }
    if (['MISSING', 'NOT_FOUND'].includes(status)) {
      const j = undone(['DECLARED_MISSING', 'MISSING_REVOKED']);
      if (j && after(j.judgmentDate)) [reappeared, reappearedBy] = [maxDate(reappeared, j.judgmentDate), [j]];
    }
    if (status === 'DEAD') {
      const j = undone(['DECLARED_DEAD', 'DEATH_REVOKED']);
      if (j && after(j.judgmentDate)) [reappeared, reappearedBy] = [j.judgmentDate, [j]];
    }
    if (['MISSING', 'NOT_FOUND', 'LOST_CONTACT'].includes(status) && !openLost.length) {
      const found = foundAgain.filter((l) => after(l.found));
      if (found.length) [reappeared, reappearedBy] = [maxDate(reappeared, ...found.map((l) => l.found)), found];
    }
    const reappear = () => {
      s.ended = { reason: 'PARENT_REAPPEARED', date: reappeared! };
      reappearedBy.forEach(cite);
      s.notes.push(`登记的情况已不成立：${reappearedBy.length ? '其后的记录表明已重新出现' : '其后有限制人身自由记录，人已出现'}（${reappeared}）`);
    };
    switch (status) {
      case 'DEAD':
        if (reappeared === null) {
          gone(since);
          recordedEvent();
        } else reappear();
        break;
      case 'MISSING':
      case 'NOT_FOUND':
        if (reappeared === null) gone(since);
        else reappear();
        break;
      case 'LOST_CONTACT': {
        // RULES.md §1: an undated registry status counts from the registry's start date, and the flag says so.
        // With no date at all the verified status stands (its months cannot be counted, nor disproved).
        let from = since;
        if (from === null && basisFrom !== null) {
          from = basisFrom;
          s.assumedLostSince = basisFrom;
          s.notes.push(`登记的“失联”未填起始日期，按纳入保障日期 ${basisFrom} 起计，满 ${p.lostContact.minMonths} 个月之日为 ${addMonths(basisFrom, p.lostContact.minMonths)}`);
        } else if (from === null) s.notes.push('登记的“失联”未填起始日期，也没有纳入保障日期：按登记的情况认定');
        const reach = from === null ? null : addMonths(from, p.lostContact.minMonths);
        if (reappeared !== null) reappear();
        else {
          if (from === null || reach! <= T) q(reach);
          else if (reach! <= this.horizon) s.pending = reach;
          s.notPresent = true;
        }
        break;
      }
      case 'SEVERE_ILL':
        q(since);
        familySevere(since);
        break;
      case 'GUARDIANSHIP_REVOKED': {
        // A 恢复监护人资格 after the recorded date ends it.
        const j = undone(['GUARDIANSHIP_REVOKED', 'GUARDIANSHIP_RESTORED']);
        if (j && after(j.judgmentDate)) {
          s.ended = { reason: 'GUARDIANSHIP_RESTORED', date: j.judgmentDate };
          cite(j);
          s.notes.push(`登记的“撤销监护资格”已不成立：${judgmentWords(j)}`);
        } else q(since);
        break;
      }
      case 'DEPORTED':
        q(since);
        break;
      default:
        break;
    }

    // Court judgments (FEEDS.md court): the latest judgment of each pair by T decides; a later one
    // undoes an earlier one. A declaration of death or missing is a new GONE event for URGENT.
    const feedEnded: { reason: string; date: string; by: Evidence[] }[] = [];
    for (const pair of JUDGMENT_PAIRS) {
      const last = latestOf(pair);
      if (!last) continue;
      if (last.type === pair[0]) {
        s.notes.push(`法院判决：${judgmentWords(last)}`);
        cite(last);
        if (pair[0] === 'GUARDIANSHIP_REVOKED') q(last.judgmentDate);
        else {
          gone(last.judgmentDate);
          if (daysBetween(last.judgmentDate, T) <= p.urgent.windowDays) s.urgentEvent = maxDate(s.urgentEvent, last.judgmentDate);
        }
      } else {
        const declared = judgments.filter((j) => j.type === pair[0] && j.judgmentDate <= last.judgmentDate).at(-1);
        s.notes.push(`法院判决：${declared ? `${judgmentWords(declared)}，已被` : ''}${judgmentWords(last)}${declared ? '撤销' : ''}`);
        if (declared) feedEnded.push({ reason: pair[0] === 'GUARDIANSHIP_REVOKED' ? 'GUARDIANSHIP_RESTORED' : 'PARENT_REAPPEARED', date: last.judgmentDate, by: [declared, last] });
      }
    }

    // Lost-contact reports (FEEDS.md lost_contact): open until found; in Q once open lostContact.minMonths.
    for (const l of openLost) {
      const reach = addMonths(l.report, p.lostContact.minMonths);
      cite(l);
      s.notPresent = true;
      s.notes.push(`失联报告：自 ${l.report} 失联${l.found ? `（${l.found} 找回，晚于判定日）` : '，尚未找回'}，满 ${p.lostContact.minMonths} 个月之日为 ${reach}`);
      if (reach <= T) q(reach);
      else if (reach <= this.horizon) s.pending = minDate(s.pending, reach);
    }
    if (foundAgain.length) {
      const found = maxDate(...foundAgain.map((l) => l.found))!;
      s.notes.push(`失联报告：已于 ${found} 找回`);
      feedEnded.push({ reason: 'PARENT_REAPPEARED', date: found, by: foundAgain });
    }

    // Serious illness (FEEDS.md illness): only a disease on the profile's list counts.
    for (const r of facts?.illnesses ?? []) {
      if (r.diagnosis > T) continue;
      if (this.seriouslyIll(r)) {
        q(r.diagnosis);
        familySevere(r.diagnosis);
        cite(r);
        s.notes.push(`重病：${r.code}${r.disease ? ` ${r.disease}` : ''}（确诊 ${r.diagnosis}，在重病病种目录中）`);
      } else s.notes.push(`疾病 ${r.code ?? '（无编码）'}${r.disease ? ` ${r.disease}` : ''} 不在重病病种目录（seriousIllness.codes）中，不计为重病`);
    }

    for (const d of facts?.deaths ?? []) {
      if (d.deathDate > T) continue;
      gone(d.deathDate);
      cite(d);
      if (daysBetween(d.deathDate, T) <= p.urgent.windowDays) s.urgentEvent = maxDate(s.urgentEvent, d.deathDate);
    }

    // Disability: a valid severe certificate is SEVERE_DISABLED (in Q); the family rule may use other levels.
    let severeNow = false;
    const familyLevels = p.difficulty.parentDisabilityLevels ?? p.severeDisability;
    for (const c of certs) {
      if (!this.certValid(c)) continue;
      if (this.severe(c, p.severeDisability)) {
        severeNow = true;
        q(c.issue);
        cite(c);
      }
      if (this.severe(c, familyLevels)) familySevere(c.issue);
    }
    if (status === 'SEVERE_DISABLED') {
      // A feed record counts against the recorded status only when it is newer than it.
      const newer = certs.filter((c) => since === null || !(c.status === 'CANCELLED' && c.statusDate !== null && c.statusDate <= since));
      if (severeNow) familySevere(since);
      else if (newer.length) {
        const cancelled = newer.filter((c) => c.status === 'CANCELLED' && c.statusDate !== null && c.statusDate <= T);
        s.ended = { reason: 'PARENT_DISABILITY_ENDED', date: maxDate(...cancelled.map((c) => c.statusDate)) ?? T };
        newer.forEach(cite);
      } else {
        // No certificate in the feed: the registry's verified status stands.
        q(since);
        familySevere(since);
      }
    }

    // Restrictions: the feed decides when it has records; otherwise the registry's status stands.
    let restrictedNow = false;
    const restricting = restrictions.filter((r) => RESTRICTING.has(r.measure) && r.start <= T);
    for (const r of restricting) {
      const a = this.restriction(r);
      if (a.holds) {
        restrictedNow = true;
        q(a.since);
        cite(r);
      }
      if (a.pending !== null) {
        s.pending = minDate(s.pending, a.pending);
        cite(r);
      }
      if (r.release === null || r.release > T) {
        s.notPresent = true; // restricted from its start, whatever the term, for URGENT
        if (daysBetween(r.start, T) <= p.urgent.windowDays) {
          s.urgentEvent = maxDate(s.urgentEvent, r.start);
          cite(r);
        }
      }
    }
    if (RESTRICTING.has(status)) {
      // A restriction that ended before the recorded date is an older one: it does not end this.
      const current = restricting.filter((r) => since === null || r.release === null || r.release > since);
      if (!current.length) {
        q(since);
        s.notPresent = true;
        recordedEvent();
      }
      else if (!restrictedNow) {
        const release = maxDate(...current.map((r) => r.release));
        if (release !== null) {
          s.ended = { reason: 'PARENT_RELEASED', date: release };
          current.forEach(cite);
        }
      }
    }

    // A feed record that ended a status is what ended the registration's basis only when it came after
    // the registration began (an old found-again report says nothing about a later registration).
    if (s.ended === null) {
      const ends = feedEnded.filter((e) => basisFrom === null || e.date > basisFrom).sort((a, b) => b.date.localeCompare(a.date));
      const latest = ends[0];
      if (latest && !(latest.reason === 'PARENT_REAPPEARED' && s.gone) && !(latest.reason === 'GUARDIANSHIP_RESTORED' && s.q)) {
        s.ended = { reason: latest.reason, date: latest.date };
        latest.by.forEach(cite);
      }
    }

    if (s.gone) {
      s.q = false;
      s.familySevere = false;
      s.pending = null;
    }
    if (s.gone || s.q) s.notPresent = true;
    if (!s.known && status !== 'NORMAL') s.notPresent = true;
    if (!s.known && recorded === null) s.notPresent = true; // nobody is known in this role
    return s;
  }

  /** An illness record of a disease on the profile's serious-illness list. */
  seriouslyIll(r: IllnessRecord): boolean {
    return onIllnessList(r.code, this.profile.seriousIllness.codes);
  }

  /** The child's own SEVERE_ILL (RULES.md §1): a listed disease diagnosed by T. */
  childIll(facts: PersonFacts): ChildStatus {
    const s: ChildStatus = { holds: false, since: null, evidence: [], endedAt: null, notes: [] };
    for (const r of facts.illnesses ?? []) {
      if (r.diagnosis > this.T) continue;
      if (this.seriouslyIll(r)) {
        s.holds = true;
        s.since = minDate(s.since, r.diagnosis);
        s.evidence.push({ ...r, role: 'child' });
        s.notes.push(`儿童重病：${r.code}${r.disease ? ` ${r.disease}` : ''}（确诊 ${r.diagnosis}，在重病病种目录中）`);
      } else s.notes.push(`儿童疾病 ${r.code ?? '（无编码）'}${r.disease ? ` ${r.disease}` : ''} 不在重病病种目录（seriousIllness.codes）中，不计为重病`);
    }
    return s;
  }

  /** The child's HIV_POSITIVE (RULES.md §1, need-to-know): an hiv record confirmed by T. */
  childHiv(facts: PersonFacts): ChildStatus {
    const records = (facts.hiv ?? []).filter((r) => r.confirm <= this.T);
    return {
      holds: records.length > 0,
      since: minDate(...records.map((r) => r.confirm)),
      evidence: records.map((r) => ({ ...r, role: 'child' })),
      endedAt: null,
      notes: records.length ? [`艾滋病病毒感染（确诊 ${minDate(...records.map((r) => r.confirm))}，限制知悉）`] : [],
    };
  }

  /**
   * POOR_HOUSEHOLD (RULES.md §1): a social-assistance row open at T, of a type in
   * `difficulty.povertyTypes`, of the child, or of a parent in a household the child is in at T.
   * `endedAt`: when every such row of the child's closed by T, the last closing date.
   */
  poorHousehold(child: PersonFacts, parents: { role: string; rows: AssistanceRecord[] }[]): ChildStatus {
    const T = this.T;
    const types = this.profile.difficulty.povertyTypes as readonly string[];
    const open = (r: AssistanceRecord) => r.start <= T && (r.end === null || r.end > T);
    const own = child.assistance ?? [];
    const households = new Set(own.filter((r) => open(r) && r.householdId !== null).map((r) => r.householdId));
    const counting = [
      ...own.filter((r) => open(r) && types.includes(r.type)).map((r) => ({ ...r, role: 'child' })),
      ...parents.flatMap((p) => p.rows.filter((r) => open(r) && types.includes(r.type) && households.has(r.householdId)).map((r) => ({ ...r, role: p.role }))),
    ];
    const s: ChildStatus = { holds: counting.length > 0, since: minDate(...counting.map((r) => r.start)), evidence: counting, endedAt: null, notes: [] };
    const words = (r: AssistanceRecord) => `${ASSISTANCE_WORDS[r.type] ?? r.type}（家庭编号 ${r.householdId ?? '—'}，${r.start} 纳入${r.end ? `，${r.end} 退出` : ''}）`;
    for (const r of counting) s.notes.push(`${r.role === 'child' ? '儿童' : r.role === 'father' ? '父亲' : '母亲'}在册：${words(r)}`);
    if (!s.holds) {
      const closed = own.filter((r) => types.includes(r.type) && r.start <= T && r.end !== null && r.end <= T);
      if (closed.length) {
        s.endedAt = maxDate(...closed.map((r) => r.end));
        s.evidence = closed.map((r) => ({ ...r, role: 'child' }));
        s.notes.push(`已退出救助：${closed.map(words).join('；')}`);
      }
      const other = own.filter((r) => open(r) && !types.includes(r.type));
      for (const r of other) s.notes.push(`救助类型${words(r)}不计入家庭困境（difficulty.povertyTypes）`);
    }
    return s;
  }

  childDisabled(facts: PersonFacts): { holds: boolean; since: string | null; endedAt: string | null; evidence: Evidence[] } {
    let holds = false;
    let since: string | null = null;
    let endedAt: string | null = null;
    const evidence: Evidence[] = [];
    for (const c of facts.certificates) {
      if (!this.severe(c, this.profile.difficulty.childDisabilityLevels)) continue;
      if (this.certValid(c)) {
        holds = true;
        since = minDate(since, c.issue) ?? c.issue;
        evidence.push(c);
      } else if (c.statusDate !== null && c.statusDate <= this.T) {
        endedAt = maxDate(endedAt, c.statusDate);
        evidence.push(c);
      }
    }
    return { holds, since, endedAt, evidence };
  }

  /**
   * The strongest category of the order ORPHAN > DE_FACTO > DIFFICULTY_FAMILY > DIFFICULTY_SELF the
   * parents' (and the child's own) situation qualifies for, with the child's own records it rests on
   * (`evidence`: illness, social assistance). HIV is not in that order (RULES.md §2): evaluateChild
   * proposes it on its own, so that a need-to-know record never stands in for a category every
   * reviewer may see.
   */
  qualify(
    f: ParentState,
    m: ParentState,
    child: PersonFacts,
    pendingToo = false,
  ): { category: Category; reason: string; since: string | null; evidence?: (Evidence & { role: string })[] } | null {
    const inQ = (s: ParentState) => s.q || (pendingToo && s.pending !== null);
    const qSince = (s: ParentState) => (s.gone ? s.goneSince : s.q ? s.qSince : s.pending);
    if (f.gone && m.gone) return { category: 'ORPHAN', reason: 'BOTH_PARENTS_GONE', since: maxDate(f.goneSince, m.goneSince) };

    const famSevere = (f.familySevere && m.familySevere) || (f.gone && m.familySevere) || (f.familySevere && m.gone);
    if ((inQ(f) && inQ(m)) || (f.gone && inQ(m)) || (inQ(f) && m.gone)) {
      // RULES.md §2: SEVERE_DISABLED and SEVERE_ILL are in Q, so parents who are severely disabled
      // qualify DE_FACTO, and the stronger category's reason is PARENTS_QUALIFY.
      return { category: 'DE_FACTO', reason: 'PARENTS_QUALIFY', since: maxDate(qSince(f), qSince(m)) };
    }
    if (famSevere) {
      return { category: 'DIFFICULTY_FAMILY', reason: 'PARENTS_SEVERELY_DISABLED', since: maxDate(f.familySevereSince, m.familySevereSince) };
    }
    if (this.profile.difficulty.povertyCounts) {
      const poor = this.poorHousehold(child, [
        { role: 'father', rows: f.assistance },
        { role: 'mother', rows: m.assistance },
      ]);
      if (poor.holds) return { category: 'DIFFICULTY_FAMILY', reason: 'POOR_FAMILY', since: poor.since, evidence: poor.evidence };
    }
    const cd = this.childDisabled(child);
    if (cd.holds) return { category: 'DIFFICULTY_SELF', reason: 'CHILD_DISABLED', since: cd.since };
    const ill = this.childIll(child);
    if (ill.holds) return { category: 'DIFFICULTY_SELF', reason: 'CHILD_SERIOUSLY_ILL', since: ill.since, evidence: ill.evidence };
    return null;
  }
}

function registryCategory(r: RegistryRecord, childDifficulty: boolean): Category {
  // 困境儿童 with no subtype: the evidence decides 自身 (the child disabled or seriously ill) or 家庭.
  if (r.category === 'DIFFICULTY') return childDifficulty ? 'DIFFICULTY_SELF' : 'DIFFICULTY_FAMILY';
  return r.category as Category;
}

/** The profile parameters an ADD or RECLASSIFY of this reason used. */
function qualifyParams(reason: string, evidence: { feed: string }[]): string[] {
  const keys = ['restriction', 'severeDisability', 'lostContact', 'difficulty'];
  if (reason === 'CHILD_SERIOUSLY_ILL' || evidence.some((e) => e.feed === 'illness')) keys.push('seriousIllness');
  return keys;
}

function overpaid(r: RegistryRecord, effective: string): number | null {
  return r.lastPaidMonth === null ? null : monthsInclusive(effective, r.lastPaidMonth);
}

/** A child's active registrations, first the earliest; the one its parents are read from (the first, else the latest row). */
function registrations(child: ChildFacts) {
  const active = child.registry
    .filter((r) => r.status === 'ACTIVE')
    .sort((a, b) => (a.startDate ?? '').localeCompare(b.startDate ?? '') || (a.childRef ?? '').localeCompare(b.childRef ?? ''));
  return { active, recordRow: active[0] ?? child.registry[child.registry.length - 1] ?? null };
}

/** A flag's evidence with each record cited once per role, in order. */
function uniqueEvidence(evidence: RaisedFlag['evidence']): RaisedFlag['evidence'] {
  const seen = new Set<string>();
  return evidence.filter((e) => {
    const key = `${e.role}|${e.batchId}|${e.srcRow}`;
    return !seen.has(key) && seen.add(key);
  });
}

/** A person's records of the agency feeds that make a parent's status (not its school or assistance rows). */
const statusRecords = (f: PersonFacts | undefined): Evidence[] =>
  f ? [f.deaths, f.restrictions, f.certificates, f.judgments ?? [], f.lostContacts ?? [], f.illnesses ?? []].flat() : [];

/**
 * Every flag RULES.md §3 raises for one child as of T. `people` gives the facts of the parents and
 * carers by person id.
 *
 * A parent the child's school record lists by name alone, whom the linkage could not tell from its namesakes
 * (ChildFacts.fatherAlternatives), is one of them: the child is evaluated once for each candidate (each pair, when
 * both parents are such), and a flag stands when every evaluation raises it (the same flag, reason and categories).
 * It cites every candidate's records it rests on, marked 'name_only_alternatives', and takes the latest effective
 * date. A kind of flag (ADD, URGENT, …) the candidates do not agree on is what the child gets without them (the
 * guardian a person with no record, as before). This applies only where the listing decides the parent (no
 * registry row names one) and the listed guardian has no record of its own.
 */
export function evaluateChild(ctx: RuleContext, child: ChildFacts, people: Map<string, PersonFacts>): Evaluation {
  const { recordRow } = registrations(child);
  const candidates = (alts: ChildFacts['fatherAlternatives'], recorded: string | null | undefined, listed: string | null): (string | null)[] =>
    alts && !recorded && !statusRecords(listed ? people.get(listed) : undefined).length ? alts.personIds : [null];
  const fathers = candidates(child.fatherAlternatives, recordRow?.father.personId, child.listedFatherId);
  const mothers = candidates(child.motherAlternatives, recordRow?.mother.personId, child.listedMotherId);
  if (fathers[0] === null && mothers[0] === null) return evaluateAsListed(ctx, child, people);

  const runs = fathers.flatMap((f) =>
    mothers.map((m) => {
      const c: ChildFacts = { ...child };
      if (f) Object.assign(c, { listedFatherId: f, listedFatherNameOnly: child.fatherAlternatives!.probability });
      if (m) Object.assign(c, { listedMotherId: m, listedMotherNameOnly: child.motherAlternatives!.probability });
      return { f, m, evaluation: evaluateAsListed(ctx, c, people) };
    }),
  );
  const key = (x: RaisedFlag) => `${x.flag}|${x.reason}|${x.category ?? ''}|${x.previousCategory ?? ''}`;
  // The candidates' records: cited, they say the parent is one of several namesakes.
  const alternativeRecords = new Set([...fathers, ...mothers].flatMap((id) => statusRecords(id ? people.get(id) : undefined).map((e) => `${e.batchId}:${e.srcRow}`)));
  const flags: RaisedFlag[] = [];
  for (const first of runs[0]!.evaluation.flags) {
    const all = runs.map((r) => r.evaluation.flags.find((x) => key(x) === key(first)));
    if (all.some((x) => !x)) continue;
    const latest = all.reduce((a, b) => ((b!.effectiveFrom ?? '') > (a!.effectiveFrom ?? '') ? b : a))!;
    const evidence = uniqueEvidence(all.flatMap((x) => x!.evidence));
    flags.push({
      ...latest,
      evidence: evidence.map((e) => (e.basis === 'name_only' && alternativeRecords.has(`${e.batchId}:${e.srcRow}`) ? { ...e, basis: 'name_only_alternatives' as const } : e)),
    });
  }
  // Where the candidates do not agree on a kind of flag, the child keeps what it had without them (the guardian a
  // person with no record): never less than before, and more only where every candidate agrees.
  const listed = evaluateAsListed(ctx, child, people);
  for (const x of listed.flags) if (!flags.some((k) => k.flag === x.flag)) flags.push(x);
  const who = (f: string | null, m: string | null) =>
    [f ? `父亲为候选 ${fathers.indexOf(f) + 1}` : null, m ? `母亲为候选 ${mothers.indexOf(m) + 1}` : null].filter(Boolean).join('、');
  const trace = [
    `学籍中仅凭姓名列出的${[fathers[0] ? `父亲（同名候选 ${fathers.length} 人）` : null, mothers[0] ? `母亲（同名候选 ${mothers.length} 人）` : null].filter(Boolean).join('、')}无法确定是哪一位：按每种可能分别评估，只保留每种情况下都成立的结论。`,
    ...runs.flatMap((r) => [`【按${who(r.f, r.m)}】`, ...r.evaluation.trace.map((l) => `  ${l}`)]),
    `【不按候选（监护人视为没有部门记录的人员）】`,
    ...listed.trace.map((l) => `  ${l}`),
    flags.length
      ? `结论：${flags.map((x) => `${flagLabel(x.flag)}（${reasonLabel(x.reason)}）`).join('、')}（各候选一致的采用各候选的结论，其余按不按候选的结论）`
      : '结论：不提出标记（各候选结论不一致，不按候选亦不提出）。',
  ];
  return { flags, trace };
}

/** evaluateChild for the parents the child's facts name. */
function evaluateAsListed(ctx: RuleContext, child: ChildFacts, people: Map<string, PersonFacts>): Evaluation {
  const { T, profile: p } = ctx;
  const trace: string[] = [];
  const flags: RaisedFlag[] = [];
  const self = child.own;
  const childEvidence = (es: Evidence[]) => es.map((e) => ({ ...e, role: 'child' }));

  const { active, recordRow } = registrations(child);
  const primary = active[0] ?? null;
  const fatherId = recordRow?.father.personId ?? child.listedFatherId;
  const motherId = recordRow?.mother.personId ?? child.listedMotherId;
  // A parent known only through a name-only link (the registry's, else the listing's): its records count with the
  // link's lower probability, marked.
  const fatherNameOnly = recordRow?.father.personId ? recordRow.father.nameOnly ?? null : child.listedFatherNameOnly ?? null;
  const motherNameOnly = recordRow?.mother.personId ? recordRow.mother.nameOnly ?? null : child.listedMotherNameOnly ?? null;
  // A linked parent with no feed record is known (and present); only a parent nobody lists is unknown.
  const factsOf = (id: string | null, nameOnly: number | null = null) => {
    const facts = id ? people.get(id) ?? EMPTY_FACTS(id) : null;
    return facts && nameOnly !== null ? throughNameOnlyLink(facts, nameOnly) : facts;
  };
  const basisFrom = recordRow?.startDate ?? null;
  const f = ctx.parentState('father', factsOf(fatherId, fatherNameOnly), recordRow ? recordRow.father : null, basisFrom);
  const m = ctx.parentState('mother', factsOf(motherId, motherNameOnly), recordRow ? recordRow.mother : null, basisFrom);
  const deathDate = minDate(...self.deaths.filter((d) => d.deathDate <= T).map((d) => d.deathDate));
  const birth = child.birthDate;
  const adultDay = birth ? birthday(birth, p.adultAge) : null;
  const adult = adultDay !== null && adultDay <= T;
  const cd = ctx.childDisabled(self);
  const ill = ctx.childIll(self);
  const hiv = ctx.childHiv(self);
  const poor = ctx.poorHousehold(self, [
    { role: 'father', rows: f.assistance },
    { role: 'mother', rows: m.assistance },
  ]);
  const registered = primary ? registryCategory(primary, cd.holds || ill.holds) : null;
  const best = ctx.qualify(f, m, self);
  const parentEvidence = [...f.evidence, ...m.evidence];
  // What the rules assumed, which every flag of the child says: an undated recorded 失联 counted from the
  // registry's start date; a birth date read from an ID whose check digit fails.
  const lostSince = Object.fromEntries(
    [['父亲', f], ['母亲', m]].flatMap(([who, s]) => ((s as ParentState).assumedLostSince ? [[who as string, (s as ParentState).assumedLostSince]] : [])),
  );
  const assumed = {
    ...(Object.keys(lostSince).length ? { lostContactSince: lostSince } : {}),
    ...(child.birthFromInvalidId && birth ? { birthDateFromInvalidId: birth } : {}),
  };
  const params = (keys: string[]) => ({
    ...Object.fromEntries(keys.map((k) => [k, k.split('.').reduce<unknown>((o, x) => (o as Record<string, unknown>)[x], p)])),
    ...(Object.keys(assumed).length ? { assumed } : {}),
  });
  const raise = (x: Omit<RaisedFlag, 'evidence' | 'params'> & { evidence?: RaisedFlag['evidence']; params?: string[] }) => {
    const registryEvidence = x.registry ? [{ ...x.registry, role: 'registry' }] : [];
    const evidence = uniqueEvidence([...registryEvidence, ...(x.evidence ?? [])]);
    flags.push({ ...x, evidence, params: params(x.params ?? []) });
    trace.push(
      `→ ${flagLabel(x.flag)}: ${reasonLabel(x.reason)}${x.category ? `，${categoryLabel(x.category)}` : ''}` +
        `${x.previousCategory ? `（原为${categoryLabel(x.previousCategory)}）` : ''}，生效日期 ${x.effectiveFrom ?? '-'}`,
    );
  };

  // The trace is read by caseworkers (CLI and review queue): Chinese.
  trace.push(
    `截至 ${T}；出生日期 ${birth ?? '未知'}${child.birthFromInvalidId && birth ? '（取自校验位不符的身份证号，请核实）' : ''}；${adult ? `已满${p.adultAge}周岁` : `未满${p.adultAge}周岁`}${deathDate ? `；已于 ${deathDate} 死亡` : ''}`,
  );
  for (const [role, s, nameOnly] of [['父亲', f, fatherNameOnly], ['母亲', m, motherNameOnly]] as const) {
    const linked = nameOnly === null ? '已匹配到人员' : `已匹配到人员（仅凭姓名匹配，匹配概率 ${(nameOnly * 100).toFixed(1)}%）`;
    trace.push(
      `${role}：${s.known ? linked : '未匹配到人员'}；` +
        `${s.gone ? `死亡或失踪（自 ${s.goneSince ?? '日期不详'}）` : s.q ? `符合条件的情形（自 ${s.qSince ?? '日期不详'}，限制人身自由满 ${p.restriction.minMonths} 个月、失联满 ${p.lostContact.minMonths} 个月等）` : '不符合条件的情形'}` +
        `${s.pending ? `；将于 ${s.pending} 达到月数要求` : ''}${s.ended ? `；${reasonLabel(s.ended.reason)}（${s.ended.date}）` : ''}` +
        `${s.urgentEvent ? `；近 ${p.urgent.windowDays} 天内发生突发事件（${s.urgentEvent}）` : ''}${s.notPresent ? '；无法履行监护' : ''}`,
    );
    for (const n of s.notes) trace.push(`  ${role}：${n}`);
  }
  for (const n of [...ill.notes, ...hiv.notes, ...poor.notes]) trace.push(`儿童：${n}`);
  if (poor.holds && !p.difficulty.povertyCounts) trace.push('低保、特困家庭儿童不计入家庭困境（difficulty.povertyCounts 为否）');
  trace.push(`符合类别：${best ? `${categoryLabel(best.category)}（${reasonLabel(best.reason)}，自 ${best.since ?? '日期不详'}）` : '无'}`);

  for (const dup of active.slice(1)) {
    const eff = firstOfNextMonth(dup.startDate ?? T);
    // Both registrations are cited: the duplicate's link to the child may be an inference (a household link) the reviewer must see.
    raise({ flag: 'REMOVE', reason: 'DUPLICATE_REGISTRATION', category: dup.category, previousCategory: null, effectiveFrom: eff, overpaidMonths: overpaid(dup, eff), registry: dup, evidence: [{ ...primary!, role: 'registry' }, { ...dup, role: 'registry' }] });
  }

  if (primary) {
    const C = registered!;
    const limitAge = C === 'LEFT_BEHIND' ? p.leftBehind.maxAge : p.adultAge;
    const limitDay = birth ? birthday(birth, limitAge) : null;
    const remove = (reason: string, eventDay: string, evidence: RaisedFlag['evidence'], keys: string[]) => {
      const eff = firstOfNextMonth(eventDay);
      raise({ flag: 'REMOVE', reason, category: C, previousCategory: null, effectiveFrom: eff, overpaidMonths: overpaid(primary, eff), registry: primary, evidence, params: keys });
    };
    const continued =
      p.adultContinuation.enabled &&
      (C === 'ORPHAN' || C === 'DE_FACTO') &&
      birth !== null &&
      birthday(birth, p.adultContinuation.maxAge) > T &&
      self.enrollments.some((e) => e.status === 'ENROLLED' && e.level !== null && (p.adultContinuation.levels as string[]).includes(e.level) && (e.asOf === null || e.asOf <= T));
    if (deathDate) remove('CHILD_DEAD', deathDate, childEvidence(self.deaths), []);
    else if (limitDay !== null && limitDay <= T && !continued) {
      remove('AGED_OUT', limitDay, [], C === 'LEFT_BEHIND' ? ['leftBehind.maxAge'] : ['adultAge', 'adultContinuation']);
    } else {
      if (continued && limitDay !== null && limitDay <= T) trace.push(`年满${p.adultAge}周岁后继续保障：在读 ${p.adultContinuation.levels.join('/')}，未满${p.adultContinuation.maxAge}周岁`);
      if (best && CATEGORY_RANK[best.category] > CATEGORY_RANK[C]) {
        const evidence = [...parentEvidence, ...childEvidence(cd.evidence), ...(best.evidence ?? [])];
        raise({ flag: 'RECLASSIFY', reason: best.reason, category: best.category, previousCategory: C, effectiveFrom: best.since ? firstOfNextMonth(best.since) : null, overpaidMonths: null, registry: primary, evidence, params: qualifyParams(best.reason, evidence).filter((k) => k !== 'difficulty' || best.reason === 'POOR_FAMILY') });
      } else if (C !== 'LEFT_BEHIND' && C !== 'HIV' && !(best && best.category === C)) {
        const ended = [f.ended, m.ended].filter((x): x is { reason: string; date: string } => x !== null).sort((a, b) => b.date.localeCompare(a.date))[0];
        const povertyEnded = C === 'DIFFICULTY_FAMILY' && poor.endedAt !== null && (basisFrom === null || poor.endedAt > basisFrom);
        if (ended) remove(ended.reason, ended.date, parentEvidence, ['restriction', 'severeDisability', 'lostContact']);
        else if (povertyEnded) remove('POVERTY_ENDED', poor.endedAt!, [...parentEvidence, ...poor.evidence], ['difficulty']);
        else remove('BASIS_NO_LONGER_HOLDS', C === 'DIFFICULTY_SELF' && cd.endedAt ? cd.endedAt : T, [...parentEvidence, ...childEvidence(cd.evidence)], ['difficulty', 'severeDisability']);
      }
      if (limitDay !== null && limitDay > T && limitDay <= ctx.horizon && !continued) {
        raise({ flag: 'WATCH', reason: 'AGES_OUT_NEXT_QUARTER', category: C, previousCategory: null, effectiveFrom: limitDay, overpaidMonths: null, registry: primary, params: ['watch.horizonMonths'] });
      }
      const soon = ctx.qualify(f, m, self, true);
      const current = Math.max(CATEGORY_RANK[C], best ? CATEGORY_RANK[best.category] : 0);
      if (soon && CATEGORY_RANK[soon.category] > current && adultDay !== null && adultDay > ctx.horizon) {
        raise({ flag: 'WATCH', reason: 'THRESHOLD_PENDING', category: soon.category, previousCategory: C, effectiveFrom: minDate(f.pending, m.pending), overpaidMonths: null, registry: primary, evidence: parentEvidence, params: ['restriction.minMonths', 'lostContact.minMonths', 'watch.horizonMonths'] });
      }
      if (birth) {
        const age = ageAt(birth, ctx.schoolAgeDay);
        if (age >= p.education.minAge && age <= p.education.maxAge) {
          const current = self.enrollments.filter((e) => e.asOf === null || e.asOf <= T).sort((a, b) => (b.asOf ?? '').localeCompare(a.asOf ?? ''))[0];
          const eduParams = ['education'];
          if (!current && ctx.missingFeeds.includes('enrollment')) trace.push('本季度未收到学籍数据：不判定未入学');
          else if (!current) raise({ flag: 'EDUCATION', reason: 'NOT_ENROLLED', category: C, previousCategory: null, effectiveFrom: null, overpaidMonths: null, registry: primary, params: eduParams });
          else if (current.status === 'DROPPED_OUT') raise({ flag: 'EDUCATION', reason: 'DROPPED_OUT', category: C, previousCategory: null, effectiveFrom: null, overpaidMonths: null, registry: primary, evidence: childEvidence([current]), params: eduParams });
        }
      }
    }
  } else if (!deathDate && !adult && birth !== null) {
    const stopped = child.registry[child.registry.length - 1] ?? null;
    if (best) {
      const evidence = [...parentEvidence, ...childEvidence(cd.evidence), ...(best.evidence ?? [])];
      raise({ flag: 'ADD', reason: best.reason, category: best.category, previousCategory: stopped?.category ?? null, effectiveFrom: best.since ? firstOfNextMonth(best.since) : null, overpaidMonths: null, registry: stopped, evidence, params: qualifyParams(best.reason, evidence) });
    } else {
      const soon = ctx.qualify(f, m, self, true);
      if (soon && adultDay !== null && adultDay > ctx.horizon) {
        raise({ flag: 'WATCH', reason: 'THRESHOLD_PENDING', category: soon.category, previousCategory: null, effectiveFrom: minDate(f.pending, m.pending), overpaidMonths: null, registry: stopped, evidence: parentEvidence, params: ['restriction.minMonths', 'lostContact.minMonths', 'watch.horizonMonths'] });
      }
    }
  }

  // RULES.md §2: HIV is proposed for adding unless the child is active as ORPHAN or DE_FACTO (the same
  // rate) or as HIV, whatever else the child qualifies for (HIV is outside the category order: a
  // child qualifying DE_FACTO is proposed DE_FACTO to every reviewer and HIV to those with the grant).
  // The flag cites only the child's HIV record and its registration: nothing else about the family.
  if (hiv.holds && !deathDate && !adult && birth !== null && registered !== 'ORPHAN' && registered !== 'DE_FACTO' && registered !== 'HIV') {
    const row = primary ?? child.registry[child.registry.length - 1] ?? null;
    raise({ flag: 'ADD', reason: 'CHILD_HIV', category: 'HIV', previousCategory: primary ? null : row?.category ?? null, effectiveFrom: hiv.since ? firstOfNextMonth(hiv.since) : null, overpaidMonths: null, registry: row, evidence: hiv.evidence, params: [] });
  }

  if (!deathDate && !adult && birth !== null) {
    const category = registered ?? best?.category ?? null;
    const events = [f.urgentEvent !== null && m.notPresent ? f.urgentEvent : null, m.urgentEvent !== null && f.notPresent ? m.urgentEvent : null];
    const latest = maxDate(...events);
    if (latest) {
      raise({ flag: 'URGENT', reason: 'PARENT_EVENT_NO_CARER', category, previousCategory: null, effectiveFrom: latest, overpaidMonths: null, registry: primary ?? recordRow, evidence: parentEvidence, params: ['urgent.windowDays'] });
    }
    if (primary && registered === 'LEFT_BEHIND' && primary.carerPersonId) {
      const carer = ctx.parentState('carer', factsOf(primary.carerPersonId), null);
      if (carer.urgentEvent) {
        raise({ flag: 'URGENT', reason: 'CARER_EVENT', category, previousCategory: null, effectiveFrom: carer.urgentEvent, overpaidMonths: null, registry: primary, evidence: carer.evidence, params: ['urgent.windowDays'] });
      }
    }
  }
  return { flags, trace };
}


