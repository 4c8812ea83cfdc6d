import pino, { type DestinationStream } from 'pino';

/** First 6 and last 4 characters of an ID number; everything between becomes '*'. */
export function maskId(id: string | null | undefined): string {
  if (!id) return '';
  if (id.length <= 10) return '*'.repeat(id.length);
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4);
}

/**
 * Keys that may carry personal data (every person field of the feeds, flags and rules), redacted at
 * the top level and two levels down. Log ids and counts, never rows.
 */
const PERSON_ROLES = ['', 'father_', 'mother_', 'carer_', 'guardian1_', 'guardian2_', 'child_'];
const PERSONAL_KEYS = [
  ...PERSON_ROLES.flatMap((r) => [`${r}name`, `${r}id_number`]),
  'idNumber',
  'name_raw',
  'raw',
  'row',
  'rows',
  'certificate_no',
];

export function createLogger(destination: DestinationStream = pino.destination(2)) {
  return pino(
    {
      level: process.env.BIDUI_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
      redact: { paths: PERSONAL_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
    },
    destination,
  );
}

/** The one logger: structured, on stderr so that stdout stays for command output. */
export const log = createLogger();
