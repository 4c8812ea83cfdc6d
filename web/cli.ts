// `bidui serve` and `bidui users …`. Registered from cli/main.ts with registerWebCommands.
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { Db } from '../pipeline/store/index.js';
import { UserError } from '../review/index.js';
import { ROLE_LABELS, ROLES, type Role } from './roles.js';

export function registerWebCommands(program: Command, openDb: () => Promise<Db>): void {
  program
    .command('serve')
    .description('启动网页审核队列（由这一个进程管理数据库文件）')
    .option('--port <n>', '端口', '8080')
    .option('--host <host>', '监听地址', '127.0.0.1')
    .option('--export-dir <dir>', '网页导出文件的存放文件夹', 'data/exports/web')
    .option('--secure-cookies', 'Cookie 加 Secure 标记（通过 HTTPS 访问时使用）')
    .option('--urgent-sla-days <n>', '“突发事件需紧急关爱”标记的办理时限（天）', '3')
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

  const users = program.command('users').description('网页审核队列的账号管理');
  users
    .command('add')
    .description('添加或更新账号：审核人员填区县代码，主管填市代码，管理员可查看全部')
    .argument('<name>', '用户名')
    .addOption(new Option('--role <role>', '角色').choices([...ROLES]).makeOptionMandatory())
    .option('--area <codes...>', '管辖区划代码：审核人员填区县代码，主管填市代码（如 440300）', [])
    .option('--password <password>', '密码（不填则随机生成，只显示一次）')
    .option('--display-name <name>', '页面上显示的姓名')
    .option('--update', '替换已有账号的角色、区划和密码')
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
    .description('列出所有账号')
    .action(async () => {
      const { listUsers } = await import('./auth.js');
      const db = await openDb();
      const list = await listUsers(db);
      if (!list.length) throw new UserError('还没有账号：用 bidui users add 添加');
      for (const u of list) console.log([u.username, ROLE_LABELS[u.role], u.areas.join('、') || '全部', u.active ? '' : '（已停用）'].join('\t'));
    });
}
