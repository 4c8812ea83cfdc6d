// Person linkage on a tiny synthetic province with every noise type raised, scored against its ground truth.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { bucketKeysQuery, compareCandidates, linkPersons, mergeVectors, type LinkPersonsResult } from '../../matchers/index.js';
import { FEED_SPECS } from '../../pipeline/feeds.js';
import { lit, openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { generateProvince, synthOptionsSchema } from '../../synth/index.js';
import { tempDir } from '../helpers.js';

let db: Db;
let r: LinkPersonsResult;
let perNoise: Map<string, { pairs: number; together: number }>;
const linkOnly = Object.values(FEED_SPECS)
  .filter((f) => f.linkOnly)
  .map((f) => lit(f.feed))
  .join(', ');

beforeAll(async () => {
  const out = tempDir('bidui-match-synth-');
  await generateProvince(
    synthOptionsSchema.parse({
      seed: 3,
      size: 'tiny',
      out,
      noise: {
        idDigit: 0.05, idTranspose: 0.04, id15: 0.1, idLowerX: 0.3, idFullWidth: 0.04, idMissing: 0.04, idSci: 0.03,
        id000: 0.04, idNumeric: 0.2, nameHomophone: 0.1, nameTraditional: 0.08, nameSeparator: 0.6, birthSwap: 0.2,
      },
    }),
  );
  const inbox = join(out, 'inbox');
  db = await openStore(':memory:');
  await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox }));
  await db.run(`CREATE TABLE truth_labels AS
SELECT t.feed || ':' || b.batch_id || ':' || t."row" || ':' || t.role AS mention_key, t.person_id AS label, nullif(t.noise, '') AS noise
FROM read_csv(${lit(join(out, 'truth', 'mentions.csv'))}, header = true, all_varchar = true) t
JOIN ingest_batches b ON b.status = 'loaded' AND b.feed = t.feed AND b.file_path = ${lit(inbox + '/')} || t.file`);
  r = await linkPersons(db, { labelsTable: 'truth_labels' });
  const rows = await queryRows<{ noise: string; pairs: number; together: number }>(
    db,
    // Two mentions of a link-only roster (the school registry) are linked to the persons of interest, not to each other.
    `WITH m AS (SELECT m.uid, m.true_label, p.person_id, tl.noise, m.feed IN (${linkOnly}) AS link FROM mentions m JOIN persons p USING (uid, feed) JOIN truth_labels tl ON tl.mention_key = m.mention_key),
noisy AS (SELECT uid, true_label, person_id, link, unnest(string_split(noise, ';')) AS noise FROM m WHERE noise IS NOT NULL)
SELECT n.noise, count(o.uid)::INTEGER AS pairs, count(o.uid) FILTER (WHERE o.person_id = n.person_id)::INTEGER AS together
FROM noisy n JOIN m o ON o.true_label = n.true_label AND o.uid <> n.uid AND NOT (n.link AND o.link) GROUP BY 1`,
  );
  perNoise = new Map(rows.map((x) => [x.noise, x]));
}, 120_000);

describe('linkPersons on a tiny synthetic province with raised noise', () => {
  it('links persons with high pair precision and recall', () => {
    const c = r.clusterEvaluation!;
    expect(c.truePairs).toBeGreaterThan(100);
    expect(c.precision).toBeGreaterThanOrEqual(0.99);
    expect(c.recall).toBeGreaterThanOrEqual(0.97);
    expect(r.evaluation!.blockingRecall).toBeGreaterThanOrEqual(0.98);
  });

  it('keeps most pairs damaged by each noise type that occurred', () => {
    expect(perNoise.size).toBeGreaterThanOrEqual(8);
    for (const [noise, x] of perNoise) {
      if (x.pairs < 5) continue;
      expect({ noise, recall: x.together / x.pairs }).toEqual({ noise, recall: expect.toSatisfy((v: number) => v >= 0.85) });
    }
  });
});

describe('blocking split into buckets (partitioned runs)', () => {
  it('the buckets together give every candidate pair and comparison vector of the whole run, each pair once', async () => {
    const settings = r.settings;
    const cols = `rid_l, rid_r, match_key, ${settings.comparisons.map((c) => `gamma_${c.name}`).join(', ')}`;
    await db.run(`CREATE TABLE whole_vectors AS SELECT ${cols} FROM match_comparison_vectors`);
    await db.run(`CREATE TABLE bucket_vectors AS SELECT *, 0 AS bucket FROM match_comparison_vectors WHERE FALSE`);
    const count = 4;
    await db.run(`CREATE TABLE bucket_keys AS ${bucketKeysQuery(settings, 'match_', count)}`);
    for (let index = 0; index < count; index++) {
      const c = await compareCandidates(db, settings, 'match_', { index, keys: `(SELECT * FROM bucket_keys WHERE bucket = ${index})` });
      await db.run(`INSERT INTO bucket_vectors SELECT *, ${index} FROM match_comparison_vectors`);
      expect(c.candidatePairs).toBeGreaterThan(0);
    }
    const one = async (sql: string) => (await queryRows<{ n: number }>(db, sql))[0]!.n;
    const dupes = await one('SELECT (count(*) - count(DISTINCT (rid_l, rid_r)))::INT AS n FROM bucket_vectors');
    await mergeVectors(db, 'match_', 'SELECT * EXCLUDE (bucket) FROM bucket_vectors');
    const diff = await one(
      `SELECT count(*)::INT AS n FROM ((SELECT ${cols} FROM match_comparison_vectors EXCEPT ALL SELECT * FROM whole_vectors)
        UNION ALL (SELECT * FROM whole_vectors EXCEPT ALL SELECT ${cols} FROM match_comparison_vectors))`,
    );
    expect(diff).toBe(0);
    expect(await one('SELECT count(*)::INT AS n FROM whole_vectors')).toBe(r.counts.candidatePairs);
    // Pairs sharing keys of two buckets come twice before the merge, once after it.
    expect(dupes).toBeGreaterThan(0);
  });
});
