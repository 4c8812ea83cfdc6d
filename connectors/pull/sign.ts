// Request signing as the data-sharing platforms do it: an application key, a timestamp, a nonce
// and an HMAC over the request, with SM3 (GB/T 32905, through Node's OpenSSL) or SHA-256.
import { createHmac, randomUUID } from 'node:crypto';

export type SignAlgorithm = 'sm3' | 'sha256';

/** The text that is signed: METHOD, path with query, timestamp and nonce, one a line. */
export function stringToSign(method: string, pathAndQuery: string, timestamp: string, nonce: string): string {
  return [method.toUpperCase(), pathAndQuery, timestamp, nonce].join('\n');
}

/** HMAC-SM3 or HMAC-SHA256 of the string to sign, hex. */
export function signature(algorithm: SignAlgorithm, secret: string, text: string): string {
  return createHmac(algorithm, secret).update(text, 'utf8').digest('hex');
}

/** Timestamp (ms since the epoch) and a fresh nonce for one request. */
export function freshStamp(now = Date.now()): { timestamp: string; nonce: string } {
  return { timestamp: String(now), nonce: randomUUID().replaceAll('-', '') };
}
