// Registry and school rows (and the linkage's persons rows that tie them) for the education list
// tests, on the review fixture's store: its run read batches 1, 2 and 3.
import { insertPlain } from '../helpers.js';
import { lit, type Db } from '../../pipeline/store/index.js';

export interface RosterChild {
  ref: string;
  name: string;
  id: string;
  county: string;
  category: string;
  status?: 'ACTIVE' | 'STOPPED';
  /** School records of the child (batch 2), latest last. */
  school?: { status: string; level: string; grade: string; school: string; code: string; asOf: string; guardian1?: [string, string]; guardian2?: [string, string] }[];
  /** Another registry row for the same child ref, in an earlier batch (superseded). */
  earlier?: { status: 'ACTIVE' | 'STOPPED' };
}

const v = (x: string | null | undefined) => (x == null ? 'NULL' : lit(x));
let row = 100;
let uid = 1000;

export async function seedRoster(db: Db, children: RosterChild[]): Promise<void> {
  // The linkage's table (matchers/ makes it in a run).
  await db.run(`CREATE TABLE IF NOT EXISTS persons (uid BIGINT, mention_key VARCHAR, feed VARCHAR, role VARCHAR, batch_id INTEGER, src_row INTEGER, person_id VARCHAR, cluster_size INTEGER)`);
  for (const c of children) {
    const birth = `${c.id.slice(6, 10)}-${c.id.slice(10, 12)}-${c.id.slice(12, 14)}`;
    const gender = Number(c.id[16]) % 2 === 1 ? 'M' : 'F';
    const person = `P-${c.ref}`;
    const registry = async (batch: number, status: string) => {
      const r = row++;
      await insertPlain(db, 'feed_registry',
        `INSERT INTO feed_registry (batch_id, src_row, src_line, raw, child_ref, name, id_number, id_number_valid, id_number_birth_date, id_number_gender,
                                    region_code_county, category, status)
         VALUES (${batch}, ${r}, ${r + 1}, '{}', ${lit(c.ref)}, ${lit(c.name)}, ${lit(c.id)}, TRUE, DATE ${lit(birth)}, ${lit(gender)}, ${lit(c.county)},
                 ${lit(c.category)}, ${lit(status)})`,
      );
      await db.run(`INSERT INTO persons (uid, feed, role, batch_id, src_row, person_id) VALUES (${uid++}, 'registry', 'child', ${batch}, ${r}, ${lit(person)})`);
    };
    if (c.earlier) await registry(1, c.earlier.status);
    await registry(3, c.status ?? 'ACTIVE');
    for (const s of c.school ?? []) {
      const r = row++;
      await insertPlain(db, 'feed_enrollment',
        `INSERT INTO feed_enrollment (batch_id, src_row, src_line, raw, name, id_number, status, level, grade, school_name, school_code, as_of,
                                      guardian1_name, guardian1_relation, guardian2_name, guardian2_relation)
         VALUES (2, ${r}, ${r + 1}, '{}', ${lit(c.name)}, ${lit(c.id)}, ${lit(s.status)}, ${lit(s.level)}, ${lit(s.grade)}, ${lit(s.school)}, ${lit(s.code)},
                 DATE ${lit(s.asOf)}, ${v(s.guardian1?.[0])}, ${v(s.guardian1?.[1])}, ${v(s.guardian2?.[0])}, ${v(s.guardian2?.[1])})`,
      );
      await db.run(`INSERT INTO persons (uid, feed, role, batch_id, src_row, person_id) VALUES (${uid++}, 'enrollment', 'subject', 2, ${r}, ${lit(person)})`);
    }
  }
}
