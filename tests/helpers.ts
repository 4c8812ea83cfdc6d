import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDigit } from '../pipeline/identity/index.js';

export function tempDir(prefix = 'bidui-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A valid 18-character ID: address code, birth date YYYYMMDD, sequence (3 digits; odd last = male). */
export function makeId(region: string, birth: string, seq: string): string {
  const first17 = region + birth + seq;
  return first17 + checkDigit(first17);
}

export function writeFile(dir: string, rel: string, content: string | Buffer): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}
