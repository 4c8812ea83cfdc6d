/**
 * Seconds per stage: `lap(name)` records the time since the previous lap (or the start);
 * `restart()` starts the next lap now (after stages timed elsewhere were merged in).
 */
export function stopwatch(): { timings: Record<string, number>; lap: (name: string) => void; restart: () => void } {
  const timings: Record<string, number> = {};
  let t = performance.now();
  return {
    timings,
    lap(name: string) {
      const now = performance.now();
      timings[name] = Math.round(now - t) / 1000;
      t = now;
    },
    restart() {
      t = performance.now();
    },
  };
}

/** A time as the bureau reads it: 'YYYY-MM-DD HH:MM:SS 北京时间' (China Standard Time, UTC+8, no daylight saving). */
export function beijingTime(d: Date | number | string = new Date()): string {
  const t = new Date(typeof d === 'string' || typeof d === 'number' ? d : d.getTime());
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ') + ' 北京时间';
}
