// What the rules read about people: the evidence records gathered from the store (gather.ts) in
// plain typed objects, so that the rules themselves are ordinary functions that tests can feed.

import type { EvidenceBasis } from './evidence.js';

export interface Evidence {
  feed: string;
  /** The record id of the source (record_id, certificate number, child ref) or batch:row. */
  recordId: string;
  date: string | null;
  /** Match probability that this record is about the person (1 when it stands alone). */
  score: number;
  batchId: number;
  srcRow: number;
  /** An inferred link (rules/evidence.ts EVIDENCE_BASES): a name-only parent link (score capped by it), a household link. */
  basis?: EvidenceBasis;
}

export interface DeathRecord extends Evidence {
  deathDate: string;
}

export type Measure = 'INCARCERATED' | 'COMPULSORY_REHAB' | 'OTHER_RESTRICTION' | 'COMMUNITY_CORRECTION';

export interface RestrictionRecord extends Evidence {
  measure: Measure;
  start: string;
  end: string | null;
  release: string | null;
}

export interface CertificateRecord extends Evidence {
  type: number;
  level: number;
  issue: string | null;
  status: 'VALID' | 'CANCELLED' | null;
  statusDate: string | null;
}

export interface EnrollmentRecord extends Evidence {
  status: string;
  level: string | null;
  asOf: string | null;
  school: string | null;
}

/** Court judgments on a person's status or guardianship (FEEDS.md court). */
export type JudgmentType = 'DECLARED_MISSING' | 'DECLARED_DEAD' | 'MISSING_REVOKED' | 'DEATH_REVOKED' | 'GUARDIANSHIP_REVOKED' | 'GUARDIANSHIP_RESTORED';

export interface JudgmentRecord extends Evidence {
  type: JudgmentType;
  judgmentDate: string;
  effectiveDate: string | null;
}

/** A 失联 report; `found` is empty while the person is still missing. */
export interface LostContactRecord extends Evidence {
  report: string;
  found: string | null;
}

export interface IllnessRecord extends Evidence {
  /** ICD-10 code as delivered. */
  code: string | null;
  disease: string | null;
  diagnosis: string;
}

/** Need-to-know (RULES.md §4). */
export interface HivRecord extends Evidence {
  confirm: string;
}

/** One member row of a social-assistance roll. */
export interface AssistanceRecord extends Evidence {
  householdId: string | null;
  /** HEAD, SPOUSE, CHILD, … (与户主关系) */
  relation: string | null;
  /** DIBAO, TEKUN, DIBAO_EDGE */
  type: string;
  start: string;
  end: string | null;
}

/** Everything the feeds say about one person. The optional feeds' lists may be absent (older facts). */
export interface PersonFacts {
  personId: string;
  deaths: DeathRecord[];
  restrictions: RestrictionRecord[];
  certificates: CertificateRecord[];
  enrollments: EnrollmentRecord[];
  judgments?: JudgmentRecord[];
  lostContacts?: LostContactRecord[];
  illnesses?: IllnessRecord[];
  hiv?: HivRecord[];
  assistance?: AssistanceRecord[];
}

/** A parent as the registry row records it (what was verified at enrolment). */
export interface RecordedParent {
  personId: string | null;
  /** Parent status code (NORMAL, DEAD, INCARCERATED, …) or null when not recorded. */
  status: string | null;
  since: string | null;
  /** The row names this parent without ID and the linkage joined it to a person by name alone: the link's probability. */
  nameOnly?: number;
}

export interface RegistryRecord extends Evidence {
  childRef: string | null;
  category: string;
  subtype: string | null;
  status: 'ACTIVE' | 'STOPPED';
  startDate: string | null;
  lastPaidMonth: string | null;
  county: string | null;
  father: RecordedParent;
  mother: RecordedParent;
  carerPersonId: string | null;
}

/** One child (a person) with what is known about it and its parents. */
export interface ChildFacts {
  personId: string;
  name: string | null;
  idNumber: string | null;
  birthDate: string | null;
  /** The birth date is the digits of an ID whose check digit fails (no valid ID, no birth-date column): the flags say so. */
  birthFromInvalidId?: boolean;
  county: string | null;
  own: PersonFacts;
  registry: RegistryRecord[];
  /**
   * Parents known from the enrollment feed's guardians (relation FATHER / MOTHER), else from the
   * social-assistance household (the head and spouse of the household the child is a 子女 of).
   */
  listedFatherId: string | null;
  listedMotherId: string | null;
  /**
   * When every listing of that parent is a name-only link (matchers/name-only.ts): the link's probability. The
   * parent's records then count for this child with their score capped by it and marked basis 'name_only'
   * (so do a registry parent's, RecordedParent.nameOnly).
   */
  listedFatherNameOnly?: number | null;
  listedMotherNameOnly?: number | null;
  /**
   * A school record's guardian listed by name alone whom the linkage could not tell from its namesakes
   * (matchers/name-only.ts, name_only_alternatives): the candidates it is one of. evaluateChild raises what holds
   * whichever it is.
   */
  fatherAlternatives?: NameOnlyAlternatives;
  motherAlternatives?: NameOnlyAlternatives;
}

/** The persons a parent listed by name alone could be, and the probability each name-only link would carry. */
export interface NameOnlyAlternatives {
  personIds: string[];
  probability: number;
}

/**
 * The persons whose facts a child's rules read: the child, its recorded parents and carers, its listed parents and
 * the candidates of a parent listed by name alone (rules/gather.ts batches the same people in SQL).
 */
export function personIdsRead(child: ChildFacts): Set<string> {
  const ids = new Set<string>([child.personId]);
  for (const r of child.registry) for (const id of [r.father.personId, r.mother.personId, r.carerPersonId]) if (id) ids.add(id);
  for (const id of [child.listedFatherId, child.listedMotherId, ...(child.fatherAlternatives?.personIds ?? []), ...(child.motherAlternatives?.personIds ?? [])]) if (id) ids.add(id);
  return ids;
}

/** A parent's facts as one child sees them through a name-only link: every record capped at the link's probability and marked. */
export function throughNameOnlyLink(f: PersonFacts, probability: number): PersonFacts {
  const mark = <T extends Evidence>(e: T): T => ({ ...e, score: Math.min(e.score, probability), basis: 'name_only' });
  return {
    personId: f.personId,
    deaths: f.deaths.map(mark),
    restrictions: f.restrictions.map(mark),
    certificates: f.certificates.map(mark),
    enrollments: f.enrollments.map(mark),
    judgments: (f.judgments ?? []).map(mark),
    lostContacts: (f.lostContacts ?? []).map(mark),
    illnesses: (f.illnesses ?? []).map(mark),
    hiv: (f.hiv ?? []).map(mark),
    assistance: (f.assistance ?? []).map(mark),
  };
}

export const EMPTY_FACTS = (personId: string): PersonFacts => ({
  personId,
  deaths: [],
  restrictions: [],
  certificates: [],
  enrollments: [],
  judgments: [],
  lostContacts: [],
  illnesses: [],
  hiv: [],
  assistance: [],
});
