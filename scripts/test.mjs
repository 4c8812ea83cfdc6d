#!/usr/bin/env node
// `npm test`: the type-check and every vitest test, side by side (tsc keeps one core busy while
// vitest starts), then one closing line with the time of each and of the whole.
// The type-check also emits the compiled tree (for about the CPU of --noEmit) into a folder of this
// run only, .tmp-test-dist-XXXXXX/ beside dist/ (gitignored, removed at the end): the tests that
// start `bidui` processes run its cli/main.js once tsc has finished (tests/setup/cli.ts), since a
// process that loads the sources through tsx takes about twice the CPU to start.
// Arguments go to vitest: `npm test -- tests/web` runs the tests of tests/web after the type-check.
// vitest's own output, summary included, is untouched; tsc's is printed when it ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const tsc = require.resolve('typescript/bin/tsc');
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

const started = performance.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs node `args`; resolves with the exit code and the time it took (and its output when captured). */
function run(args, capture, env = process.env) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let out = '';
    if (capture) {
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
    }
    child.on('error', (e) => resolve({ code: 1, ms: performance.now() - t0, out: `${out}${e.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), ms: performance.now() - t0, out }));
  });
}

// Empty and new: what the tests find there was compiled from the sources of this run.
const dist = mkdtempSync(join(root, '.tmp-test-dist-'));
const typecheck = run([tsc, '-p', 'tsconfig.json', '--outDir', dist, '--pretty'], true).then((r) => {
  if (r.code !== 0) process.stdout.write(`\n${r.out}\ntype-check failed (tsc -p tsconfig.json)\n\n`);
  // Emitted (tsc emits despite type errors); the tests waiting for it go on.
  writeFileSync(join(dist, '.complete'), '');
  return r;
});
const tests = run([vitest, 'run', ...process.argv.slice(2)], false, { ...process.env, BIDUI_TEST_DIST: dist });
const [tc, vt] = await Promise.all([typecheck, tests]);
rmSync(dist, { recursive: true, force: true });

const verdict = (r) => (r.code === 0 ? 'passed' : 'FAILED');
console.log(`npm test: type-check ${verdict(tc)} in ${seconds(tc.ms)}, vitest ${verdict(vt)} in ${seconds(vt.ms)}; ${seconds(performance.now() - started)} in all`);
process.exitCode = tc.code !== 0 || vt.code !== 0 ? 1 : 0;
