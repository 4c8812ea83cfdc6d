import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest start first (on a fresh clone vitest has no timings of earlier runs
 * and would start the largest files first): the rest fill the other worker around them.
 */
const SLOW_FIRST = ['tests/jobs/jobs.test.ts', 'tests/rules/quarter.test.ts', 'tests/cli/cli.test.ts', 'tests/review/cli.test.ts', 'tests/web/browser.test.ts', 'tests/web/api.test.ts'];

class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.indexOf(relative(f.project.config.root, f.moduleId).split('\\').join('/'));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Locates (or installs) chromium, a CJK font and redis-server, or stops the run naming what is missing.
    globalSetup: ['tests/setup/global.ts'],
    // The bureau's key (docs/protection.md) for every store the tests and their child processes open:
    // a fixed test key, as a bureau sets BIDUI_KEY for its services.
    env: { BIDUI_KEY: '7e57'.repeat(16) },
    // Two files run side by side and the CLI and jobs tests start child processes: on a busy 2-core
    // machine a test of several CLI runs took over a minute, and a page took over a second to settle.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // vitest's default is one worker less than the cores: one on a 2-core machine, where the jobs
    // and CLI tests mostly wait for their child processes.
    maxWorkers: 2,
    // A worker process runs its files one after another on one module graph: each file loaded
    // DuckDB, exceljs, bullmq... anew (isolated, the whole suite spent 128 s importing against 25 s).
    // No test mocks modules or changes globals; each works in its own temp folder and store.
    isolate: false,
    sequence: { sequencer: SlowFirst },
  },
});
