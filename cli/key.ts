// `bidui key init|show` and `bidui open`: the bureau's key (docs/protection.md) and the sealed files
// bidui leaves behind (flags.csv, exports, query lists as `<name>.sm4`).
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Db } from '../pipeline/store/index.js';

export function registerKeyCommands(program: Command, storePath: () => string, openStore: () => Promise<Db>): void {
  const key = program.command('key').description('数据加密密钥（国密 SM4）：个人信息在数据库和导出文件中加密保存');

  key
    .command('init')
    .description('生成新的密钥文件（不会覆盖已有的密钥文件）')
    .option('--file <path>', '密钥文件位置（默认：环境变量 BIDUI_KEY_FILE，否则数据库旁的 bidui.key）')
    .action(async (o: { file?: string }) => {
      const { createKeyFile, defaultKeyFile } = await import('../pipeline/seal/index.js');
      const file = resolve(o.file ?? process.env.BIDUI_KEY_FILE ?? defaultKeyFile(storePath()));
      const created = createKeyFile(file);
      console.log(`已生成密钥文件 ${file}（密钥编号 ${created.keys.id}，仅本用户可读）。`);
      console.log('请立即备份此文件并与数据库分开保管（例如单位保密U盘）：丢失密钥后，数据库和导出文件中的个人信息都无法再读取。');
      console.log('正式使用时请把密钥文件放在数据库所在磁盘之外，并用环境变量 BIDUI_KEY_FILE 指向它。');
    });

  key
    .command('show')
    .description('显示当前密钥的来源和编号（不显示密钥本身），以及数据库使用的密钥编号')
    .action(async () => {
      const { loadKey } = await import('../pipeline/seal/index.js');
      const loaded = loadKey(storePath());
      console.log(`当前密钥：编号 ${loaded.keys.id}，来自${loaded.source}`);
      if (!existsSync(resolve(storePath()))) return console.log(`数据库 ${storePath()} 尚不存在`);
      const db = await openStore();
      const { queryRows } = await import('../pipeline/store/index.js');
      const [row] = await queryRows<{ key_id: string }>(db, 'SELECT key_id FROM store_key LIMIT 1');
      console.log(`数据库 ${storePath()} 使用密钥编号 ${row?.key_id ?? '（无）'}`);
    });

  key
    .command('rotate')
    .description('更换密钥：用当前密钥解开数据库中的全部加密字段，用新密钥重新加密，并重写数据库文件（旧密文不留在文件中）')
    .requiredOption('--new-key-file <path>', '新密钥文件（先用 bidui key init --file <path> 生成）')
    .requiredOption('--by <name>', '操作人（记入审计日志）')
    .action(async (o: { newKeyFile: string; by: string }) => {
      const { loadKey } = await import('../pipeline/seal/index.js');
      const { rotateStoreKey, openStore: open } = await import('../pipeline/store/index.js');
      const { appendAudit } = await import('../review/index.js');
      const next = loadKey(storePath(), { BIDUI_KEY_FILE: o.newKeyFile });
      const r = await rotateStoreKey(storePath(), next.keys);
      process.env.BIDUI_KEY_FILE = resolve(o.newKeyFile);
      delete process.env.BIDUI_KEY;
      const db = await open(storePath());
      await appendAudit(db, { actor: o.by, action: 'key', target: storePath(), rows: r.rows, detail: { from: r.from, to: r.to, rows: r.rows, tables: r.tables } });
      console.log(`已用新密钥（编号 ${r.to}）重新加密数据库 ${storePath()} 的 ${r.tables} 张表、${r.rows} 行，并重写了数据库文件。`);
      console.log(`从现在起请使用新密钥：设置 BIDUI_KEY_FILE=${resolve(o.newKeyFile)}（或替换原密钥文件），并重启网页服务和后台任务。`);
      console.log('之前留下的加密文件（.sm4）仍需旧密钥打开：需要保留的，请在销毁旧密钥前用 bidui open 打开后重新导出。');
    });

  program
    .command('open')
    .description('打开 bidui 留下的加密文件（<文件名>.sm4：标记清单、导出文件、信息查询名单），写出原文件；每次打开记入审计日志')
    .argument('<files...>', '加密文件（.sm4）')
    .option('--out <dir>', '原文件写到该目录（默认：加密文件所在目录）')
    .requiredOption('--by <name>', '打开人（记入审计日志）')
    .action(async (files: string[], o: { out?: string; by: string }) => {
      const { openFile, SEALED_FILE_SUFFIX } = await import('../pipeline/seal/index.js');
      const { storeKeys } = await import('../pipeline/store/index.js');
      const { appendAudit } = await import('../review/index.js');
      const db = await openStore();
      for (const file of files) {
        const sealed = resolve(file);
        const name = basename(sealed).endsWith(SEALED_FILE_SUFFIX) ? basename(sealed).slice(0, -SEALED_FILE_SUFFIX.length) : `${basename(sealed)}.open`;
        const dir = resolve(o.out ?? dirname(sealed));
        mkdirSync(dir, { recursive: true });
        const plain = join(dir, name);
        openFile(storeKeys(db), sealed, plain);
        const auditId = await appendAudit(db, { actor: o.by, action: 'export', target: plain, rows: null, detail: { kind: 'open', from: sealed } });
        console.log(`已打开 ${plain}（已记入审计日志 #${auditId}）。此文件未加密，用完请删除或妥善保管。`);
      }
    });
}
