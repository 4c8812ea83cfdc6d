// One store connection: requests run one at a time (DuckDB transactions are per connection).
import { createMiddleware } from 'hono/factory';

/** A middleware that lets one request at a time through (one per app: its own queue). */
export function serialize() {
  let chain: Promise<void> = Promise.resolve();
  return createMiddleware(async (_c, next) => {
    const prev = chain;
    let release!: () => void;
    chain = new Promise<void>((r) => (release = r));
    await prev;
    try {
      await next();
    } finally {
      release();
    }
  });
}
