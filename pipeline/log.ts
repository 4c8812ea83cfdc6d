import pino, { type DestinationStream } from 'pino';

/** First 6 and last 4 characters of an ID number; everything between becomes '*'. */
export function maskId(id: string | null | undefined): string {
  if (!id) return '';
  if (id.length <= 10) return '*'.repeat(id.length);
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4);
}

/** Keys that may carry personal data: redacted at the top level and one level down. */
const PERSONAL_KEYS = ['id_number', 'name', 'raw', 'row'];

export function createLogger(destination: DestinationStream = pino.destination(2)) {
  return pino(
    {
      level: process.env.BIDUI_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
      redact: { paths: [...PERSONAL_KEYS, ...PERSONAL_KEYS.map((k) => `*.${k}`)], censor: '[redacted]' },
    },
    destination,
  );
}

/** The one logger: structured, on stderr so that stdout stays for command output. */
export const log = createLogger();
