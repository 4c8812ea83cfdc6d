/**
 * npm run bench:quarter [-- --size medium|small|province --seed 1 --scenario synth|adversarial]
 *   [--families N] [--twice] [--memory-limit 3GB] [--no-floor]
 * Runs a quarter on a synthetic province with every noise type (generated once, then reused) and
 * prints precision and recall per flag type and per reason against the generator's ground truth (and the
 * recall of URGENT per kind of event), and the cost: wall and
 * CPU time, the quarter's peak RSS (read before the floor and the scoring run), seconds per stage (and per linkage phase), and the floor measured in the same run
 * (DuckDB reading the same files through the same readers plus an exact ID join, issue 14).
 * --scenario adversarial uses the independent generator of benchmarks/adversarial/ (issue 14) and
 * also prints recall per noise class; --families overrides its size's
 * family count, and --twice also runs (in a child process) the scenario with twice the families and
 * prints the ratio of the times. --memory-limit caps every DuckDB instance of the run (BIDUI_MEMORY_LIMIT).
 * The cost of protection at rest is printed as the time spent sealing and opening values in this run.
 * npm runs the built code (dist/), as `bidui` does: under tsx, esbuild's keepNames wraps every closure (a third of
 * the rules' time at the adversarial medium).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { effectiveSources, loadConfig, type Config } from '../config/index.js';
import { formatOf, readFile, sourceFiles } from '../connectors/index.js';
import { FEED_SPECS, mapHeaders } from '../pipeline/feeds.js';
import { ident, memoryLimit as storeMemoryLimit, openStore, queryRows, type Db } from '../pipeline/store/index.js';
import { sealCost } from '../pipeline/seal/index.js';
import { runQuarter } from '../jobs/index.js';
import { generateProvince, synthOptionsSchema } from '../synth/index.js';
import { formatBases, formatEvents, formatReasons, scoreAgainstTruth } from './quarter-truth.js';
import { FAMILIES, formatClassRecall, generateAdversarial, scoreAdversarial, type AdversarialSize } from './adversarial/index.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'medium' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: 'bench-output/quarter' },
    'as-of': { type: 'string', default: '2026-09-30' },
    scenario: { type: 'string', default: 'synth' },
    families: { type: 'string' },
    twice: { type: 'boolean', default: false },
    'memory-limit': { type: 'string' },
    'no-floor': { type: 'boolean', default: false },
  },
});
const adversarial = values.scenario === 'adversarial';
if (!adversarial && values.scenario !== 'synth') throw new Error(`unknown --scenario ${values.scenario} (synth | adversarial)`);
if (adversarial && !(values.size! in FAMILIES)) throw new Error(`unknown --size ${values.size} (${Object.keys(FAMILIES).join(' | ')})`);
if (!adversarial && (values.families || values.twice)) throw new Error('--families and --twice need --scenario adversarial (the synth province has fixed sizes)');
const families = adversarial ? Number(values.families ?? FAMILIES[values.size as AdversarialSize]) : null;
if (families !== null && !(Number.isInteger(families) && families > 0)) throw new Error(`--families: a positive integer, got ${values.families}`);
const memoryLimit = values['memory-limit'];
if (memoryLimit) process.env.BIDUI_MEMORY_LIMIT = memoryLimit;

const familiesTag = values.families ? `-f${families}` : '';
const dir = adversarial
  ? resolve(values.dir === 'bench-output/quarter' ? 'bench-output/quarter-adversarial' : values.dir!, `${values.size}${familiesTag}-seed${values.seed}-${values['as-of']}`)
  : resolve(values.dir!, `${values.size}-seed${values.seed}`);
if (adversarial && !existsSync(join(dir, 'truth', 'summary.json'))) {
  const t0 = performance.now();
  await generateAdversarial({ seed: Number(values.seed), size: values.size as AdversarialSize, out: dir, asOf: values['as-of']!, families: families! });
  console.log(`generated adversarial ${values.size} scenario (${families} families) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} else if (!adversarial && !existsSync(join(dir, 'truth'))) {
  const t0 = performance.now();
  await generateProvince(synthOptionsSchema.parse({ seed: Number(values.seed), size: values.size, out: dir, asOf: values['as-of'] }));
  console.log(`generated ${values.size} province in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const dbPath = join(dir, 'quarter.duckdb');
for (const f of [dbPath, dbPath + '.wal']) rmSync(f, { force: true });
const cfg = loadConfig(undefined, { database: dbPath, inbox: join(dir, 'inbox') });

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/**
 * The floor under a quarter on this machine (issue 14): every inbox file read by the same readers into an
 * in-memory DuckDB, and every ID a feed carries joined exactly to the registry's IDs. What a quarter costs
 * beyond this is normalisation, linkage and rules.
 */
async function measureFloor(config: Config): Promise<{ seconds: number; cpu: number; rows: number; joined: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(':memory:', memoryLimit ? { memory_limit: memoryLimit } : {});
  const db: Db = await instance.connect();
  let rows = 0;
  try {
    await db.run('CREATE TABLE floor_ids (feed VARCHAR, id VARCHAR)');
    for (const source of effectiveSources(config)) {
      const spec = FEED_SPECS[source.feed];
      const idKeys = spec.fields.filter((f) => f.kind.type === 'id').map((f) => f.key);
      for (const path of await sourceFiles(source, config.inbox)) {
        const format = formatOf(path);
        if (!format) continue;
        const read = await readFile(db, path, 'floor_stage', { format, encoding: source.encoding, sheet: source.sheet, workDir: config.workDir ?? tmpdir() });
        rows += read.rowsRead;
        const { mapping } = mapHeaders(spec, read.headers, source.headerAliases);
        const cols = idKeys.map((k) => mapping.get(k)).filter((h): h is string => h !== undefined);
        if (cols.length) {
          const parts = cols.map((h) => `SELECT '${spec.feed}', upper(trim(${ident(h)})) FROM floor_stage WHERE ${ident(h)} IS NOT NULL`);
          await db.run(`INSERT INTO floor_ids ${parts.join(' UNION ALL ')}`);
        }
        await db.run('DROP TABLE floor_stage');
      }
    }
    const [j] = await queryRows<{ n: number }>(
      db,
      `SELECT count(*)::DOUBLE AS n FROM floor_ids f JOIN (SELECT DISTINCT id FROM floor_ids WHERE feed = 'registry') r USING (id) WHERE f.feed <> 'registry'`,
    );
    return { seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds(process.cpuUsage(cpu0)), rows, joined: j?.n ?? 0 };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const db = await openStore(dbPath);
const cpu0 = process.cpuUsage();
const started = performance.now();
const sealed0 = { ...sealCost };
const result = await runQuarter(db, cfg, { asOf: values['as-of']!, out: join(dir, 'out') });
const seconds = (performance.now() - started) / 1000;
const cpu = cpuSeconds(process.cpuUsage(cpu0));
// The quarter's peak, read before the floor and the scoring add their own (both read whole files into memory).
const rss = process.resourceUsage().maxRSS / 1024;
const sealSeconds = (sealCost.sealMs - sealed0.sealMs) / 1000;
const openSeconds = (sealCost.openMs - sealed0.openMs) / 1000;
const [feedRows] = await queryRows<{ n: number }>(
  db,
  `SELECT (${Object.values(FEED_SPECS)
    .map((s) => `(SELECT count(*) FROM ${s.table})`)
    .join(' + ')})::DOUBLE AS n`,
);
const [matchRun] = await queryRows<{ timings: string; counts: string }>(db, `SELECT timings::VARCHAR AS timings, counts::VARCHAR AS counts FROM match_runs ORDER BY created_at DESC LIMIT 1`);
// The floor after the quarter: the quarter reads its files first, from a cold page cache if they were just generated.
const floor = values['no-floor'] ? null : await measureFloor(cfg);
const adv = adversarial ? await scoreAdversarial(db, result.runId, dir) : null;
const scored = adv ?? (await scoreAgainstTruth(db, result.runId, dir));
const { scores, reasons, misses, extras } = scored;
const events = 'events' in scored ? scored.events : [];

console.log(`quarter ${result.runId}: ${result.flags} flags in ${seconds.toFixed(1)} s (${Object.entries(result.timings).map(([k, v]) => `${k} ${v}`).join(', ')})`);
console.log('flag         truth  raised      TP  precision  recall');
for (const s of scores) {
  console.log(`${s.flag.padEnd(12)}${String(s.truth).padStart(6)}${String(s.raised).padStart(8)}${String(s.truePositives).padStart(8)}${s.precision.toFixed(4).padStart(11)}${s.recall.toFixed(4).padStart(8)}`);
}
if (adv) {
  console.log('\nrecall per noise class (truth flags whose evidence carries the class; raised = found by the run)');
  console.log(formatClassRecall(adv.classes));
}
console.log('\nper reason');
console.log(formatReasons(reasons));
console.log('\nprecision per evidence basis (the weaker links a flag rests on: model = the linkage model\'s links only)');
console.log(formatBases(scored.bases));
if (events.length) {
  console.log('\nURGENT recall per event (precision: the URGENT row)');
  console.log(formatEvents(events));
}
if (misses.length) console.log(`missed (first 10 of ${misses.length}):`, misses.slice(0, 10));
if (extras.length) console.log(`raised but not in the truth (first 10 of ${extras.length}):`, extras.slice(0, 10));

const rowsN = feedRows?.n ?? 0;
console.log(`\nfeed rows ${rowsN}; wall ${seconds.toFixed(1)} s; CPU ${cpu.toFixed(1)} s; peak memory (max RSS) ${rss.toFixed(0)} MiB (DuckDB memory_limit ${storeMemoryLimit()})`);
// Protection at rest, measured in this run: the SM4/HMAC-SM3 work itself (not the larger sealed strings DuckDB moves).
console.log(
  `protection at rest: ${sealCost.sealed - sealed0.sealed} values sealed in ${sealSeconds.toFixed(1)} s, ${sealCost.opened - sealed0.opened} opened in ${openSeconds.toFixed(1)} s; ` +
    `${(((sealSeconds + openSeconds) / cpu) * 100).toFixed(1)}% of the quarter's CPU time`,
);
if (matchRun) {
  const t = JSON.parse(matchRun.timings) as Record<string, number>;
  const c = JSON.parse(matchRun.counts) as Record<string, unknown>;
  console.log(`linkage phases (s): ${Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  console.log(`linkage counts: mentions ${c.mentions}, compared ${c.engineMentions ?? c.mentions}, candidate pairs ${c.candidatePairs}, persons ${c.persons}`);
}
if (floor) {
  console.log(
    `floor: ${floor.rows} rows read and ${floor.joined} IDs joined to the registry in ${floor.seconds.toFixed(1)} s (CPU ${floor.cpu.toFixed(1)} s); quarter / floor = ${(seconds / floor.seconds).toFixed(1)}×`,
  );
}
const summary = { families, feedRows: rowsN, seconds, cpu, rssMiB: rss, sealSeconds, openSeconds, timings: result.timings, floorSeconds: floor?.seconds ?? null };
console.log(`BENCH ${JSON.stringify(summary)}`);

if (values.twice) {
  // Twice the rows, in a process of its own (its own peak memory).
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--scenario', 'adversarial', '--size', values.size!, '--seed', values.seed!, '--as-of', values['as-of']!, '--families', String(2 * families!), '--no-floor'];
  if (memoryLimit) args.push('--memory-limit', memoryLimit);
  // Beside this run's folder (--dir), not under the default one.
  args.push('--dir', values.dir!);
  console.log(`\ntwice the rows: node ${args.join(' ')}`);
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const line = child.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`twice the rows: the run gave no figures (exit ${child.status})`);
  const big = JSON.parse(line.slice(6)) as typeof summary;
  console.log(child.stdout.split('\n').filter((l) => /^(feed rows|linkage phases|quarter )/.test(l)).join('\n'));
  console.log(
    `twice the rows: ${rowsN} → ${big.feedRows} rows (×${(big.feedRows / rowsN).toFixed(2)}), ${seconds.toFixed(1)} → ${big.seconds.toFixed(1)} s (×${(big.seconds / seconds).toFixed(2)}), CPU ${cpu.toFixed(1)} → ${big.cpu.toFixed(1)} s (×${(big.cpu / cpu).toFixed(2)}), peak ${rss.toFixed(0)} → ${big.rssMiB.toFixed(0)} MiB`,
  );
}
