// Progress of long work (ingest, linkage, rule evaluation) on stderr: on a terminal a bar per stage
// (cli-progress) with its counts, time taken and time left; otherwise (CI, services, output sent to
// a file) one JSON line per event, for machines. Events come from the quarter driver
// (jobs/quarter.ts QuarterProgressEvent) and ingest's per-file callback: per file and per step,
// never per row, and a bar redraws at most 10 times a second.
import cliProgress from 'cli-progress';
import type { QuarterProgress, QuarterProgressEvent, QuarterStage } from '../jobs/index.js';
import { STAGE_LABELS } from './print.js';

export interface ProgressReporter {
  onProgress: QuarterProgress;
  /** Ends the bar (leaves its last state on screen); nothing for JSON lines. */
  stop(): void;
}

/** Seconds in Chinese units: 45秒, 3分05秒, 1小时02分; unknown: 估算中. */
export function durationZh(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '估算中';
  const s = Math.round(seconds);
  if (s < 60) return `${s}秒`;
  if (s < 3600) return `${Math.floor(s / 60)}分${String(s % 60).padStart(2, '0')}秒`;
  return `${Math.floor(s / 3600)}小时${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}分`;
}

/** The counts of an event, in words. */
function counts(e: QuarterProgressEvent): string {
  if (e.stage === 'ingest') return `文件 ${e.done}/${e.total}${e.rows !== undefined ? `，已载入 ${e.rows.toLocaleString('en-US')} 行` : ''}`;
  if (e.stage === 'match' || e.stage === 'evaluate') return `步骤 ${e.done}/${e.total}`;
  return e.done >= e.total ? '完成' : '进行中';
}

/** A stage's clock: when it started, and the time left from its pace so far. */
class StageClock {
  private started = new Map<QuarterStage, number>();
  constructor(private readonly now: () => number) {}
  elapsed(stage: QuarterStage): number {
    if (!this.started.has(stage)) this.started.set(stage, this.now());
    return (this.now() - this.started.get(stage)!) / 1000;
  }
  left(stage: QuarterStage, percent: number): number | null {
    const elapsed = this.elapsed(stage);
    if (percent >= 100) return 0;
    if (percent <= 0 || elapsed < 0.5) return null;
    return (elapsed * (100 - percent)) / percent;
  }
}

/** One JSON object per line: stage, counts, percent, seconds taken and left (null: not known yet). */
function jsonLines(stream: NodeJS.WritableStream, now: () => number): ProgressReporter {
  const clock = new StageClock(now);
  return {
    onProgress(e) {
      const line = {
        progress: e.stage,
        stage: STAGE_LABELS[e.stage] ?? e.stage,
        done: e.done,
        total: e.total,
        percent: Math.round(e.percent * 10) / 10,
        ...(e.rows !== undefined ? { rows: e.rows } : {}),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
        elapsed_s: Math.round(clock.elapsed(e.stage) * 10) / 10,
        eta_s: ((left) => (left === null ? null : Math.round(left * 10) / 10))(clock.left(e.stage, e.percent)),
      };
      stream.write(JSON.stringify(line) + '\n');
    },
    stop() {},
  };
}

/** A bar per stage: label, bar, percent, counts, time taken and time left (cli-progress computes the pace). */
function bars(stream: NodeJS.WritableStream): ProgressReporter {
  let bar: cliProgress.SingleBar | null = null;
  let stage: QuarterStage | null = null;
  const formatTime = (t: number) => durationZh(t);
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    onProgress(e) {
      if (e.stage !== stage) {
        stop();
        stage = e.stage;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${(STAGE_LABELS[e.stage] ?? e.stage).padEnd(4, '\u3000')} {bar} {percentage}% | {counts} | 用时 {duration_formatted} | 剩余 {eta_formatted}`,
            formatTime,
            barsize: 24,
            hideCursor: true,
            etaBuffer: 20,
            fps: 10,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(100, 0, { counts: counts(e) });
      }
      bar!.update(Math.min(100, Math.round(e.percent * 10) / 10), { counts: counts(e) });
      if (e.percent >= 100) stop();
    },
    stop,
  };
}

/** The reporter for stderr: bars on a terminal, JSON lines otherwise. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr, now: () => number = () => performance.now()): ProgressReporter {
  return stream.isTTY ? bars(stream) : jsonLines(stream, now);
}
