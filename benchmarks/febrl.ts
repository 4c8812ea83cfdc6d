// FEBRL benchmark: npx tsx benchmarks/febrl.ts --out DIR
// Writes DIR/febrl4-pairs.csv and DIR/febrl3-pairs.csv (left_id,right_id,match_probability; every pair ≥ 0.5)
// and prints precision / recall / F1 (labels used only for scoring), blocking recall, candidates, seconds per stage.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lit, openDb } from '../pipeline/store/index.js';
import { runFebrl, type FebrlDataset } from './febrl-data.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'bench-output/febrl' } } });
const out = resolve(values.out!);
mkdirSync(out, { recursive: true });
const db = await openDb(':memory:');

for (const dataset of ['febrl4', 'febrl3'] as FebrlDataset[]) {
  const r = await runFebrl(db, dataset);
  const file = join(out, `${dataset}-pairs.csv`);
  await db.run(`COPY (SELECT uid_l AS left_id, uid_r AS right_id, match_probability FROM ${r.tables.pairs}
    WHERE match_probability >= 0.5 ORDER BY uid_l, uid_r) TO ${lit(file)} (HEADER, DELIMITER ',')`);
  const e = r.evaluation!;
  const f = (x: number) => x.toFixed(4);
  console.log(`\n== ${dataset} (${r.counts.records} records) ==`);
  console.log(`precision ${f(e.precision)}  recall ${f(e.recall)}  F1 ${f(e.f1)}  (TP ${e.truePositives} / linked ${e.linkedPairs} / true ${e.truePairs})`);
  console.log(`blocking recall ${f(e.blockingRecall)}  candidate pairs ${r.counts.candidatePairs} (per rule ${r.counts.candidatesPerRule.join(', ')})`);
  console.log(`λ ${r.params.lambda.toExponential(3)}  clusters ${r.counts.clusters}  EM ${r.params.em.map((s) => `${s.iterations}${s.converged ? '' : '!'}`).join('/')} iterations`);
  console.log(`seconds ${Object.entries(r.timings).map(([k, v]) => `${k} ${v}`).join('  ')}`);
  console.log(`wrote ${file}`);
}
