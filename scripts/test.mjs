#!/usr/bin/env node
// `npm test`: the type-check (tsc --noEmit) and every vitest test, side by side (tsc keeps one core
// busy while vitest starts), then one closing line with the time of each and of the whole.
// Arguments go to vitest: `npm test -- tests/web` runs the tests of tests/web after the type-check.
// vitest's own output, summary included, is untouched; tsc's is printed when it ends.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const tsc = require.resolve('typescript/bin/tsc');
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

const started = performance.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs node `args`; resolves with the exit code and the time it took (and its output when captured). */
function run(args, capture) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let out = '';
    if (capture) {
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
    }
    child.on('error', (e) => resolve({ code: 1, ms: performance.now() - t0, out: `${out}${e.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), ms: performance.now() - t0, out }));
  });
}

const typecheck = run([tsc, '-p', 'tsconfig.json', '--noEmit', '--pretty'], true).then((r) => {
  if (r.code !== 0) process.stdout.write(`\n${r.out}\ntype-check failed (tsc -p tsconfig.json --noEmit)\n\n`);
  return r;
});
const tests = run([vitest, 'run', ...process.argv.slice(2)], false);
const [tc, vt] = await Promise.all([typecheck, tests]);

const verdict = (r) => (r.code === 0 ? 'passed' : 'FAILED');
console.log(`npm test: type-check ${verdict(tc)} in ${seconds(tc.ms)}, vitest ${verdict(vt)} in ${seconds(vt.ms)}; ${seconds(performance.now() - started)} in all`);
process.exitCode = tc.code !== 0 || vt.code !== 0 ? 1 : 0;
