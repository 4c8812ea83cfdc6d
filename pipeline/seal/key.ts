// The bureau's key: 32 random bytes as 64 hex digits, from the environment (BIDUI_KEY), from a key
// file named by BIDUI_KEY_FILE, or from `bidui.key` beside the store (what `bidui key init` and the
// demo write). docs/protection.md says where a bureau should keep it and what losing it means.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sealKeys, type SealKeys } from './cipher.js';

/** No key was found, or it is malformed: the message says, in Chinese, what to do. */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

/** Where a key came from, for messages (never the key itself). */
export interface LoadedKey {
  keys: SealKeys;
  source: string;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

function parseKey(text: string, source: string): LoadedKey {
  const hex = text.trim();
  if (!HEX_KEY.test(hex)) throw new KeyError(`密钥格式不对（${source}）：应为 64 位十六进制数字（32 字节）。可用 bidui key init 生成`);
  return { keys: sealKeys(Buffer.from(hex, 'hex')), source };
}

/** The default key file of a store: `bidui.key` in the store's folder. */
export function defaultKeyFile(storePath: string): string {
  return join(dirname(resolve(storePath)), 'bidui.key');
}

function readKeyFile(file: string, source: string): LoadedKey {
  const mode = statSync(file).mode & 0o077;
  const loaded = parseKey(readFileSync(file, 'utf8'), source);
  if (mode !== 0) chmodSync(file, 0o600);
  return loaded;
}

/**
 * The key for the store at `storePath`: BIDUI_KEY, else the file BIDUI_KEY_FILE names, else the
 * store's default key file. Throws KeyError when there is none.
 */
export function loadKey(storePath: string, env: NodeJS.ProcessEnv = process.env): LoadedKey {
  if (env.BIDUI_KEY) return parseKey(env.BIDUI_KEY, '环境变量 BIDUI_KEY');
  if (env.BIDUI_KEY_FILE) {
    const file = resolve(env.BIDUI_KEY_FILE);
    if (!existsSync(file)) throw new KeyError(`找不到密钥文件 ${file}（环境变量 BIDUI_KEY_FILE）`);
    return readKeyFile(file, `密钥文件 ${file}`);
  }
  const file = defaultKeyFile(storePath);
  if (existsSync(file)) return readKeyFile(file, `密钥文件 ${file}`);
  throw new KeyError(
    `没有找到数据加密密钥。个人信息在数据库中加密保存（国密 SM4），需要本单位的密钥：` +
      `请设置环境变量 BIDUI_KEY 或 BIDUI_KEY_FILE，或用 bidui key init 生成密钥文件（默认 ${file}）`,
  );
}

/** Writes a new random key to `file` (mode 600); refuses to overwrite one. */
export function createKeyFile(file: string): LoadedKey {
  const full = resolve(file);
  if (existsSync(full)) throw new KeyError(`密钥文件 ${full} 已存在，不会覆盖（覆盖会让已加密的数据再也无法读取）`);
  mkdirSync(dirname(full), { recursive: true });
  const hex = randomBytes(32).toString('hex');
  writeFileSync(full, hex + '\n', { mode: 0o600 });
  return parseKey(hex, `密钥文件 ${full}`);
}
