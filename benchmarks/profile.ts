// Reads DuckDB JSON profiles (BIDUI_PROFILE_DIR, pipeline/profile.ts) and says where a statement's time went: the
// operator time of each CTE (the rest of the statement is 'main'), and the heaviest joins with the rows of both
// sides (the right child is the side DuckDB built its hash table on).
// usage: npm run profile -- FILE.json [FILE.json …] [--joins N]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  operator_name?: string;
  operator_type?: string;
  operator_timing?: number;
  operator_cardinality?: number;
  extra_info?: Record<string, unknown>;
  children?: ProfileNode[];
}

export interface JoinCost {
  cte: string;
  seconds: number;
  rows: number;
  condition: string;
  /** Rows of the probe (left) and build (right) sides. */
  sides: number[];
}

export interface ProfileSummary {
  /** Operator seconds summed over the statement (threads add up: more than the wall time on two cores). */
  seconds: number;
  byCte: { cte: string; seconds: number }[];
  joins: JoinCost[];
}

const name = (n: ProfileNode) => n.operator_name ?? n.operator_type ?? '?';

/** Where a profile's operator time went. */
export function summarizeProfile(profile: ProfileNode): ProfileSummary {
  const byCte = new Map<string, number>();
  const joins: JoinCost[] = [];
  let seconds = 0;
  const walk = (n: ProfileNode, cte: string): void => {
    const t = n.operator_timing ?? 0;
    seconds += t;
    const own = name(n) === 'CTE' ? String(n.extra_info?.['CTE Name'] ?? cte) : cte;
    byCte.set(own, (byCte.get(own) ?? 0) + t);
    if (name(n).endsWith('JOIN')) {
      const cond = n.extra_info?.Conditions;
      joins.push({ cte: own, seconds: t, rows: n.operator_cardinality ?? 0, condition: Array.isArray(cond) ? cond.join(' AND ') : String(cond ?? ''), sides: (n.children ?? []).map((c) => c.operator_cardinality ?? 0) });
    }
    const kids = n.children ?? [];
    // A CTE node's first child builds the CTE, the second is the query that reads it.
    if (name(n) === 'CTE' && kids.length === 2) {
      walk(kids[0]!, own);
      walk(kids[1]!, cte);
    } else for (const k of kids) walk(k, own);
  };
  walk(profile, 'main');
  return {
    seconds,
    byCte: [...byCte].map(([cte, s]) => ({ cte, seconds: s })).sort((a, b) => b.seconds - a.seconds),
    joins: joins.sort((a, b) => b.seconds - a.seconds),
  };
}

function main(argv: string[]): void {
  let topJoins = 8;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--joins') topJoins = Number(argv[++i]);
    else files.push(argv[i]!);
  }
  for (const file of files) {
    const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as ProfileNode);
    console.log(`${file}: operator time ${s.seconds.toFixed(2)} s`);
    for (const c of s.byCte) if (c.seconds >= 0.005) console.log(`  ${c.seconds.toFixed(2).padStart(8)} s  ${c.cte}`);
    for (const j of s.joins.slice(0, topJoins)) console.log(`  join ${j.seconds.toFixed(2).padStart(6)} s  [${j.cte}] ${j.rows} rows from ${j.sides.join(' × ')}: ${j.condition}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
