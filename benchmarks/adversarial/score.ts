// Scores a run against the adversarial truth: reuses quarter-truth's matching of run persons to
// true persons and flag keys, then adds recall per noise class and precision/recall per reason.
import { queryRows, type Db } from '../../pipeline/store/index.js';
import { scoreAgainstTruth, type FlagScore } from '../quarter-truth.js';

export interface ClassRecall {
  noise_class: string;
  truth: number;
  raised: number;
  recall: number;
}
export interface ReasonScore {
  flag: string;
  reason: string;
  truth: number;
  raised: number;
  truePositives: number;
  precision: number;
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

export async function reasonScores(db: Db): Promise<ReasonScore[]> {
  const rows = await queryRows<ReasonScore>(
    db,
    `WITH r AS (SELECT DISTINCT flag, reason, k FROM run_scored), t AS (SELECT DISTINCT flag, reason, k FROM truth_scored),
          fr AS (SELECT flag, reason FROM t UNION SELECT flag, reason FROM r)
     SELECT fr.flag, fr.reason,
            (SELECT count(*) FROM t WHERE t.flag = fr.flag AND t.reason = fr.reason)::INTEGER AS truth,
            (SELECT count(*) FROM r WHERE r.flag = fr.flag AND r.reason = fr.reason)::INTEGER AS raised,
            (SELECT count(*) FROM r JOIN t USING (flag, reason, k) WHERE r.flag = fr.flag AND r.reason = fr.reason)::INTEGER AS "truePositives"
     FROM fr ORDER BY fr.flag, fr.reason`,
  );
  for (const s of rows) {
    s.precision = s.raised ? s.truePositives / s.raised : 1;
    s.recall = s.truth ? s.truePositives / s.truth : 1;
  }
  return rows;
}

export async function scoreAdversarial(db: Db, runId: string, dir: string) {
  const base = await scoreAgainstTruth(db, runId, dir);
  return { ...base, classes: await classRecall(db), reasons: await reasonScores(db) };
}

const f4 = (x: number) => x.toFixed(4);

export function formatClassRecall(rows: ClassRecall[]): string {
  const lines = ['noise class                        truth  raised  recall'];
  for (const r of rows) lines.push(`${r.noise_class.padEnd(33)}${String(r.truth).padStart(7)}${String(r.raised).padStart(8)}${f4(r.recall).padStart(8)}`);
  return lines.join('\n');
}

export function formatReasons(rows: ReasonScore[]): string {
  const lines = ['flag        reason                      truth  raised      TP  precision  recall'];
  for (const s of rows)
    lines.push(
      `${s.flag.padEnd(12)}${s.reason.padEnd(26)}${String(s.truth).padStart(7)}${String(s.raised).padStart(8)}${String(s.truePositives).padStart(8)}${f4(s.precision).padStart(11)}${f4(s.recall).padStart(8)}`,
    );
  return lines.join('\n');
}

export type { FlagScore };
