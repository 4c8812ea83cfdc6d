/** Unique, valid 18-character identity numbers for synthetic people. */
import { checkDigit } from '../pipeline/identity/index.js';
import { civilFromDays } from './dates.js';
import { hashStr } from './rng.js';

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));

/**
 * Allocates the 3-digit sequence per (county, birth day, sex) from a counter table so that no two
 * people share an ID; the slot order is scrambled so sequences look natural.
 */
export class IdAllocator {
  private readonly counters: Uint16Array;
  private readonly countyIndex = new Map<string, number>();

  /**
   * `fromTop`: hand out each day's sequences from the other end, so that a second allocator (the
   * people of the issue-15 events, made after the rest of the world) never takes an ID the first
   * would give, and the first gives the IDs it always gave.
   */
  constructor(
    counties: readonly string[],
    private readonly firstDay: number,
    private readonly lastDay: number,
    private readonly fromTop = false,
  ) {
    counties.forEach((c, i) => this.countyIndex.set(c, i));
    this.counters = new Uint16Array(counties.length * (lastDay - firstDay + 1) * 2);
  }

  /** Returns [id, birthDay] (the birth day moves forward when a day is full, which is very rare). */
  allocate(county: string, birth: number, male: boolean): [string, number] {
    const ci = this.countyIndex.get(county);
    if (ci === undefined) throw new Error(`unknown county ${county}`);
    let day = Math.min(Math.max(birth, this.firstDay), this.lastDay);
    const span = this.lastDay - this.firstDay + 1;
    for (;;) {
      const k = ((ci * span + (day - this.firstDay)) << 1) | (male ? 1 : 0);
      const c = this.counters[k] as number;
      if (c < 499) {
        this.counters[k] = c + 1;
        const offset = hashStr(county, day) % 499;
        const slot = (offset + (this.fromTop ? 498 - c : c) * 7) % 499; // 499 is prime: c → slot is a bijection
        const seq = (slot + 1) * 2 - (male ? 1 : 0); // male odd 1..997, female even 2..998
        const [y, m, d] = civilFromDays(day);
        const first17 = `${county}${y}${p2(m)}${p2(d)}${String(seq).padStart(3, '0')}`;
        return [first17 + checkDigit(first17), day];
      }
      day = day >= this.lastDay ? this.firstDay : day + 1;
    }
  }
}

/** The old 15-digit form (born 1900–1999): address, YYMMDD, sequence; no check digit. */
export function to15(id18: string): string {
  return id18.slice(0, 6) + id18.slice(8, 17);
}
