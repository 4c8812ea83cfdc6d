/** Noise on the mentions of people in the feeds; every mention stays findable (one noise per field). */
import { z } from 'zod';
import { civilFromDays, daysFromCivil } from './dates.js';
import { to15 } from './ids.js';
import { homophoneVariant, separatorVariant, traditionalVariant } from './names.js';
import type { Rng } from './rng.js';

export const noiseSchema = z.object({
  idDigit: z.number().min(0).max(1).default(0.01),
  idTranspose: z.number().min(0).max(1).default(0.005),
  /** old 15-digit IDs, people born before 2000 only */
  id15: z.number().min(0).max(1).default(0.02),
  /** of IDs ending in X */
  idLowerX: z.number().min(0).max(1).default(0.02),
  idFullWidth: z.number().min(0).max(1).default(0.005),
  idMissing: z.number().min(0).max(1).default(0.01),
  idSci: z.number().min(0).max(1).default(0.005),
  id000: z.number().min(0).max(1).default(0.005),
  /** XLSX files only: the ID stored as a number cell */
  idNumeric: z.number().min(0).max(1).default(0.02),
  nameHomophone: z.number().min(0).max(1).default(0.01),
  nameTraditional: z.number().min(0).max(1).default(0.01),
  /** of dotted minority names */
  nameSeparator: z.number().min(0).max(1).default(0.2),
  /** of birth dates whose day and month can be swapped */
  birthSwap: z.number().min(0).max(1).default(0.01),
});
export type NoiseRates = z.infer<typeof noiseSchema>;

export const NOISE_TYPES = [
  'id_digit', 'id_transpose', 'id_15', 'id_lower_x', 'id_fullwidth', 'id_missing', 'id_sci', 'id_000', 'id_numeric',
  'name_homophone', 'name_traditional', 'name_separator', 'birth_swap',
] as const;
export type NoiseType = (typeof NOISE_TYPES)[number];

/**
 * Severe ID noise (missing / scientific notation) is allowed only where the row keeps name + birth date.
 * 'mild-birth': mild, and the ID is the row's only birth date (a child on a social-assistance roll), so a
 * mistyped or transposed digit never falls in it: a run could not know the child is under 18.
 */
export type IdNoiseScope = 'all' | 'missing' | 'mild' | 'mild-birth';

/** Positions of an ID's first 17 characters outside the birth date (6..13), and of the pairs that can swap without touching it. */
const OUTSIDE_BIRTH = [0, 1, 2, 3, 4, 5, 14, 15, 16];
const SWAP_OUTSIDE_BIRTH = [0, 1, 2, 3, 4, 14, 15, 16];

export interface IdCtx {
  xlsx: boolean;
  scope: IdNoiseScope;
}

const FW_DIGITS = '０１２３４５６７８９';

export class Noiser {
  readonly counts: Record<string, number> = Object.fromEntries(NOISE_TYPES.map((t) => [t, 0]));
  private readonly types: NoiseType[] = [];
  private readonly rates: number[] = [];

  constructor(private readonly r: NoiseRates, private readonly rng: Rng) {}

  /** Returns the noisy ID (a number for an XLSX numeric cell) and the noise type, or null. */
  id(id: string, ctx: IdCtx): [string | number, NoiseType | null] {
    const r = this.r;
    const x = this.rng.next();
    const endsX = id.charCodeAt(17) === 88;
    const y = Number(id.slice(6, 10));
    let acc = 0;
    const pick = (rate: number, ok: boolean) => ok && x < (acc += rate);
    let t: NoiseType | null = null;
    if (pick(r.idDigit, true)) t = 'id_digit';
    else if (pick(r.idTranspose, true)) t = 'id_transpose';
    else if (pick(r.id15, y >= 1900 && y <= 1999)) t = 'id_15';
    else if (pick(r.idLowerX, endsX)) t = 'id_lower_x';
    else if (pick(r.idFullWidth, true)) t = 'id_fullwidth';
    else if (pick(r.idMissing, ctx.scope !== 'mild' && ctx.scope !== 'mild-birth')) t = 'id_missing';
    else if (pick(r.idSci, ctx.scope === 'all' && !endsX)) t = 'id_sci';
    else if (pick(r.id000, !endsX && !id.endsWith('000'))) t = 'id_000';
    else if (pick(r.idNumeric, ctx.xlsx && !endsX)) t = 'id_numeric';
    if (t === null) return [id, null];
    let v: string | number;
    switch (t) {
      case 'id_digit': {
        const i = ctx.scope === 'mild-birth' ? (OUTSIDE_BIRTH[this.rng.int(OUTSIDE_BIRTH.length)] as number) : this.rng.int(17);
        const d = id.charCodeAt(i) - 48;
        const nd = (d + 1 + this.rng.int(9)) % 10;
        v = id.slice(0, i) + nd + id.slice(i + 1);
        break;
      }
      case 'id_transpose': {
        if (ctx.scope === 'mild-birth') {
          const j = SWAP_OUTSIDE_BIRTH[this.rng.int(SWAP_OUTSIDE_BIRTH.length)] as number;
          if (id[j] === id[j + 1]) return [id, null];
          v = id.slice(0, j) + id[j + 1] + id[j] + id.slice(j + 2);
          break;
        }
        let i = this.rng.int(17);
        for (let k = 0; k < 17 && id[i] === id[i + 1]; k++) i = (i + 1) % 17;
        if (id[i] === id[i + 1]) return [id, null];
        v = id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2);
        break;
      }
      case 'id_15': v = to15(id); break;
      case 'id_lower_x': v = id.slice(0, 17) + 'x'; break;
      case 'id_fullwidth': {
        let s = '';
        for (const ch of id) s += ch === 'X' ? 'Ｘ' : FW_DIGITS[ch.charCodeAt(0) - 48];
        v = s;
        break;
      }
      case 'id_missing': v = ''; break;
      case 'id_sci': v = Number(id).toExponential(5).toUpperCase().replace('E+', 'E+'); break;
      case 'id_000': v = id.slice(0, 15) + '000'; break;
      case 'id_numeric': v = Number(id); break;
    }
    this.counts[t]!++;
    return [v, t];
  }

  name(name: string): [string, NoiseType | null] {
    const r = this.r;
    const dotted = name.includes('·');
    const x = this.rng.next();
    let v: string | null = null;
    let t: NoiseType | null = null;
    if (dotted) {
      if (x < r.nameSeparator) [v, t] = [separatorVariant(name, this.rng), 'name_separator'];
      else if (x < r.nameSeparator + r.nameTraditional) [v, t] = [traditionalVariant(name), 'name_traditional'];
    } else if (x < r.nameHomophone) [v, t] = [homophoneVariant(name, this.rng), 'name_homophone'];
    else if (x < r.nameHomophone + r.nameTraditional) [v, t] = [traditionalVariant(name), 'name_traditional'];
    if (v === null || t === null) return [name, null];
    this.counts[t]!++;
    return [v, t];
  }

  /** Day and month swapped (only where that is still a valid, different date). */
  birth(day: number): [number, NoiseType | null] {
    if (!(this.rng.next() < this.r.birthSwap)) return [day, null];
    const [y, m, d] = civilFromDays(day);
    if (d > 12 || d === m) return [day, null];
    this.counts.birth_swap!++;
    return [daysFromCivil(y, d, m), 'birth_swap'];
  }
}
