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
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker less than the cores: one on a 2-core machine, where the jobs
    // and CLI tests mostly wait for their child processes.
    maxWorkers: 2,
    sequence: { sequencer: SlowFirst },
  },
});
