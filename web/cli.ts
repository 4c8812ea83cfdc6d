// `bidui serve` and `bidui users …`. Registered from cli/main.ts with registerWebCommands.
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { Db } from '../pipeline/store/index.js';
import { UserError } from '../review/index.js';
import { ROLE_LABELS, ROLES, type Role } from './roles.js';

export function registerWebCommands(program: Command, openDb: () => Promise<Db>): void {
  program
    .command('serve')
    .description('the web review queue (审核队列): one process that owns the DuckDB file')
    .option('--port <n>', 'port', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--export-dir <dir>', 'where web exports are written', 'data/exports/web')
    .option('--secure-cookies', 'mark cookies Secure (behind HTTPS)')
    .option('--urgent-sla-days <n>', 'days to decide an URGENT flag', '3')
    .action(async (o: { port: string; host: string; exportDir: string; secureCookies?: boolean; urgentSlaDays: string }) => {
      const { startServer } = await import('./server.js');
      const db = await openDb();
      const { url } = await startServer(db, {
        port: Number(o.port),
        host: o.host,
        exportDir: o.exportDir,
        secureCookies: !!o.secureCookies,
        sla: { urgentDays: Number(o.urgentSlaDays) },
      });
      console.log(`审核队列已启动: ${url}（按 Ctrl+C 停止）`);
    });

  const users = program.command('users').description('accounts of the web review queue (审核账号)');
  users
    .command('add')
    .description('add or update an account: reviewers get county codes, supervisors a city code, admins see everything')
    .argument('<name>', 'user name (用户名)')
    .addOption(new Option('--role <role>', 'role').choices([...ROLES]).makeOptionMandatory())
    .option('--area <codes...>', 'area codes: county codes (reviewer), a city code such as 440300 (supervisor)', [])
    .option('--password <password>', 'password (default: a random one, printed once)')
    .option('--display-name <name>', 'name shown in the pages')
    .option('--update', 'replace an existing account (role, areas, password)')
    .action(async (name: string, o: { role: Role; area: string[]; password?: string; displayName?: string; update?: boolean }) => {
      const { addUser } = await import('./auth.js');
      const db = await openDb();
      const password = o.password ?? randomBytes(9).toString('base64url');
      const u = await addUser(db, { username: name, role: o.role, areas: o.area, password, displayName: o.displayName }, { replace: !!o.update });
      console.log(`已${o.update ? '更新' : '添加'}账号 ${u.username}（${ROLE_LABELS[u.role]}${u.areas.length ? '，区划 ' + u.areas.join('、') : ''}）`);
      if (!o.password) console.log(`初始密码: ${password}（只显示这一次）`);
    });
  users
    .command('list')
    .description('list the accounts')
    .action(async () => {
      const { listUsers } = await import('./auth.js');
      const db = await openDb();
      const list = await listUsers(db);
      if (!list.length) throw new UserError('还没有账号：用 bidui users add 添加');
      for (const u of list) console.log([u.username, ROLE_LABELS[u.role], u.areas.join('、') || '全部', u.active ? '' : '（已停用）'].join('\t'));
    });
}
