// The model's parameters (m, u, λ, weights) and the arithmetic on them that stays in JavaScript: starting
// values, the final weights, and the settings with trained values written in. No SQL here.
import { levelIndices, type ComparisonSettings, type LinkageSettings } from './settings.js';

export interface LevelParams {
  label: string;
  /** Level index in comparison vectors (−1 null level, 0 the ELSE level). */
  index: number;
  m: number | null;
  u: number | null;
  /** log2(m/u); null for the null level. */
  weight: number | null;
  /** Number of EM sessions that estimated m (0 = starting/settings value). */
  mSessions: number;
}

interface ComparisonParams {
  name: string;
  levels: LevelParams[];
}

interface EmSessionReport {
  rule: string | null;
  pairs: number;
  trained: string[];
  iterations: number;
  converged: boolean;
  lambda: number;
}

export interface TrainedParams {
  /** Prior probability that two random records (over all possible pairs) match. */
  lambda: number;
  comparisons: ComparisonParams[];
  em: EmSessionReport[];
  uSample: { pairs: number; fraction: number; seed: number } | null;
  totalPairs: number;
}

/** Smallest m used in a weight (a level EM drives to 0 would otherwise weigh −∞). */
export const M_FLOOR = 1e-9;

/** log2 odds of a probability. */
export const logit2 = (x: number) => Math.log2(x / (1 - x));

/** Default m of a comparison's levels when the settings give none: 2^k / (2^K − 1), more for better levels. */
function defaultM(c: ComparisonSettings): number[] {
  const idx = levelIndices(c);
  const K = idx.filter((i) => i >= 0).length;
  const total = 2 ** K - 1;
  return idx.map((i) => (i < 0 ? NaN : 2 ** i / total));
}

/** The parameters a run starts from: the settings' m and u (or default m), λ from the settings or 1e-4. */
export function initialParams(s: LinkageSettings, totalPairs: number): TrainedParams {
  return {
    lambda: s.probabilityTwoRandomRecordsMatch ?? 1e-4,
    comparisons: s.comparisons.map((c) => {
      const idx = levelIndices(c);
      const dm = defaultM(c);
      return {
        name: c.name,
        levels: c.levels.map((l, i) => ({
          label: l.label,
          index: idx[i]!,
          m: idx[i]! < 0 ? null : (l.m ?? dm[i]!),
          u: idx[i]! < 0 ? null : (l.u ?? null),
          weight: null,
          mSessions: 0,
        })),
      };
    }),
    em: [],
    uSample: null,
    totalPairs,
  };
}

/** log2(m/u) of every non-null level; throws when a level has no m or u. */
export function finaliseWeights(s: LinkageSettings, params: TrainedParams): void {
  s.comparisons.forEach((c, ci) => {
    for (const l of params.comparisons[ci]!.levels) {
      if (l.index < 0) continue;
      if (l.m == null || l.u == null) throw new Error(`comparison ${c.name} level '${l.label}' has no m or u`);
      l.weight = Math.log2(Math.max(l.m, M_FLOOR) / l.u);
    }
  });
}

/** Splink-style: returns a copy of the settings with trained m, u and λ written in (for storing with a run). */
export function settingsWithParams(settings: LinkageSettings, params: TrainedParams): LinkageSettings {
  const copy: LinkageSettings = JSON.parse(JSON.stringify(settings));
  copy.probabilityTwoRandomRecordsMatch = params.lambda;
  copy.comparisons.forEach((c, ci) => {
    c.levels.forEach((l, li) => {
      const p = params.comparisons[ci]!.levels[li]!;
      if (p.m != null) l.m = p.m;
      if (p.u != null) l.u = p.u;
    });
  });
  return copy;
}
