// Credentials of a pulled source: read when a pull starts (a rotated token file is used at once),
// from the environment or a file the configuration names. The configuration never holds them.
import { readFileSync } from 'node:fs';
import type { SecretRef } from '../../config/index.js';
import { PullError } from './errors.js';

/** The secret's value; a missing or empty one is a PullError saying where it was looked for. */
export function readSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const v = env[ref.env]?.trim();
    if (!v) throw new PullError('SECRET_MISSING', `${what}未设置：环境变量 ${ref.env} 为空或不存在`);
    return v;
  }
  let text: string;
  try {
    text = readFileSync(ref.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PullError('SECRET_MISSING', `${what}无法读取：文件 ${ref.file} ${code === 'ENOENT' ? '不存在' : code === 'EACCES' ? '没有读取权限' : '读取失败'}`);
  }
  const v = text.trim();
  if (!v) throw new PullError('SECRET_MISSING', `${what}未设置：文件 ${ref.file} 为空`);
  return v;
}
