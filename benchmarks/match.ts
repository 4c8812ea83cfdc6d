/**
 * npm run bench:match [-- --size small|medium|province --seed 1 --dir bench-output/match --threads 2 --reingest
 *   --train auto|true|false --copy-store PATH --memory 12GB --scope interest|all]
 * Generates (once, then reuses) a synthetic province with every noise type on, ingests it (once per store),
 * links every person mention with linkPersons and prints, against the ground truth: pair precision / recall /
 * F1 (scored pairs and after clustering), blocking recall, candidate pairs, recall per noise type, seconds per
 * stage, peak memory, and the time of a plain exact-ID join over the same mentions measured in the same run.
 * --scope interest (default): the persons of interest deduplicated and the link-only rosters linked to them
 * (pairs of two link-only mentions are not counted); --scope all: every mention in one graph.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { ingestInbox } from '../connectors/index.js';
import { linkPersons } from '../matchers/index.js';
import { lit, queryRows } from '../pipeline/store/index.js';
import { openStore } from '../pipeline/store/index.js';
import { generateProvince, synthOptionsSchema } from '../synth/index.js';
import { FEED_SPECS } from '../pipeline/feeds.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: 'bench-output/match' },
    threads: { type: 'string', default: '2' },
    reingest: { type: 'boolean', default: false },
    train: { type: 'string', default: 'auto' },
    /** Start from a copy of an already ingested store of the same inbox (e.g. the ingest benchmark's bench.duckdb). */
    'copy-store': { type: 'string' },
    /** DuckDB memory limit (e.g. 12GB); beyond it DuckDB spills to disk. */
    memory: { type: 'string' },
    scope: { type: 'string', default: 'interest' },
  },
});
if (values.scope !== 'interest' && values.scope !== 'all') throw new Error(`--scope interest | all, got ${values.scope}`);
const scope = values.scope;
// Pairs of two mentions of link-only rosters: not counted with --scope interest (linked to the persons of interest only).
const linkOnly = scope === 'interest' ? Object.values(FEED_SPECS).filter((f) => f.linkOnly).map((f) => f.feed) : [];
const linkOnlySql = linkOnly.length ? linkOnly.map((f) => lit(f)).join(', ') : 'NULL';
const size = values.size!;
const tag = `${size}-seed${values.seed}`;
const workDir = resolve(values.dir!, tag);
mkdirSync(workDir, { recursive: true });
const f4 = (x: number) => x.toFixed(4);
const secs = (ms: number) => Math.round(ms) / 1000;
const mib = () => Math.round(process.resourceUsage().maxRSS / 1024);

// ---- the synthetic province (reuse this benchmark's or the ingest benchmark's inbox)
const candidates = [workDir, resolve('bench-output/ingest', tag)];
let provinceDir = candidates.find((d) => existsSync(join(d, 'truth', 'summary.json')));
if (!provinceDir) {
  provinceDir = workDir;
  const t0 = performance.now();
  await generateProvince(synthOptionsSchema.parse({ seed: Number(values.seed), size, out: provinceDir }));
  console.log(`generated ${size} province in ${secs(performance.now() - t0)} s (${provinceDir})`);
}
const inbox = join(provinceDir, 'inbox');
const truthDir = join(provinceDir, 'truth');
const truthFile = ['mentions.parquet', 'mentions.csv'].map((f) => join(truthDir, f)).find((f) => existsSync(f));
if (!truthFile) throw new Error(`no truth/mentions.{csv,parquet} under ${provinceDir}`);

// ---- the store (ingested once; --reingest starts over)
const dbPath = join(workDir, 'store.duckdb');
if (values.reingest || values['copy-store']) for (const f of [dbPath, dbPath + '.wal']) rmSync(f, { force: true });
if (values['copy-store']) {
  const from = resolve(values['copy-store']);
  copyFileSync(from, dbPath);
  if (existsSync(from + '.wal')) copyFileSync(from + '.wal', dbPath + '.wal');
  console.log(`copied the ingested store ${from}`);
}
const db = await openStore(dbPath, { threads: Number(values.threads) });
if (values.memory) await db.run(`SET memory_limit = ${lit(values.memory)}`);
const stage: Record<string, number> = {};
const [{ loaded }] = (await queryRows<{ loaded: number }>(db, `SELECT count(*)::INTEGER AS loaded FROM ingest_batches WHERE status = 'loaded'`)) as [
  { loaded: number },
];
if (loaded === 0) {
  const t0 = performance.now();
  const reports = await ingestInbox(db, loadConfig(undefined, { database: dbPath, inbox }));
  stage.ingest = secs(performance.now() - t0);
  const failed = reports.filter((r) => r.status === 'failed');
  if (failed.length) console.log(`FAILED batches: ${failed.map((f) => `${f.file}: ${f.error}`).join('; ')}`);
  console.log(`ingested ${reports.reduce((a, r) => a + r.rowsLoaded, 0)} rows from ${reports.length} files in ${stage.ingest} s`);
} else console.log(`reusing the store ${dbPath} (${loaded} batches; --reingest to start over)`);

// ---- the truth as labels keyed like mentions.mention_key
{
  const t0 = performance.now();
  const read = truthFile.endsWith('.parquet')
    ? `read_parquet(${lit(truthFile)})`
    : `read_csv(${lit(truthFile)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`;
  await db.run(`CREATE OR REPLACE TABLE truth_labels AS
SELECT t.feed || ':' || b.batch_id || ':' || CAST(t."row" AS INTEGER) || ':' || t.role AS mention_key, t.person_id AS label, nullif(t.noise, '') AS noise
FROM ${read} t JOIN ingest_batches b ON b.status = 'loaded' AND b.feed = t.feed AND b.file_path = ${lit(inbox + '/')} || t.file`);
  stage.truth = secs(performance.now() - t0);
}

// ---- linkage
const train = values.train === 'true' ? true : values.train === 'false' ? false : 'auto';
const r = await linkPersons(db, { labelsTable: 'truth_labels', runId: `bench-${tag}`, train, scope });

// ---- baseline: a plain exact-ID join over the same mentions, same process, same threads
const tj = performance.now();
await db.run(`CREATE OR REPLACE TEMP TABLE exact_id_pairs AS SELECT l.uid AS uid_l, r.uid AS uid_r FROM mentions l JOIN mentions r ON l.id = r.id AND l.uid < r.uid`);
const exactSeconds = secs(performance.now() - tj);
const [exact] = await queryRows<{ pairs: number; tp: number; t: number }>(
  db,
  `SELECT (SELECT count(*) FROM exact_id_pairs)::DOUBLE AS pairs,
    (SELECT count(*) FROM exact_id_pairs p JOIN mentions a ON a.uid = p.uid_l JOIN mentions b ON b.uid = p.uid_r WHERE a.true_label = b.true_label)::DOUBLE AS tp,
    (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n FROM mentions WHERE true_label IS NOT NULL GROUP BY true_label))::DOUBLE AS t`,
);

// ---- recall per noise type: pairs (noisy mention, another mention of the same person) in one person
const perNoise = await queryRows<{ noise: string; mentions: number; pairs: number; together: number; recall: number }>(
  db,
  `WITH m AS (SELECT m.uid, m.true_label, p.person_id, tl.noise, m.feed IN (${linkOnlySql}) AS link FROM mentions m JOIN persons p USING (uid, feed) JOIN truth_labels tl ON tl.mention_key = m.mention_key),
noisy AS (SELECT uid, true_label, person_id, link, unnest(string_split(noise, ';')) AS noise FROM m WHERE noise IS NOT NULL)
SELECT n.noise, count(DISTINCT n.uid)::INTEGER AS mentions, count(o.uid)::INTEGER AS pairs,
  count(o.uid) FILTER (WHERE o.person_id = n.person_id)::INTEGER AS together,
  (count(o.uid) FILTER (WHERE o.person_id = n.person_id) / greatest(count(o.uid), 1))::DOUBLE AS recall
FROM noisy n JOIN m o ON o.true_label = n.true_label AND o.uid <> n.uid AND NOT (n.link AND o.link) GROUP BY 1 ORDER BY 1`,
);
const [unmatched] = await queryRows<{ truth: number; missing: number }>(
  db,
  `SELECT (SELECT count(*) FROM truth_labels)::INTEGER AS truth,
     (SELECT count(*) FROM truth_labels t ANTI JOIN mentions m USING (mention_key))::INTEGER AS missing`,
);

// ---- missed pairs (true pairs split over two persons) and false merges, for inspection
const inspect = (kind: string, cond: string) => `COPY (
WITH j AS (SELECT m.*, p.person_id, tl.noise FROM mentions m JOIN persons p USING (uid, feed) JOIN truth_labels tl ON tl.mention_key = m.mention_key)
SELECT ${lit(kind)} AS kind, a.noise AS noise_l, b.noise AS noise_r, a.mention_key AS key_l, b.mention_key AS key_r, a.name_raw AS name_l, b.name_raw AS name_r,
  a.id AS id_l, b.id AS id_r, a.birth_date AS birth_l, b.birth_date AS birth_r, a.county AS county_l, b.county AS county_r,
  p.match_weight, p.match_class, l.explanation_text
FROM j a JOIN j b ON ${cond} AND a.uid < b.uid
LEFT JOIN match_pairs p ON p.uid_l = a.uid AND p.uid_r = b.uid OR p.uid_l = b.uid AND p.uid_r = a.uid
LEFT JOIN person_links l ON l.uid_l = p.uid_l AND l.uid_r = p.uid_r
LIMIT 5000) TO ${lit(join(workDir, kind + '.csv'))} (HEADER)`;
await db.run(inspect('missed', `a.true_label = b.true_label AND a.person_id <> b.person_id AND NOT (a.feed IN (${linkOnlySql}) AND b.feed IN (${linkOnlySql}))`));
await db.run(inspect('false-merges', 'a.person_id = b.person_id AND a.true_label <> b.true_label'));

// ---- report
const e = r.evaluation!;
const c = r.clusterEvaluation!;
console.log(`\n== bench:match ${tag} (threads ${values.threads}, scope ${scope}) ==`);
console.log(`mentions ${r.counts.mentions} (compared ${r.counts.engineMentions})  (truth mentions ${unmatched!.truth}, not in the store ${unmatched!.missing})  trained ${r.trained}`);
console.log(`persons: pair precision ${f4(c.precision)}  recall ${f4(c.recall)}  F1 ${f4(c.f1)}  (TP ${c.truePositives} / in one person ${c.linkedPairs} / true ${c.truePairs})`);
console.log(`scored pairs ≥ link threshold: precision ${f4(e.precision)}  recall ${f4(e.recall)}  F1 ${f4(e.f1)}  (TP ${e.truePositives} / linked ${e.linkedPairs})`);
console.log(`blocking recall ${f4(e.blockingRecall)}  candidate pairs ${r.counts.candidatePairs} (per rule ${r.counts.candidatesPerRule.join(', ')})`);
console.log(`linked pairs ${r.counts.linkedPairs}  review pairs ${r.counts.reviewPairs}  persons ${r.counts.persons}  λ ${r.params.lambda.toExponential(3)}`);
console.log(`EM sessions: ${r.params.em.map((s) => `[${s.rule}] ${s.pairs} pairs, ${s.iterations} it${s.converged ? '' : ' (not converged)'}`).join('; ')}`);
console.log('recall per noise type (pairs of a noisy mention with another mention of the same person):');
for (const n of perNoise) console.log(`  ${n.noise.padEnd(18)} mentions ${String(n.mentions).padStart(7)}  pairs ${String(n.pairs).padStart(8)}  recall ${f4(n.recall)}`);
const linkTotal = Object.entries(r.timings).reduce((a, [, v]) => a + v, 0);
console.log(`seconds: ${Object.entries({ ...stage, ...r.timings }).map(([k, v]) => `${k} ${v}`).join('  ')}`);
console.log(`linkPersons total ${linkTotal.toFixed(1)} s  vs  exact-ID join over the same mentions ${exactSeconds} s (${exact!.pairs} pairs, precision ${f4(exact!.tp / Math.max(exact!.pairs, 1))}, recall ${f4(exact!.tp / Math.max(exact!.t, 1))})`);
console.log(`peak memory (max RSS): ${mib()} MiB`);
writeFileSync(
  join(workDir, 'result.json'),
  JSON.stringify({ tag, counts: r.counts, evaluation: e, clusterEvaluation: c, perNoise, timings: { ...stage, ...r.timings }, exactSeconds, exact, peakMiB: mib(), params: r.params, settings: r.settings }, null, 2),
);
