// The one runner of linkage stages (Splink's pipeline object). A stage is an SQL statement that a pure
// builder produced (sql.ts, sql-train.ts, sql-score.ts, sql-persons.ts); the runner executes it, times it and
// logs it. The seconds a run reports are per phase: a phase is closed with lap() and holds every stage (and
// the JavaScript between them) since the previous lap.
import type { Logger } from 'pino';
import { log } from '../pipeline/log.js';
import { timedStatement } from '../pipeline/profile.js';
import { queryRows, reclaimWork, workMemory, type Db } from '../pipeline/store/index.js';
import { stopwatch } from '../pipeline/timing.js';

/** One SQL statement of a run. */
export interface Stage {
  /** What the stage computes (logged). */
  name: string;
  /** The table the statement creates or replaces; absent for a query read back into JavaScript or a DROP. */
  outputTable?: string;
  sql: string;
  /**
   * DuckDB optimizers to turn off while this statement runs, where one is known to choose worse than the plan as
   * written (nodesStage). `disabled_optimizers` is the database's, not the connection's: a statement of another
   * connection meanwhile is planned without them too (a plan, never a result, changes); the value before is restored.
   */
  disabledOptimizers?: string[];
}

export class StageRunner {
  /** Seconds per phase (see lap). */
  readonly timings: Record<string, number>;
  private readonly watch = stopwatch();

  constructor(
    readonly db: Db,
    private readonly logger: Logger = log,
  ) {
    this.timings = this.watch.timings;
  }

  /** Runs statements in order. */
  async run(...stages: Stage[]): Promise<void> {
    for (const stage of stages) await this.timed(stage, () => this.db.run(stage.sql));
  }

  /** Runs a query and returns its rows. */
  rows<T = Record<string, unknown>>(stage: Stage): Promise<T[]> {
    return this.timed(stage, () => queryRows<T>(this.db, stage.sql));
  }

  /** Runs a query that returns one row. */
  async one<T = Record<string, unknown>>(stage: Stage): Promise<T> {
    const rows = await this.rows<T>(stage);
    if (!rows[0]) throw new Error(`${stage.name}: query returned no rows`);
    return rows[0];
  }

  /**
   * Closes a phase: its seconds (since the previous lap or the runner's start) go to timings[phase]. A phase's
   * end is also where the work database gives back the memory of the tables the phase dropped or replaced
   * (reclaimWork).
   */
  async lap(phase: string): Promise<void> {
    await reclaimWork(this.db);
    this.watch.lap(phase);
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ phase, ...(await workMemory(this.db)) }, 'linkage phase memory');
  }

  private async timed<T>(stage: Stage, fn: () => Promise<T>): Promise<T> {
    // The stage is named in the log line: DuckDB's errors (an out-of-memory failure at province size) name none.
    const run = () => timedStatement(this.db, this.logger, 'linkage stage', { name: stage.name, stage: stage.name, table: stage.outputTable }, fn);
    if (!stage.disabledOptimizers?.length) return run();
    const [{ v: before }] = (await queryRows<{ v: string }>(this.db, `SELECT current_setting('disabled_optimizers') AS v`)) as [{ v: string }];
    const names = [...new Set([...before.split(',').map((x) => x.trim()).filter(Boolean), ...stage.disabledOptimizers])];
    await this.db.run(`SET disabled_optimizers = '${names.join(',')}'`);
    try {
      return await run();
    } finally {
      await this.db.run(`SET disabled_optimizers = '${before.replaceAll("'", "''")}'`);
    }
  }
}

