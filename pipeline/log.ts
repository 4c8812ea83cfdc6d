import pino from 'pino';

/** First 6 and last 4 characters of an ID number; everything between becomes '*'. */
export function maskId(id: string | null | undefined): string {
  if (!id) return '';
  if (id.length <= 10) return '*'.repeat(id.length);
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4);
}

/**
 * The one logger. Structured, to stderr so that stdout stays for command output (JSON).
 * Fields that could carry personal data are redacted wherever they appear.
 */
export const log = pino(
  {
    level: process.env.BIDUI_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
    redact: {
      paths: ['*.id_number', '*.name', '*.raw', 'id_number', 'name', 'raw', 'row', '*.row'],
      censor: '[redacted]',
    },
  },
  pino.destination(2),
);
