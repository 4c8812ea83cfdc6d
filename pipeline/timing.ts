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
