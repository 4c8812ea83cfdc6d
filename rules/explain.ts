import type { Config } from '../config/index.js';
import { maskId } from '../pipeline/log.js';
import { z } from 'zod';
import { lit, queryOne, sql, type Db } from '../pipeline/store/index.js';
import { flagLabel, reasonLabel } from './vocabulary.js';
import { RuleContext, evaluateChild, type RaisedFlag } from './evaluate.js';
import { gatherFacts } from './gather.js';

/** A raised flag in words: the rule, each evidence record with its match score, the parameters. */
export function explainFlagLines(f: RaisedFlag): string[] {
  const evidence = f.evidence.map((e) => `${e.role} ${e.feed}:${e.recordId}@${e.date ?? ''}（匹配概率 ${e.score.toFixed(3)}）`).join('；');
  const lines = [`${flagLabel(f.flag)}（${reasonLabel(f.reason)}）证据：${evidence || '无'}`];
  if (Object.keys(f.params).length) lines.push(`  参数 ${JSON.stringify(f.params)}`);
  return lines;
}

/**
 * The trace of the rules for one child (by ID number, child ref, person id, or the id of one of its
 * flags as `bidui review list` prints it) as of T, on the persons of the latest linkage. Written
 * to the audit log: it shows personal data.
 */
export async function explainChild(db: Db, config: Config, child: string, asOf: string, actor = process.env.USER ?? 'cli'): Promise<string[]> {
  const flag = await queryOne(
    db,
    z.object({ child_person_id: z.string().nullable() }),
    sql`SELECT child_person_id FROM flags WHERE flag_id = ${child} ORDER BY as_of DESC LIMIT 1`,
  );
  if (flag?.child_person_id) child = flag.child_person_id;
  const { children, people } = await gatherFacts(db, asOf, config.profile.adultAge);
  const found = children.filter((c) => c.personId === child || c.idNumber === child || c.registry.some((r) => r.childRef === child));
  if (!found.length) return [`未找到儿童 ${child}`];
  const ctx = new RuleContext(asOf, config.profile);
  const lines: string[] = [];
  for (const c of found) {
    const { trace, flags } = evaluateChild(ctx, c, people);
    lines.push(`儿童 ${c.name ?? ''} ${maskId(c.idNumber)} (person ${c.personId})`);
    lines.push(...trace.map((t) => '  ' + t));
    for (const f of flags) lines.push(...explainFlagLines(f).map((l) => '  ' + l));
  }
  await db.run(
    `INSERT INTO audit_log (logged_at, actor, action, target, detail) VALUES (now(), ${lit(actor)}, 'view', ${lit(/^\d{15}(\d{2}[\dXx])?$/.test(child) ? maskId(child) : child)}, ${lit(JSON.stringify({ what: 'rules explain', asOf }))})`,
  );
  return lines;
}
