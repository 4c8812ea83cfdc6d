// The house reads one way (README, Layout): a folder imports another only through its public
// entry, and only a folder below it. This test is the lint rule: it reads every import of the
// product's source and names each one that breaks either rule.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Bottom to top: a folder may import only folders before it. Stages in the order data flows, then the tools on top. */
export const LAYERS = ['config', 'pipeline', 'connectors', 'matchers', 'rules', 'flags', 'review', 'exports', 'jobs', 'web', 'synth', 'cli', 'benchmarks'] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const folderOf = (file: string) => relative(ROOT, file).split(sep)[0]!;

/**
 * Whether `target` (a repo path) is a public entry of its folder: `<folder>/index.ts`; in pipeline/,
 * the base layer of independent modules, each sub-folder's index.ts and each top-level file.
 */
function isEntry(target: string): boolean {
  const parts = target.split('/');
  if (parts.length === 2 && parts[1] === 'index.ts') return true;
  if (parts[0] === 'pipeline') return (parts.length === 3 && parts[2] === 'index.ts') || parts.length === 2;
  return false;
}

interface Crossing {
  from: string;
  to: string;
}

function crossings(): Crossing[] {
  const out: Crossing[] = [];
  for (const folder of LAYERS) {
    for (const file of sourceFiles(join(ROOT, folder))) {
      const text = readFileSync(file, 'utf8');
      const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
      for (const spec of specs) {
        const target = relative(ROOT, resolve(dirname(file), spec)).split(sep).join('/').replace(/\.js$/, '.ts');
        if (target.split('/')[0] !== folder) out.push({ from: relative(ROOT, file).split(sep).join('/'), to: target });
      }
    }
  }
  return out;
}

describe('folder boundaries', () => {
  const all = crossings();

  it('reads the imports (the rule has something to check)', () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it('imports another folder only through its public entry (index.ts)', () => {
    const bad = all.filter((c) => !isEntry(c.to)).map((c) => `${c.from} → ${c.to}`);
    expect(bad).toEqual([]);
  });

  it('imports only folders below it (README, Layout)', () => {
    const layer = (path: string) => LAYERS.indexOf(path.split('/')[0] as (typeof LAYERS)[number]);
    const bad = all.filter((c) => layer(c.to) < 0 || layer(c.to) >= layer(c.from)).map((c) => `${c.from} → ${c.to}`);
    expect(bad).toEqual([]);
  });

  it('every top-level folder of the product has its place in the layers', () => {
    const folders = readdirSync(ROOT).filter(
      (n) => statSync(join(ROOT, n)).isDirectory() && !n.startsWith('.') && sourceFiles(join(ROOT, n)).length && !['node_modules', 'dist', 'tests', 'data', 'bench-output', 'test-output'].includes(n),
    );
    expect(folders.filter((f) => !(LAYERS as readonly string[]).includes(f))).toEqual([]);
  });
});
