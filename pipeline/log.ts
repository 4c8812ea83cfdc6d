import pino, { type DestinationStream } from 'pino';

/** First 6 and last 4 characters of an ID number; everything between becomes '*'. */
export function maskId(id: string | null | undefined): string {
  if (!id) return '';
  if (id.length <= 10) return '*'.repeat(id.length);
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4);
}

/** A number that carries an ID number inside it (a 残疾人证号 is the holder's ID plus two digits) is masked like one. */
export function maskEmbeddedId(value: string | null | undefined): string {
  if (!value) return '';
  return /\d{17}[\dXx]/.test(value) ? maskId(value) : value;
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

/**
 * Keys that may carry a credential (pulled sources: tokens, application secrets, request
 * signatures and their headers). The code logs none of them; this is the net under it.
 */
const SECRET_KEYS = ['secret', 'token', 'password', 'authorization', 'Authorization', 'signature', 'headers', 'appSecret'];

/**
 * BIDUI_LOG_LEVEL (or the CLI's --log-level) when set. Otherwise: off in tests; on a terminal only
 * errors (the JSON lines are for services and CI, not for the person at the keyboard, who reads
 * the commands' Chinese output); 'info' when stderr is a file, a pipe or a journal.
 */
export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env, stderrIsTty = !!process.stderr.isTTY): string {
  if (env.BIDUI_LOG_LEVEL) return env.BIDUI_LOG_LEVEL;
  if (env.VITEST) return 'silent';
  return stderrIsTty ? 'error' : 'info';
}

export function createLogger(destination: DestinationStream = pino.destination(2)) {
  return pino(
    {
      level: defaultLogLevel(),
      redact: { paths: [...PERSONAL_KEYS, ...SECRET_KEYS].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
    },
    destination,
  );
}

/** The one logger: structured, on stderr so that stdout stays for command output. */
export const log = createLogger();
