// What the rules read about people: the evidence records gathered from the store (gather.ts) in
// plain typed objects, so that the rules themselves are ordinary functions that tests can feed.

export interface Evidence {
  feed: string;
  /** The record id of the source (record_id, certificate number, child ref) or batch:row. */
  recordId: string;
  date: string | null;
  /** Match probability that this record is about the person (1 when it stands alone). */
  score: number;
  batchId: number;
  srcRow: number;
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

/** Everything the feeds say about one person. */
export interface PersonFacts {
  personId: string;
  deaths: DeathRecord[];
  restrictions: RestrictionRecord[];
  certificates: CertificateRecord[];
  enrollments: EnrollmentRecord[];
}

/** A parent as the registry row records it (what was verified at enrolment). */
export interface RecordedParent {
  personId: string | null;
  /** Parent status code (NORMAL, DEAD, INCARCERATED, …) or null when not recorded. */
  status: string | null;
  since: string | null;
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
  county: string | null;
  own: PersonFacts;
  registry: RegistryRecord[];
  /** Parents known from the enrollment feed's guardians (relation FATHER / MOTHER). */
  listedFatherId: string | null;
  listedMotherId: string | null;
}

export const EMPTY_FACTS = (personId: string): PersonFacts => ({ personId, deaths: [], restrictions: [], certificates: [], enrollments: [] });
