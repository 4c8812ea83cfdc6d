// Sealed files: what bidui leaves in its folders (flags.csv after a quarter, exports, query lists)
// is `<name>.sm4`, SM4-CTR with a random IV and an HMAC-SM3 tag over everything before it
// (encrypt-then-MAC). `bidui open` gives the file back to a person with the key.
//
//   "BIDUISM4" | version 1 (1 byte) | key id (8 bytes) | IV (16 bytes) | ciphertext | tag (32 bytes)
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import type { SealKeys } from './cipher.js';
import { SealError } from './cipher.js';

export const SEALED_FILE_SUFFIX = '.sm4';
const MAGIC = Buffer.from('BIDUISM4');
const HEADER = MAGIC.length + 1 + 8 + 16;
const TAG = 32;
const CHUNK = 1 << 20;

/** Seals file `plain` into `plain + .sm4` and removes `plain`; returns the sealed path. */
export function sealFile(keys: SealKeys, plain: string): string {
  const sealed = plain + SEALED_FILE_SUFFIX;
  const tmp = `${sealed}.${process.pid}.part`;
  const iv = randomBytes(16);
  const header = Buffer.concat([MAGIC, Buffer.from([1]), Buffer.from(keys.id, 'hex'), iv]);
  const cipher = createCipheriv('sm4-ctr', keys.encKey, iv);
  const mac = createHmac('sm3', keys.macKey).update(header);
  const input = openSync(plain, 'r');
  const output = openSync(tmp, 'w', 0o600);
  try {
    writeSync(output, header);
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n; (n = readSync(input, buf, 0, CHUNK, null)) > 0; ) {
      const c = cipher.update(buf.subarray(0, n));
      mac.update(c);
      writeSync(output, c);
    }
    writeSync(output, mac.digest());
  } finally {
    closeSync(input);
    closeSync(output);
  }
  renameSync(tmp, sealed);
  unlinkSync(plain);
  return sealed;
}

/** Whether `path` is a sealed file (by its first bytes). */
export function isSealedFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length);
    return readSync(fd, head, 0, MAGIC.length, 0) === MAGIC.length && head.equals(MAGIC);
  } finally {
    closeSync(fd);
  }
}

/**
 * The plain content of sealed file `sealed`, checked against its tag first (a file sealed under
 * another key, changed or cut short is refused with a Chinese SealError).
 */
export function openFileBytes(keys: SealKeys, sealed: string): Buffer {
  const data = readFileSync(sealed);
  if (data.length < HEADER + TAG || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw new SealError(`文件 ${sealed} 不是 bidui 加密文件`);
  const keyId = data.subarray(MAGIC.length + 1, MAGIC.length + 9).toString('hex');
  if (keyId !== keys.id) throw new SealError(`文件 ${sealed} 是用另一把密钥加密的（密钥编号 ${keyId}），当前密钥编号 ${keys.id}`);
  const body = data.subarray(HEADER, data.length - TAG);
  const mac = createHmac('sm3', keys.macKey).update(data.subarray(0, HEADER)).update(body).digest();
  if (!timingSafeEqual(mac, data.subarray(data.length - TAG))) throw new SealError(`文件 ${sealed} 无法用当前密钥解开：文件已被改动或已损坏`);
  const decipher = createDecipheriv('sm4-ctr', keys.encKey, data.subarray(MAGIC.length + 9, HEADER));
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/** Opens sealed file `sealed` into `plain` (mode 600). */
export function openFile(keys: SealKeys, sealed: string, plain: string): void {
  const bytes = openFileBytes(keys, sealed);
  const tmp = `${plain}.${process.pid}.part`;
  writeFileSync(tmp, bytes, { mode: 0o600 });
  renameSync(tmp, plain);
}
