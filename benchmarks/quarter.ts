/**
 * npm run bench:quarter [-- --size medium|small|province --seed 1 --scenario synth|adversarial]
 * Runs a quarter on a synthetic province with every noise type (generated once, then reused) and
 * prints precision and recall per flag type and per reason against the generator's ground truth (and the
 * recall of URGENT per kind of event), and
 * the timings. --scenario adversarial uses the independent generator of benchmarks/adversarial/
 * (issue 14) and also prints recall per noise class.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { openStore } from '../pipeline/store/index.js';
import { runQuarter } from '../jobs/index.js';
import { generateProvince, synthOptionsSchema } from '../synth/index.js';
import { formatEvents, formatReasons, scoreAgainstTruth } from './quarter-truth.js';
import { FAMILIES, formatClassRecall, generateAdversarial, scoreAdversarial, type AdversarialSize } from './adversarial/index.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'medium' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: 'bench-output/quarter' },
    'as-of': { type: 'string', default: '2026-09-30' },
    scenario: { type: 'string', default: 'synth' },
  },
});
const adversarial = values.scenario === 'adversarial';
if (!adversarial && values.scenario !== 'synth') throw new Error(`unknown --scenario ${values.scenario} (synth | adversarial)`);
if (adversarial && !(values.size! in FAMILIES)) throw new Error(`unknown --size ${values.size} (${Object.keys(FAMILIES).join(' | ')})`);
const dir = adversarial
  ? resolve(values.dir === 'bench-output/quarter' ? 'bench-output/quarter-adversarial' : values.dir!, `${values.size}-seed${values.seed}-${values['as-of']}`)
  : resolve(values.dir!, `${values.size}-seed${values.seed}`);
if (adversarial && !existsSync(join(dir, 'truth', 'summary.json'))) {
  const t0 = performance.now();
  await generateAdversarial({ seed: Number(values.seed), size: values.size as AdversarialSize, out: dir, asOf: values['as-of']! });
  console.log(`generated adversarial ${values.size} scenario in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} else if (!adversarial && !existsSync(join(dir, 'truth'))) {
  const t0 = performance.now();
  await generateProvince(synthOptionsSchema.parse({ seed: Number(values.seed), size: values.size, out: dir, asOf: values['as-of'] }));
  console.log(`generated ${values.size} province in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const dbPath = join(dir, 'quarter.duckdb');
for (const f of [dbPath, dbPath + '.wal']) rmSync(f, { force: true });
const cfg = loadConfig(undefined, { database: dbPath, inbox: join(dir, 'inbox') });
const db = await openStore(dbPath);
const started = performance.now();
const result = await runQuarter(db, cfg, { asOf: values['as-of']!, out: join(dir, 'out') });
const seconds = (performance.now() - started) / 1000;
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
if (events.length) {
  console.log('\nURGENT recall per event (precision: the URGENT row)');
  console.log(formatEvents(events));
}
console.log(`peak memory (max RSS): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
if (misses.length) console.log(`missed (first 10 of ${misses.length}):`, misses.slice(0, 10));
if (extras.length) console.log(`raised but not in the truth (first 10 of ${extras.length}):`, extras.slice(0, 10));
