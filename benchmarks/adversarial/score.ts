// Scores a run against the adversarial truth: reuses quarter-truth's matching of run persons to
// true persons and flag keys, then adds recall per noise class and precision/recall per reason.
import { queryRows, type Db } from '../../pipeline/store/index.js';
import { formatReasons, reasonScores, scoreAgainstTruth, type FlagScore, type ReasonScore } from '../quarter-truth.js';

export interface ClassRecall {
  noise_class: string;
  truth: number;
  raised: number;
  recall: number;
}
/** After scoreAgainstTruth: per noise class, the truth flags whose evidence carries it and how many were raised. */
export async function classRecall(db: Db): Promise<ClassRecall[]> {
  const rows = await queryRows<ClassRecall>(
    db,
    `WITH t AS (SELECT k, string_agg(coalesce(noise_classes, 'CLEAN'), ';') AS classes FROM truth_scored GROUP BY k),
          c AS (SELECT DISTINCT k, unnest(string_split(classes, ';')) AS noise_class FROM t)
     SELECT noise_class, count(*)::INTEGER AS truth,
            count(*) FILTER (WHERE k IN (SELECT k FROM run_scored))::INTEGER AS raised
     FROM c WHERE noise_class <> '' GROUP BY noise_class ORDER BY noise_class`,
  );
  for (const r of rows) r.recall = r.truth ? r.raised / r.truth : 1;
  return rows;
}

export async function scoreAdversarial(db: Db, runId: string, dir: string) {
  const base = await scoreAgainstTruth(db, runId, dir);
  return { ...base, classes: await classRecall(db) };
}

const f4 = (x: number) => x.toFixed(4);

export function formatClassRecall(rows: ClassRecall[]): string {
  const lines = ['noise class                        truth  raised  recall'];
  for (const r of rows) lines.push(`${r.noise_class.padEnd(33)}${String(r.truth).padStart(7)}${String(r.raised).padStart(8)}${f4(r.recall).padStart(8)}`);
  return lines.join('\n');
}

export { formatReasons, reasonScores, type FlagScore, type ReasonScore };
