/** Why a pull failed. The message is Chinese, names the source's page and cause, and never carries a credential. */
export type PullErrorCode =
  | 'CONFIG'
  | 'SECRET_MISSING'
  | 'AUTH'
  | 'HTTP'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'BAD_ANSWER'
  | 'PAGING'
  | 'WRITE';

export class PullError extends Error {
  override name = 'PullError';
  constructor(
    readonly code: PullErrorCode,
    message: string,
    /** Whether trying the same request again may help (time-outs, 5xx, 429, a dropped connection). */
    readonly retryable = false,
  ) {
    super(message);
  }
}
