// The `bidui` command the CLI, review and jobs tests start: node and its arguments (the working
// directory is the repository root).
//
// Under `npm test` (scripts/test.mjs) the type-check also compiles the whole tree, in the same tsc
// process and for about the same CPU, into a folder of this run only (BIDUI_TEST_DIST, beside
// dist/, made empty when the run starts): the tests start the compiled cli/main.js, as a user's
// `bidui` is, once that tsc has finished (it writes BIDUI_TEST_DIST/.complete). A node process
// that loads the sources through tsx takes about twice the CPU to start. Run without npm test
// (`npx vitest run ...`), or when tsc emitted nothing, the tests start cli/main.ts through tsx.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

const WAIT_MS = 5 * 60_000;

let args: Promise<string[]> | undefined;

/** The node arguments that run `bidui` (the CLI's own arguments follow). */
export function biduiArgs(): Promise<string[]> {
  return (args ??= resolveArgs());
}

async function resolveArgs(): Promise<string[]> {
  const dist = process.env.BIDUI_TEST_DIST;
  if (dist) {
    const until = Date.now() + WAIT_MS;
    while (!existsSync(join(dist, '.complete'))) {
      if (Date.now() > until) throw new Error(`timed out waiting for the type-check to compile the tree into ${dist}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const main = join(dist, 'cli', 'main.js');
    if (existsSync(main)) return [main];
  }
  return ['--import', 'tsx', join(ROOT, 'cli', 'main.ts')];
}
