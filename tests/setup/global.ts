// Vitest global setup: the programs the tests drive are located before any test runs — chromium
// (tests/web/browser.test.ts, through playwright-core: no browser download), a CJK font (legible
// screenshots) and redis-server (tests/jobs/jobs.test.ts). What is missing is installed with
// apt-get when this process is root on a Debian-like machine; otherwise the run stops at once with
// the command that installs it. No test is skipped for a missing program.
//
// The located paths reach the test workers as CHROMIUM_PATH and REDIS_SERVER_PATH; BIDUI_TEST_CACHE
// names the folder of this run's prepared stores (tests/setup/stores.ts), removed at the end.
//
// Environment: CHROMIUM_PATH / REDIS_SERVER_PATH use that program (an error when it is not there);
// BIDUI_NO_INSTALL=1 never installs (reports what is missing instead).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

interface Need {
  /** What the tests use it for, in the failure message. */
  what: string;
  /** The Debian packages that provide it. */
  pkgs(): string[];
  /** Its path (a program) or name (the font) when present, else null. */
  locate(): string | null;
  /** Environment variable the located program is passed on in. */
  env?: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first of `names` on PATH, like `command -v`. */
function onPath(...names: string[]): string | null {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir && executable(join(dir, name))) return join(dir, name);
    }
  }
  return null;
}

/** The program named by `variable` (which must then exist), else the first of `names` on PATH. */
function program(variable: string, names: string[]): () => string | null {
  return () => {
    const set = process.env[variable];
    if (set) {
      if (!executable(set)) throw new Error(`${variable}=${set} is not an executable file; unset it to look for ${names[0]} on PATH.`);
      return set;
    }
    return onPath(...names);
  };
}

function cjkFont(): string | null {
  const fcList = onPath('fc-list');
  if (!fcList) return null;
  const r = spawnSync(fcList, [':lang=zh', 'family'], { encoding: 'utf8', timeout: 30_000 });
  const first = r.status === 0 ? r.stdout.split('\n').find((l) => l.trim()) : undefined;
  return first ? first.split(',')[0]!.trim() : null;
}

const NEEDS: Need[] = [
  { what: 'chromium (the browser test)', pkgs: () => ['chromium'], env: 'CHROMIUM_PATH', locate: program('CHROMIUM_PATH', ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) },
  { what: 'a CJK font (legible screenshots of the browser test)', pkgs: () => (onPath('fc-list') ? [] : ['fontconfig']).concat('fonts-wqy-microhei'), locate: cjkFont },
  { what: 'redis-server (the jobs tests)', pkgs: () => ['redis-server'], env: 'REDIS_SERVER_PATH', locate: program('REDIS_SERVER_PATH', ['redis-server']) },
];

const installCommand = (pkgs: string[]) => `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.join(' ')}`;

/** Runs apt-get; null when it worked, else why not (with the end of its output). */
function aptGet(apt: string, args: string[]): string | null {
  const r = spawnSync(apt, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 15 * 60_000 });
  if (r.status === 0) return null;
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
  return `apt-get ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})${tail ? `:\n${tail}` : ''}`;
}

/** Why this process does not install, or null when it may. */
function cannotInstall(): string | null {
  if (process.env.BIDUI_NO_INSTALL === '1') return 'BIDUI_NO_INSTALL=1';
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!onPath('apt-get')) return 'no apt-get on PATH';
  return null;
}

function ensurePrograms(): void {
  const missing = () => NEEDS.filter((n) => n.locate() === null);
  let lacking = missing();
  let why: string | null = null;
  if (lacking.length > 0) {
    why = cannotInstall();
    // An explicit CHROMIUM_PATH / REDIS_SERVER_PATH that is wrong threw above: installing would not fix it.
    if (why === null) {
      const pkgs = lacking.flatMap((n) => n.pkgs());
      console.log(`bidui tests: installing ${pkgs.join(' ')} with apt-get (missing: ${lacking.map((n) => n.what).join('; ')}); this takes a few minutes`);
      const apt = onPath('apt-get')!;
      why = aptGet(apt, ['update']) ?? aptGet(apt, ['install', '-y', ...pkgs]);
      lacking = missing();
    }
  }
  if (lacking.length > 0) {
    const pkgs = lacking.flatMap((n) => n.pkgs());
    throw new Error(
      [
        `bidui tests cannot run: this machine lacks ${lacking.map((n) => n.what).join('; ')}.`,
        `Install ${pkgs.length > 1 ? 'them' : 'it'} as root with:`,
        `  ${installCommand(pkgs)}`,
        ...lacking.filter((n) => n.env).map((n) => `(or set ${n.env} to the ${n.pkgs()[0]} program)`),
        `Not installed by the test run: ${why ?? 'apt-get installed it, but it is still not found'}.`,
      ].join('\n'),
    );
  }
  for (const n of NEEDS) if (n.env) process.env[n.env] = n.locate()!;
}

export default function setup(): () => void {
  try {
    ensurePrograms();
  } catch (e) {
    // The message alone (vitest would add a stack and a code frame), and no test starts.
    console.error(`\n${(e as Error).message}\n`);
    process.exit(1);
  }
  const cache = mkdtempSync(join(tmpdir(), 'bidui-test-stores-'));
  process.env.BIDUI_TEST_CACHE = cache;
  return () => rmSync(cache, { recursive: true, force: true });
}
