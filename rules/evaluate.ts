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
import { EMPTY_FACTS, throughNameOnlyLink, type CertificateRecord, type ChildFacts, type Evidence, type PersonFacts, type RecordedParent, type RegistryRecord, type RestrictionRecord } from './facts.js';

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

  parentState(role: string, facts: PersonFacts | null, recorded: RecordedParent | null): ParentState {
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
    // A recorded death, disappearance or restriction dated within the window is a new event too.
    const recordedEvent = () => {
      if (since !== null && since <= T && daysBetween(since, T) <= p.urgent.windowDays) s.urgentEvent = maxDate(s.urgentEvent, since);
    };
    const restrictions = facts?.restrictions ?? [];
    const certs = facts?.certificates ?? [];

    // A missing or lost parent who shows up in a dated feed record after the recorded date has reappeared.
    let reappeared: string | null = null;
    if (['MISSING', 'NOT_FOUND', 'LOST_CONTACT'].includes(status)) {
      for (const r of restrictions) if (r.start <= T && (since === null || r.start > since)) reappeared = maxDate(reappeared, r.start);
    }
    switch (status) {
      case 'DEAD':
        gone(since);
        recordedEvent();
        break;
      case 'MISSING':
      case 'NOT_FOUND':
        if (reappeared === null) {
          gone(since);
          if (status === 'MISSING') recordedEvent();
        } else s.ended = { reason: 'PARENT_REAPPEARED', date: reappeared };
        break;
      case 'LOST_CONTACT': {
        // Without the date contact was lost the months cannot be counted: not (yet) in Q.
        const reach = since === null ? null : addMonths(since, p.lostContact.minMonths);
        if (reappeared !== null) s.ended = { reason: 'PARENT_REAPPEARED', date: reappeared };
        else {
          if (reach !== null && reach <= T) q(reach);
          else if (reach !== null && reach <= this.horizon) s.pending = reach;
          s.notPresent = true;
        }
        break;
      }
      case 'SEVERE_ILL':
        q(since);
        familySevere(since);
        break;
      case 'GUARDIANSHIP_REVOKED':
      case 'DEPORTED':
        q(since);
        break;
      default:
        break;
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

  /** The strongest category the parents' (and the child's own) situation qualifies for. */
  qualify(f: ParentState, m: ParentState, child: PersonFacts, pendingToo = false): { category: Category; reason: string; since: string | null } | null {
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
    const cd = this.childDisabled(child);
    if (cd.holds) return { category: 'DIFFICULTY_SELF', reason: 'CHILD_DISABLED', since: cd.since };
    return null;
  }
}

function registryCategory(r: RegistryRecord, childDisabled: boolean): Category {
  // 困境儿童 with no subtype: the evidence decides 自身 or 家庭.
  if (r.category === 'DIFFICULTY') return childDisabled ? 'DIFFICULTY_SELF' : 'DIFFICULTY_FAMILY';
  return r.category as Category;
}

function overpaid(r: RegistryRecord, effective: string): number | null {
  return r.lastPaidMonth === null ? null : monthsInclusive(effective, r.lastPaidMonth);
}

/**
 * Every flag RULES.md §3 raises for one child as of T. `people` gives the facts of the parents and
 * carers by person id.
 */
export function evaluateChild(ctx: RuleContext, child: ChildFacts, people: Map<string, PersonFacts>): Evaluation {
  const { T, profile: p } = ctx;
  const trace: string[] = [];
  const flags: RaisedFlag[] = [];
  const self = child.own;
  const childEvidence = (es: Evidence[]) => es.map((e) => ({ ...e, role: 'child' }));

  const active = child.registry
    .filter((r) => r.status === 'ACTIVE')
    .sort((a, b) => (a.startDate ?? '').localeCompare(b.startDate ?? '') || (a.childRef ?? '').localeCompare(b.childRef ?? ''));
  const primary = active[0] ?? null;
  const recordRow = primary ?? child.registry[child.registry.length - 1] ?? null;
  const fatherId = recordRow?.father.personId ?? child.listedFatherId;
  const motherId = recordRow?.mother.personId ?? child.listedMotherId;
  // A parent known only from a name-only guardian link: its records count with the link's lower probability.
  const fatherNameOnly = recordRow?.father.personId ? null : child.listedFatherNameOnly ?? null;
  const motherNameOnly = recordRow?.mother.personId ? null : child.listedMotherNameOnly ?? null;
  // A linked parent with no feed record is known (and present); only a parent nobody lists is unknown.
  const factsOf = (id: string | null, nameOnly: number | null = null) => {
    const facts = id ? people.get(id) ?? EMPTY_FACTS(id) : null;
    return facts && nameOnly !== null ? throughNameOnlyLink(facts, nameOnly) : facts;
  };
  const f = ctx.parentState('father', factsOf(fatherId, fatherNameOnly), recordRow ? recordRow.father : null);
  const m = ctx.parentState('mother', factsOf(motherId, motherNameOnly), recordRow ? recordRow.mother : null);
  const deathDate = minDate(...self.deaths.filter((d) => d.deathDate <= T).map((d) => d.deathDate));
  const birth = child.birthDate;
  const adultDay = birth ? birthday(birth, p.adultAge) : null;
  const adult = adultDay !== null && adultDay <= T;
  const best = ctx.qualify(f, m, self);
  const cd = ctx.childDisabled(self);
  const parentEvidence = [...f.evidence, ...m.evidence];
  const params = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, k.split('.').reduce<unknown>((o, x) => (o as Record<string, unknown>)[x], p)]));
  const raise = (x: Omit<RaisedFlag, 'evidence' | 'params'> & { evidence?: RaisedFlag['evidence']; params?: string[] }) => {
    const registryEvidence = x.registry ? [{ ...x.registry, role: 'registry' }] : [];
    const seen = new Set<string>();
    const evidence = [...registryEvidence, ...(x.evidence ?? [])].filter((e) => {
      const key = `${e.role}|${e.batchId}|${e.srcRow}`;
      return !seen.has(key) && seen.add(key);
    });
    flags.push({ ...x, evidence, params: params(x.params ?? []) });
    trace.push(
      `→ ${flagLabel(x.flag)}: ${reasonLabel(x.reason)}${x.category ? `，${categoryLabel(x.category)}` : ''}` +
        `${x.previousCategory ? `（原为${categoryLabel(x.previousCategory)}）` : ''}，生效日期 ${x.effectiveFrom ?? '-'}`,
    );
  };

  // The trace is read by caseworkers (CLI and review queue): Chinese.
  trace.push(
    `截至 ${T}；出生日期 ${birth ?? '未知'}；${adult ? `已满${p.adultAge}周岁` : `未满${p.adultAge}周岁`}${deathDate ? `；已于 ${deathDate} 死亡` : ''}`,
  );
  for (const [role, s] of [['父亲', f], ['母亲', m]] as const) {
    trace.push(
      `${role}：${s.known ? '已匹配到人员' : '未匹配到人员'}；` +
        `${s.gone ? `死亡或失踪（自 ${s.goneSince ?? '日期不详'}）` : s.q ? `符合条件的情形（自 ${s.qSince ?? '日期不详'}，限制人身自由满 ${p.restriction.minMonths} 个月、失联满 ${p.lostContact.minMonths} 个月等）` : '不符合条件的情形'}` +
        `${s.pending ? `；将于 ${s.pending} 达到月数要求` : ''}${s.ended ? `；${reasonLabel(s.ended.reason)}（${s.ended.date}）` : ''}` +
        `${s.urgentEvent ? `；近 ${p.urgent.windowDays} 天内发生突发事件（${s.urgentEvent}）` : ''}${s.notPresent ? '；无法履行监护' : ''}`,
    );
  }
  trace.push(`符合类别：${best ? `${categoryLabel(best.category)}（${reasonLabel(best.reason)}，自 ${best.since ?? '日期不详'}）` : '无'}`);

  for (const dup of active.slice(1)) {
    const eff = firstOfNextMonth(dup.startDate ?? T);
    raise({ flag: 'REMOVE', reason: 'DUPLICATE_REGISTRATION', category: dup.category, previousCategory: null, effectiveFrom: eff, overpaidMonths: overpaid(dup, eff), registry: dup, evidence: [{ ...primary!, role: 'registry' }] });
  }

  if (primary) {
    const C = registryCategory(primary, cd.holds);
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
        raise({ flag: 'RECLASSIFY', reason: best.reason, category: best.category, previousCategory: C, effectiveFrom: best.since ? firstOfNextMonth(best.since) : null, overpaidMonths: null, registry: primary, evidence: [...parentEvidence, ...childEvidence(cd.evidence)], params: ['restriction', 'severeDisability', 'lostContact'] });
      } else if (C !== 'LEFT_BEHIND' && C !== 'HIV' && !(best && best.category === C)) {
        const ended = [f.ended, m.ended].filter((x): x is { reason: string; date: string } => x !== null).sort((a, b) => b.date.localeCompare(a.date))[0];
        if (ended) remove(ended.reason, ended.date, parentEvidence, ['restriction', 'severeDisability', 'lostContact']);
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
      raise({ flag: 'ADD', reason: best.reason, category: best.category, previousCategory: stopped?.category ?? null, effectiveFrom: best.since ? firstOfNextMonth(best.since) : null, overpaidMonths: null, registry: stopped, evidence: [...parentEvidence, ...childEvidence(cd.evidence)], params: ['restriction', 'severeDisability', 'lostContact', 'difficulty'] });
    } else {
      const soon = ctx.qualify(f, m, self, true);
      if (soon && adultDay !== null && adultDay > ctx.horizon) {
        raise({ flag: 'WATCH', reason: 'THRESHOLD_PENDING', category: soon.category, previousCategory: null, effectiveFrom: minDate(f.pending, m.pending), overpaidMonths: null, registry: stopped, evidence: parentEvidence, params: ['restriction.minMonths', 'lostContact.minMonths', 'watch.horizonMonths'] });
      }
    }
  }

  if (!deathDate && !adult && birth !== null) {
    const category = primary ? registryCategory(primary, cd.holds) : best?.category ?? null;
    const events = [f.urgentEvent !== null && m.notPresent ? f.urgentEvent : null, m.urgentEvent !== null && f.notPresent ? m.urgentEvent : null];
    const latest = maxDate(...events);
    if (latest) {
      raise({ flag: 'URGENT', reason: 'PARENT_EVENT_NO_CARER', category, previousCategory: null, effectiveFrom: latest, overpaidMonths: null, registry: primary ?? recordRow, evidence: parentEvidence, params: ['urgent.windowDays'] });
    }
    if (primary && registryCategory(primary, cd.holds) === 'LEFT_BEHIND' && primary.carerPersonId) {
      const carer = ctx.parentState('carer', factsOf(primary.carerPersonId), null);
      if (carer.urgentEvent) {
        raise({ flag: 'URGENT', reason: 'CARER_EVENT', category, previousCategory: null, effectiveFrom: carer.urgentEvent, overpaidMonths: null, registry: primary, evidence: carer.evidence, params: ['urgent.windowDays'] });
      }
    }
  }
  return { flags, trace };
}


