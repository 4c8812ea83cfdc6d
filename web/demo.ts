// The end of `bidui demo`: demo accounts for the web review queue (a reviewer of the county with
// the most flags, a supervisor of its city, an admin) with fixed passwords, and how to open it.
import { relative } from 'node:path';
import { z } from 'zod';
import { flagVisibleSql } from '../flags/index.js';
import { queryOne, sql, type Db } from '../pipeline/store/index.js';
import { addUser } from './auth.js';

export const DEMO_USERS = {
  reviewer: { username: 'demo_reviewer', password: 'demo-shenhe-1' },
  supervisor: { username: 'demo_supervisor', password: 'demo-zhuguan-1' },
  admin: { username: 'demo_admin', password: 'demo-guanli-1' },
} as const;

export interface DemoWebOptions {
  database: string;
  /** The reviewer's county (the demo's focus county); absent: chosen from the flags as below. */
  county?: string;
  serve?: boolean;
  port?: number;
  host?: string;
}

export async function demoReviewQueue(db: Db, opts: DemoWebOptions): Promise<{ county: string | null; url: string | null }> {
  // The county of a confirmed REMOVE waiting for approval if there is one (one the reviewer may see:
  // not an HIV flag, which exists only for roles with the need-to-know grant), else the one with most flags.
  const row = await queryOne(
    db,
    z.object({ county_code: z.string() }),
    sql`SELECT f.county_code FROM flags f
       JOIN runs r ON r.run_id = f.run_id AND r.status = 'complete'
       LEFT JOIN decisions d ON d.run_id = f.run_id AND d.flag_id = f.flag_id AND d.decision = 'confirmed' AND f.flag = 'REMOVE' AND ${flagVisibleSql(false, 'f')}
      WHERE f.county_code IS NOT NULL AND NOT f.county_code LIKE '%00'
      GROUP BY f.county_code ORDER BY count(d.flag_id) DESC, count(*) DESC, f.county_code LIMIT 1`,
  );
  const county = opts.county ?? row?.county_code ?? null;
  const port = opts.port ?? 8080;
  const host = opts.host ?? '127.0.0.1';
  console.log('⑥ 审核队列（网页）:');
  if (county) {
    const city = county.slice(0, 4) + '00';
    const u = DEMO_USERS;
    await addUser(db, { username: u.reviewer.username, role: 'reviewer', areas: [county], password: u.reviewer.password, displayName: '演示审核员' }, { replace: true });
    await addUser(db, { username: u.supervisor.username, role: 'supervisor', areas: [city], password: u.supervisor.password, displayName: '演示主管' }, { replace: true });
    await addUser(db, { username: u.admin.username, role: 'admin', areas: [], password: u.admin.password, displayName: '演示管理员' }, { replace: true });
    console.log(`  演示账号（仅供演示，正式使用请用 bidui users add 建立账号）:`);
    console.log(`    审核员（区县 ${county}）  用户名 ${u.reviewer.username}    密码 ${u.reviewer.password}`);
    console.log(`    主管（地市 ${city}）     用户名 ${u.supervisor.username}  密码 ${u.supervisor.password}`);
    console.log(`    系统管理员              用户名 ${u.admin.username}       密码 ${u.admin.password}`);
  } else console.log('  本次比对没有标记，未建立演示账号。');
  let url: string | null = `http://${host}:${port}/`;
  if (opts.serve) {
    const { startServer } = await import('./server.js');
    url = (await startServer(db, { port, host, exportDir: opts.database.replace(/bidui\.duckdb$/, 'exports/web') })).url;
    console.log(`  审核队列已启动: ${url}  （按 Ctrl+C 停止）`);
  } else {
    const rel = relative(process.cwd(), opts.database);
    const shown = rel && !rel.startsWith('..') ? rel : opts.database;
    console.log(`  启动网页服务: npx bidui serve --db ${shown}${port !== 8080 ? ` --port ${port}` : ''}`);
    console.log(`  然后在浏览器打开: ${url}`);
  }
  return { county, url };
}
