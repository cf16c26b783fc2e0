import type { Context } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";

type Invalid = (issues: z.core.$ZodIssue[], c: Context) => Response;

/**
 * Validation as middleware (STYLE H1): the body is parsed with `schema` before the handler runs, so
 * handlers read typed input from `c.req.valid("json")`. A body that does not parse is answered by
 * `invalid` (a 400 in the caller's error format) and never reaches the handler.
 */
export const zodJson = <S extends z.ZodType>(schema: S, invalid: Invalid) =>
  validator("json", (value, c): z.output<S> | Response => parseOr(schema, value, c, invalid));

/** The same for the query string: `c.req.valid("query")` is typed, a bad query never reaches the handler. */
export const zodQuery = <S extends z.ZodType>(schema: S, invalid: Invalid) =>
  validator("query", (value, c): z.output<S> | Response => parseOr(schema, value, c, invalid));

function parseOr<S extends z.ZodType>(schema: S, value: unknown, c: Context, invalid: Invalid): z.output<S> | Response {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : invalid(parsed.error.issues, c);
}
