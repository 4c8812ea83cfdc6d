// Request validation: hono's validator middleware with the zod schemas of web/schemas.ts. A
// request that does not fit answers 400 with the zod issues in Chinese; the handler reads the
// parsed value with c.req.valid(target).
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { WebError, zodMessage } from './errors.js';

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new WebError(400, zodMessage(r.error));
  return r.data;
}

/** The query string (first value of each key; an empty value, as an empty <select> sends, is absent). */
export const query = <T extends z.ZodType>(schema: T) =>
  validator('query', (_value, c): z.output<T> => parse(schema, Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))));

/** The path parameters. */
export const params = <T extends z.ZodType>(schema: T) => validator('param', (value): z.output<T> => parse(schema, value));

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** A JSON body (Content-Type application/json; anything else is refused). */
export const json = <T extends z.ZodType>(schema: T) =>
  validator('json', (value, c): z.output<T> => {
    if (!JSON_TYPE.test((c.req.header('content-type') ?? '').split(';')[0]!.trim())) throw new WebError(400, '请求内容应为 JSON');
    return parse(schema, value);
  });

/** A form or a JSON body (the login page posts a form, API clients JSON). */
export const formOrJson = <T extends z.ZodType>(schema: T) =>
  validator('form', async (form, c): Promise<z.output<T>> => {
    const isJson = (c.req.header('content-type') ?? '').includes('json');
    return parse(schema, isJson ? await c.req.json().catch(() => ({})) : form);
  });
