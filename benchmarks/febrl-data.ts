// Loads the FEBRL synthetic datasets (benchmarks/data/febrl) into DuckDB and runs the linkage engine on them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lit, type Db } from '../pipeline/store/index.js';
import { runLinkage, type RunLinkageResult } from '../matchers/index.js';

export const FEBRL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data', 'febrl');
export const FEBRL_SETTINGS = join(dirname(fileURLToPath(import.meta.url)), '..', 'matchers', 'settings', 'febrl.json');

/** FEBRL CSV: fields separated by ', ', empty = missing. `label` = the N of rec-N-… (truth, for scoring only). */
function readFebrl(file: string, source: string | null): string {
  const path = lit(join(FEBRL_DIR, file));
  return `SELECT ${source ? lit(source) + ' AS source, ' : ''}*, regexp_extract(rec_id, 'rec-([0-9]+)', 1) AS label
FROM read_csv(${path}, delim = ', ', header = true, all_varchar = true, quote = '', escape = '')`;
}

export type FebrlDataset = 'febrl4' | 'febrl3';

export function febrlSettings(dataset: FebrlDataset): Record<string, unknown> {
  const base = JSON.parse(readFileSync(FEBRL_SETTINGS, 'utf8')) as Record<string, unknown>;
  if (dataset === 'febrl4') return base;
  const { sourceColumn: _s, oneToOne: _o, ...rest } = base;
  return { ...rest, linkType: 'dedupe_only' };
}

/** Loads `${dataset}_input` and runs the engine with output prefix `${dataset}_`. */
export async function runFebrl(db: Db, dataset: FebrlDataset, opts: { limitIds?: number; settings?: Record<string, unknown> } = {}): Promise<RunLinkageResult> {
  const sql =
    dataset === 'febrl4'
      ? `${readFebrl('dataset4a.csv', 'a')} UNION ALL BY NAME ${readFebrl('dataset4b.csv', 'b')}`
      : readFebrl('dataset3.csv', null);
  const filter = opts.limitIds != null ? `WHERE label::INTEGER < ${opts.limitIds}` : '';
  await db.run(`CREATE OR REPLACE TABLE ${dataset}_input AS SELECT * FROM (${sql}) ${filter}`);
  return runLinkage(db, {
    settings: opts.settings ?? febrlSettings(dataset),
    inputTable: `${dataset}_input`,
    outputPrefix: `${dataset}_`,
    labelsColumn: 'label',
  });
}
