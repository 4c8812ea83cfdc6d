/** Ground-truth flags from the true world, per RULES.md §3 with the default parameters. */
import { addMonths, ageAt, firstOfNextMonth, iso, lastAug31Before, monthsInclusive, nextQuarterEnd, nthBirthday } from './dates.js';
import type { Assistance, Category, Cert, HivRecord, Illness, Judgment, LostContact, ParentLink, Restriction, RegRow, World } from './model.js';
import { CATEGORY_RANK } from './model.js';

export const RULE_DEFAULTS = {
  restrictionMinMonths: 6,
  lostContactMinMonths: 6,
  urgentWindowDays: 92,
  leftBehindMaxAge: 16,
  adultAge: 18,
  severeAnyType: [1, 2],
  severeMentalIntellectual: [1, 2, 3, 4],
  povertyTypes: ['低保', '特困'],
};

/**
 * Diseases of the synthetic illness feed. The listed ones are on every local 重特大疾病 list (children's
 * leukaemia, congenital heart disease, end-stage renal disease) and so in the profile's default
 * seriousIllness.codes; the unlisted ones are on none.
 */
export const LISTED_ILLNESSES: readonly (readonly [string, string])[] = [
  ['C91.0', '急性淋巴细胞白血病'], ['C92.0', '急性髓系白血病'], ['Q21.0', '室间隔缺损'], ['N18.5', '慢性肾脏病5期'],
];
export const UNLISTED_ILLNESSES: readonly (readonly [string, string])[] = [
  ['J45.9', '哮喘'], ['J18.9', '肺炎'], ['K35.8', '急性阑尾炎'], ['S52.5', '桡骨下端骨折'],
];
const LISTED_CODES = new Set(LISTED_ILLNESSES.map(([c]) => c));

export interface TruthFlag {
  as_of: string;
  flag: 'ADD' | 'REMOVE' | 'RECLASSIFY' | 'URGENT' | 'EDUCATION' | 'WATCH';
  reason: string;
  category: string;
  previous_category: string;
  child_person_id: string;
  child_id_number: string;
  child_ref: string;
  county_code: string;
  effective_from: string;
  overpaid_months: string;
  /** URGENT only: the kind of the parent's or carer's event (DEAD, DECLARED_DEAD, MISSING, RESTRICTION), so the bench can score each. */
  event: string;
}

const RESTRICTING = new Set(['服刑在押', '强制隔离戒毒', '其他限制人身自由']);

interface PState {
  known: boolean;
  gone: boolean;
  goneSince: number;
  q: boolean; // in Q at T (and not GONE)
  qSince: number;
  sdsi: boolean; // SEVERE_DISABLED or SEVERE_ILL at T
  sdsiSince: number;
  pending: number | null; // a Q status reaching its threshold in (T, H]
  ended: { reason: string; date: number } | null; // a recorded status that no longer holds
  urgentEvent: number | null; // date of a new death / restriction in the window
  urgentKind: string | null; // what that event was
  notPresent: boolean; // for URGENT: GONE, in Q, restricted from its start, lost contact, or unknown
}

export function severeCert(c: Cert): boolean {
  return c.type === 5 || c.type === 6
    ? RULE_DEFAULTS.severeMentalIntellectual.includes(c.level)
    : RULE_DEFAULTS.severeAnyType.includes(c.level);
}

export function certValidAt(c: Cert, T: number): boolean {
  if (c.issue > T) return false;
  return !(c.status === '注销' && c.statusDate !== null && c.statusDate <= T);
}

export class Rules {
  readonly T: number;
  readonly H: number;
  readonly D: number;
  readonly W = RULE_DEFAULTS.urgentWindowDays;
  private readonly restr = new Map<number, Restriction[]>();
  private readonly certs = new Map<number, Cert[]>();
  private readonly enroll = new Map<number, string>();
  private readonly judgments = new Map<number, Judgment[]>();
  private readonly lost = new Map<number, LostContact[]>();
  private readonly ill = new Map<number, Illness[]>();
  private readonly hiv = new Map<number, HivRecord[]>();
  private readonly rollRows = new Map<number, Assistance[]>();
  private readonly households = new Map<string, Assistance[]>();

  constructor(private readonly w: World) {
    this.T = w.T;
    this.H = nextQuarterEnd(w.T);
    this.D = lastAug31Before(w.T);
    for (const r of w.restrictions) push(this.restr, r.pid, r);
    for (const c of w.certs) push(this.certs, c.pid, c);
    for (const e of w.enrolls) this.enroll.set(e.pid, e.status);
    for (const j of [...w.judgments].sort((a, b) => a.date - b.date)) push(this.judgments, j.pid, j);
    for (const l of w.lostContacts) push(this.lost, l.pid, l);
    for (const i of w.illnesses) push(this.ill, i.pid, i);
    for (const h of w.hivRecords) push(this.hiv, h.pid, h);
    for (const a of w.assistance) {
      push(this.rollRows, a.pid, a);
      push(this.households, a.household, a);
    }
  }

  /** The court's judgments on a person by T, in date order: a later one undoes an earlier one (RULES.md §1). */
  private court(pid: number) {
    const c = { missing: null as number | null, dead: null as number | null, revoked: null as number | null, missingRevoked: null as number | null, deadRevoked: null as number | null, restored: null as number | null };
    for (const j of this.judgments.get(pid) ?? []) {
      if (j.date > this.T) continue;
      if (j.type === '宣告失踪') [c.missing, c.missingRevoked] = [j.date, null];
      else if (j.type === '撤销失踪宣告') [c.missing, c.missingRevoked] = [null, j.date];
      else if (j.type === '宣告死亡') [c.dead, c.deadRevoked] = [j.date, null];
      else if (j.type === '撤销死亡宣告') [c.dead, c.deadRevoked] = [null, j.date];
      else if (j.type === '撤销监护人资格') [c.revoked, c.restored] = [j.date, null];
      else [c.revoked, c.restored] = [null, j.date];
    }
    return c;
  }

  /** SEVERE_ILL: an illness record by T whose code is on the local list. */
  private severeIll(pid: number): number | null {
    const days = (this.ill.get(pid) ?? []).filter((i) => i.diagnosis <= this.T && LISTED_CODES.has(i.code)).map((i) => i.diagnosis);
    return days.length ? Math.min(...days) : null;
  }

  hivSince(pid: number): number | null {
    const days = (this.hiv.get(pid) ?? []).filter((h) => h.confirm <= this.T).map((h) => h.confirm);
    return days.length ? Math.min(...days) : null;
  }

  /**
   * POOR_HOUSEHOLD: a row of a counted type open at T for the child, or for a parent of the child in
   * the same household; `endedAt`, when none is open, the last close of such a row by T.
   */
  poor(childPid: number): { holds: boolean; since: number; endedAt: number | null } {
    const fam = this.w.families.get(childPid);
    const parents = new Set([fam?.father, fam?.mother].filter((x): x is number => x != null));
    const rows: Assistance[] = [];
    for (const own of this.rollRows.get(childPid) ?? []) {
      for (const a of this.households.get(own.household) ?? []) if (a.pid === childPid || parents.has(a.pid)) rows.push(a);
    }
    const counted = rows.filter((a) => RULE_DEFAULTS.povertyTypes.includes(a.type) && a.start <= this.T);
    const open = counted.filter((a) => a.end === null || a.end > this.T);
    if (open.length) return { holds: true, since: Math.min(...open.map((a) => a.start)), endedAt: null };
    const ends = counted.map((a) => a.end as number);
    return { holds: false, since: 0, endedAt: ends.length ? Math.max(...ends) : null };
  }

  dead(pid: number): boolean {
    const d = this.w.deathDay.get(pid);
    return d !== undefined && d <= this.T;
  }

  /** A restriction counting at T: [holds, sinceOrPending]. Term = end - start; no end → time served. */
  private restrictionAt(r: Restriction): { holds: boolean; since: number; pending: number | null } {
    const T = this.T;
    const no = { holds: false, since: 0, pending: null };
    if (!RESTRICTING.has(r.measure) || r.start > T) return no;
    if (r.release !== null && r.release <= T) return no;
    const reach = addMonths(r.start, RULE_DEFAULTS.restrictionMinMonths);
    if (r.end !== null) return reach <= r.end ? { holds: true, since: r.start, pending: null } : no;
    if (reach <= T) return { holds: true, since: reach, pending: null };
    return { holds: false, since: 0, pending: reach <= this.H ? reach : null };
  }

  state(pid: number | null, rec: ParentLink | null): PState {
    const T = this.T;
    const s: PState = {
      known: pid !== null, gone: false, goneSince: 0, q: false, qSince: 0, sdsi: false, sdsiSince: 0,
      pending: null, ended: null, urgentEvent: null, urgentKind: null, notPresent: false,
    };
    const status = rec?.status ?? '正常';
    const since = rec?.since ?? 0;
    const gone = (d: number) => { if (!s.gone || d < s.goneSince) { s.gone = true; s.goneSince = d; } };
    const q = (d: number) => { if (!s.q || d < s.qSince) { s.q = true; s.qSince = d; } };
    const sd = (d: number) => { if (!s.sdsi || d < s.sdsiSince) { s.sdsi = true; s.sdsiSince = d; } q(d); };
    const end = (reason: string, date: number) => { if (!s.ended || date > s.ended.date) s.ended = { reason, date }; };
    const urgent = (d: number, kind: string) => { if (T - d <= this.W && (s.urgentEvent === null || d >= s.urgentEvent)) [s.urgentEvent, s.urgentKind] = [d, kind]; };
    const court = pid === null ? this.court(-1) : this.court(pid);
    // A lost contact the feed reports found again by T (on or after the registry's date).
    const foundAgain = pid === null ? null : Math.max(0, ...(this.lost.get(pid) ?? []).filter((l) => l.found !== null && l.found <= T && l.found >= since).map((l) => l.found as number)) || null;

    // reappearance: a community-correction record newer than a missing / lost-contact status
    let reappeared: number | null = null;
    if (pid !== null && (status === '失踪' || status === '查找不到' || status === '失联')) {
      for (const r of this.restr.get(pid) ?? []) {
        if (r.measure === '社区矫正' && r.start > since && r.start <= T) reappeared = Math.max(reappeared ?? 0, r.start);
      }
    }
    // A court's later judgment undoes the registry's status (撤销失踪宣告, 撤销死亡宣告, 恢复监护人资格).
    const undone = (d: number | null) => d !== null && d >= since;
    switch (status) {
      case '死亡':
        if (undone(court.deadRevoked) && !(pid !== null && this.w.deathDay.has(pid))) end('PARENT_REAPPEARED', court.deadRevoked as number);
        else gone(since);
        break;
      case '失踪':
      case '查找不到':
        if (reappeared !== null) end('PARENT_REAPPEARED', reappeared);
        else if (undone(court.missingRevoked)) end('PARENT_REAPPEARED', court.missingRevoked as number);
        else gone(since);
        break;
      case '失联': {
        const reach = addMonths(since, RULE_DEFAULTS.lostContactMinMonths);
        if (reappeared !== null) end('PARENT_REAPPEARED', reappeared);
        else if (foundAgain !== null) end('PARENT_REAPPEARED', foundAgain);
        else if (reach <= T) q(reach);
        else if (reach <= this.H) s.pending = reach;
        if (reappeared === null && foundAgain === null) s.notPresent = true;
        break;
      }
      case '重病': sd(since); break;
      case '撤销监护资格':
        if (undone(court.restored)) end('GUARDIANSHIP_RESTORED', court.restored as number);
        else q(since);
        break;
      case '遣送(驱逐)出境': q(since); break;
      default: break;
    }
    // The statuses of the court, lost-contact and illness feeds (RULES.md §1).
    for (const [d, kind] of [[court.missing, 'MISSING'], [court.dead, 'DECLARED_DEAD']] as const) {
      if (d === null) continue;
      gone(d);
      urgent(d, kind);
    }
    if (court.revoked !== null) q(court.revoked);
    if (pid !== null) {
      for (const l of this.lost.get(pid) ?? []) {
        if (l.report > T || (l.found !== null && l.found <= T)) continue;
        const reach = addMonths(l.report, RULE_DEFAULTS.lostContactMinMonths);
        if (reach <= T) q(reach);
        else if (reach <= this.H) s.pending = Math.min(s.pending ?? reach, reach);
        s.notPresent = true;
      }
      const illSince = this.severeIll(pid);
      if (illSince !== null) sd(illSince);
    }
    if (pid !== null) {
      const dd = this.w.deathDay.get(pid);
      if (dd !== undefined && dd <= T) {
        gone(dd);
        urgent(dd, 'DEAD');
      }
      let severeNow = false;
      for (const c of this.certs.get(pid) ?? []) {
        if (severeCert(c) && certValidAt(c, T)) { severeNow = true; sd(c.issue); }
      }
      if (status === '重残' && !severeNow) {
        const cancelled = (this.certs.get(pid) ?? []).filter((c) => c.status === '注销' && c.statusDate !== null && c.statusDate <= T);
        const date = cancelled.length ? Math.max(...cancelled.map((c) => c.statusDate as number)) : T;
        s.ended = { reason: 'PARENT_DISABILITY_ENDED', date };
      }
      let restrictedNow = false;
      let released: number | null = null;
      for (const r of this.restr.get(pid) ?? []) {
        const a = this.restrictionAt(r);
        if (a.holds) { restrictedNow = true; q(a.since); }
        if (a.pending !== null) s.pending = Math.min(s.pending ?? a.pending, a.pending);
        if (RESTRICTING.has(r.measure) && r.start <= T && (r.release === null || r.release > T)) {
          s.notPresent = true; // restricted from its start for URGENT purposes
          urgent(r.start, 'RESTRICTION');
        }
        if (RESTRICTING.has(r.measure) && r.release !== null && r.release <= T) released = Math.max(released ?? 0, r.release);
      }
      if (RESTRICTING.has(status) && !restrictedNow && released !== null) s.ended = { reason: 'PARENT_RELEASED', date: released };
    }
    if (s.gone) { s.q = false; s.sdsi = false; s.pending = null; }
    if (s.gone || s.q || !s.known && status !== '正常') s.notPresent = true;
    if (!s.known && rec === null) s.notPresent = true; // unknown parent
    return s;
  }

  childDisabled(pid: number): { holds: boolean; since: number; endedAt: number | null } {
    let holds = false;
    let since = 0;
    let endedAt: number | null = null;
    for (const c of this.certs.get(pid) ?? []) {
      const qualifies = c.type === 5 || c.type === 6 ? [1, 2, 3, 4].includes(c.level) : [1, 2].includes(c.level);
      if (!qualifies) continue;
      if (certValidAt(c, this.T)) { holds = true; since = since ? Math.min(since, c.issue) : c.issue; }
      else if (c.statusDate !== null && c.statusDate <= this.T) endedAt = Math.max(endedAt ?? 0, c.statusDate);
    }
    return { holds, since, endedAt };
  }

  /** Strongest qualifying category with its reason and since-date. */
  qualify(f: PState, m: PState, childPid: number, pendingToo = false): { cat: Category; reason: string; since: number } | null {
    const q = (s: PState) => s.q || (pendingToo && s.pending !== null);
    const qs = (s: PState) => (s.q ? s.qSince : s.pending ?? 0);
    if (f.gone && m.gone) return { cat: 'ORPHAN', reason: 'BOTH_PARENTS_GONE', since: Math.max(f.goneSince, m.goneSince) };
    const famSD = (f.sdsi && m.sdsi) || (f.gone && m.sdsi) || (f.sdsi && m.gone);
    if ((q(f) && q(m)) || (f.gone && q(m)) || (q(f) && m.gone)) {
      const since = Math.max(f.gone ? f.goneSince : qs(f), m.gone ? m.goneSince : qs(m));
      // RULES.md §2/§3: a DE_FACTO child's reason is PARENTS_QUALIFY, whatever the parents' statuses.
      return { cat: 'DE_FACTO', reason: 'PARENTS_QUALIFY', since };
    }
    if (famSD) return { cat: 'DIFFICULTY_FAMILY', reason: 'PARENTS_SEVERELY_DISABLED', since: Math.max(f.sdsiSince, m.sdsiSince) };
    const poor = this.poor(childPid);
    if (poor.holds) return { cat: 'DIFFICULTY_FAMILY', reason: 'POOR_FAMILY', since: poor.since };
    const cd = this.childDisabled(childPid);
    if (cd.holds) return { cat: 'DIFFICULTY_SELF', reason: 'CHILD_DISABLED', since: cd.since };
    const ill = this.severeIll(childPid);
    if (ill !== null) return { cat: 'DIFFICULTY_SELF', reason: 'CHILD_SERIOUSLY_ILL', since: ill };
    return null;
  }

  compute(): TruthFlag[] {
    const w = this.w;
    const T = this.T;
    const out: TruthFlag[] = [];
    const asOf = iso(T);
    const flag = (f: Partial<TruthFlag> & Pick<TruthFlag, 'flag' | 'reason'>, pid: number, row: RegRow | null, county?: string) => {
      const p = w.person(pid);
      out.push({
        as_of: asOf, category: '', previous_category: '', effective_from: '', overpaid_months: '', event: '',
        child_person_id: personId(pid), child_id_number: p.id, child_ref: row?.ref ?? '',
        county_code: county ?? (row ? row.region.slice(0, 6) : p.county), ...f,
      });
    };
    const overpaid = (row: RegRow, eff: number) => (row.lastPaid === null ? '' : String(monthsInclusive(eff, row.lastPaid) * (row.lastPaid >= eff ? 1 : 0)));

    // group registry rows by child
    const byChild = new Map<number, RegRow[]>();
    for (const r of w.reg) push(byChild, r.child, r);
    const children = new Set<number>([...byChild.keys(), ...w.candidates]);
    for (const e of w.enrolls) if (w.families.has(e.pid)) children.add(e.pid);

    for (const pid of [...children].sort((a, b) => a - b)) {
      const p = w.person(pid);
      const rows = byChild.get(pid) ?? [];
      const active = rows.filter((r) => r.status === '在保').sort((a, b) => a.start - b.start || (a.ref < b.ref ? -1 : 1));
      const primary = active[0] ?? null;
      const fam = w.families.get(pid) ?? { father: null, mother: null };
      const recRow = primary ?? rows[rows.length - 1] ?? null;
      const fs = this.state(fam.father, recRow ? recRow.father : null);
      const ms = this.state(fam.mother, recRow ? recRow.mother : null);
      const dead = this.dead(pid);
      const adult = nthBirthday(p.birth, 18) <= T;
      const best = this.qualify(fs, ms, pid);

      for (const dup of active.slice(1)) {
        const eff = firstOfNextMonth(dup.start);
        flag({ flag: 'REMOVE', reason: 'DUPLICATE_REGISTRATION', category: dup.category, effective_from: iso(eff), overpaid_months: overpaid(dup, eff) }, pid, dup);
      }
      if (primary) {
        const C = primary.category;
        const L = C === 'LEFT_BEHIND' ? RULE_DEFAULTS.leftBehindMaxAge : RULE_DEFAULTS.adultAge;
        const bL = nthBirthday(p.birth, L);
        const remove = (reason: string, eventDay: number) => {
          const eff = firstOfNextMonth(eventDay);
          flag({ flag: 'REMOVE', reason, category: C, effective_from: iso(eff), overpaid_months: overpaid(primary, eff) }, pid, primary);
        };
        if (dead) remove('CHILD_DEAD', w.deathDay.get(pid) as number);
        else if (bL <= T) remove('AGED_OUT', bL);
        else {
          if (best && CATEGORY_RANK[best.cat] > CATEGORY_RANK[C]) {
            flag({ flag: 'RECLASSIFY', reason: best.reason, category: best.cat, previous_category: C, effective_from: iso(firstOfNextMonth(best.since)) }, pid, primary);
          } else if (C !== 'LEFT_BEHIND' && C !== 'HIV' && !(best && best.cat === C)) {
            const poverty = C === 'DIFFICULTY_FAMILY' ? this.poor(pid).endedAt : null;
            const ended = [fs.ended, ms.ended, poverty === null ? null : { reason: 'POVERTY_ENDED', date: poverty }]
              .filter((x): x is { reason: string; date: number } => x !== null)
              .sort((a, b) => b.date - a.date)[0];
            if (ended) remove(ended.reason, ended.date);
            else {
              const cd = this.childDisabled(pid);
              remove('BASIS_NO_LONGER_HOLDS', C === 'DIFFICULTY_SELF' && cd.endedAt !== null ? cd.endedAt : T);
            }
          }
          if (bL > T && bL <= this.H) flag({ flag: 'WATCH', reason: 'AGES_OUT_NEXT_QUARTER', category: C, effective_from: iso(bL) }, pid, primary);
          const soon = this.qualify(fs, ms, pid, true);
          const curRank = Math.max(CATEGORY_RANK[C], best ? CATEGORY_RANK[best.cat] : 0);
          if (soon && CATEGORY_RANK[soon.cat] > curRank && nthBirthday(p.birth, 18) > this.H) {
            const d = Math.min(...[fs.pending, ms.pending].filter((x): x is number => x !== null));
            flag({ flag: 'WATCH', reason: 'THRESHOLD_PENDING', category: soon.cat, previous_category: C, effective_from: iso(d) }, pid, primary);
          }
          const a = ageAt(p.birth, this.D);
          if (a >= 6 && a <= 15) {
            const st = this.enroll.get(pid);
            if (st === undefined) flag({ flag: 'EDUCATION', reason: 'NOT_ENROLLED', category: C }, pid, primary);
            else if (st === '辍学') flag({ flag: 'EDUCATION', reason: 'DROPPED_OUT', category: C }, pid, primary);
          }
        }
      } else if (!dead && !adult) {
        const stopped = rows.length ? (rows[rows.length - 1] as RegRow) : null;
        if (best) flag({ flag: 'ADD', reason: best.reason, category: best.cat, effective_from: iso(firstOfNextMonth(best.since)) }, pid, stopped);
        else {
          const soon = this.qualify(fs, ms, pid, true);
          if (soon && nthBirthday(p.birth, 18) > this.H) {
            const d = Math.min(...[fs.pending, ms.pending].filter((x): x is number => x !== null));
            flag({ flag: 'WATCH', reason: 'THRESHOLD_PENDING', category: soon.cat, effective_from: iso(d) }, pid, stopped);
          }
        }
      }
      // HIV (RULES.md §2): proposed for adding unless the child is active as ORPHAN or DE_FACTO (the same rate), or as HIV.
      const hiv = this.hivSince(pid);
      if (hiv !== null && !dead && !adult && !(primary && ['ORPHAN', 'DE_FACTO', 'HIV'].includes(primary.category))) {
        const row = primary ?? (rows.length ? (rows[rows.length - 1] as RegRow) : null);
        flag({ flag: 'ADD', reason: 'CHILD_HIV', category: 'HIV', effective_from: iso(firstOfNextMonth(hiv)) }, pid, row);
      }
      // URGENT: any child under 18 and alive
      if (!dead && !adult) {
        const cat = primary ? primary.category : best?.cat ?? '';
        const ev = [fs.urgentEvent !== null && ms.notPresent ? fs : null, ms.urgentEvent !== null && fs.notPresent ? ms : null]
          .filter((x): x is PState => x !== null)
          .sort((a, b) => (b.urgentEvent as number) - (a.urgentEvent as number));
        if (ev.length) flag({ flag: 'URGENT', reason: 'PARENT_EVENT_NO_CARER', category: cat, effective_from: iso(ev[0]!.urgentEvent as number), event: ev[0]!.urgentKind ?? '' }, pid, primary ?? rows[rows.length - 1] ?? null);
        if (primary && primary.category === 'LEFT_BEHIND' && primary.carer) {
          const cs = this.state(primary.carer.pid, null);
          if (cs.urgentEvent !== null) flag({ flag: 'URGENT', reason: 'CARER_EVENT', category: cat, effective_from: iso(cs.urgentEvent), event: cs.urgentKind ?? '' }, pid, primary);
        }
      }
    }
    const ORDER = ['REMOVE', 'RECLASSIFY', 'ADD', 'URGENT', 'EDUCATION', 'WATCH'];
    out.sort((a, b) => ORDER.indexOf(a.flag) - ORDER.indexOf(b.flag) || (a.child_person_id < b.child_person_id ? -1 : a.child_person_id > b.child_person_id ? 1 : 0) || (a.child_ref < b.child_ref ? -1 : 1));
    return out;
  }
}

export function personId(pid: number): string {
  return 'P' + String(pid).padStart(8, '0');
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
