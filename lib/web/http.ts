import { z } from "zod";
import { AppError } from "../domain/errors.ts";
import type { Services } from "./services.ts";

/** What a route handler receives: Fresh's handler context shape, on Hono. */
export interface RouteContext {
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: Services;
  /** The client's address (lib/web/client_ip.ts): the TCP peer, or X-Forwarded-For when trusted. */
  clientIp: string;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type Handlers = Partial<Record<Method, (ctx: RouteContext) => Response | Promise<Response>>>;

/** A `_middleware.ts` handler (Fresh's shape): runs around every route of its folder and below. */
export type Middleware = (ctx: RouteContext, next: () => Promise<Response>) => Promise<Response>;

/**
 * What a `_middleware.ts` file exports: its handler, and `errors = "original"` for the folder of
 * the original platform's routes, whose error answers also carry `result` and `message`.
 */
export interface MiddlewareModule {
  handler?: Middleware;
  errors?: "original";
}

/** One entry of the generated route manifest (routes.gen.ts). */
export interface RouteEntry {
  /** Hono's syntax: `:param`, and `:name{.+}` for a `[...name]` file. */
  path: string;
  module: { handler: Handlers };
  /** The `_middleware.ts` files of the route's folder and its parents, outermost first. */
  middlewares: MiddlewareModule[];
}

/** A JSON answer. JSON is UTF-8 and its media type has no charset parameter (RFC 8259 §11). */
export function json(data: unknown, status = 200, headers: HeadersInit = {}): Response {
  return jsonText(JSON.stringify(data), status, headers);
}

/** A JSON answer already serialised. */
export function jsonText(text: string, status = 200, headers: HeadersInit = {}): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppError("INVALID_JSON", "The request body is not valid UTF-8.");
  }
}

async function readLimited(req: Request, maxBytes: number): Promise<string> {
  const length = req.headers.get("content-length");
  if (Number(length ?? "0") > maxBytes) throw new AppError("PAYLOAD_TOO_LARGE");
  // A declared length within the limit (what clients send) is read in one go: the server reads
  // no further than the declared length, so the limit holds without the chunk loop below, which
  // cost a quarter of the JavaScript time of a sold-out answer (measured with --cpu-prof).
  if (length !== null && !req.headers.has("transfer-encoding")) {
    return decodeUtf8(await req.bytes());
  }
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new AppError("PAYLOAD_TOO_LARGE");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return decodeUtf8(bytes);
}

export function validationError(error: z.ZodError): AppError {
  const details = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  return new AppError("VALIDATION_FAILED", undefined, details);
}

/**
 * Reads a body as the client sent it (size-limited, UTF-8), for a signature over its exact bytes
 * (the payment webhook); `parseJson` then reads it.
 */
export async function readText(ctx: RouteContext): Promise<string> {
  return await readLimited(ctx.req, ctx.state.config.MAX_BODY_BYTES);
}

/** Parses a JSON text and validates it with `schema`. */
export function parseJson<T extends z.ZodType>(text: string, schema: T): z.infer<T> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("INVALID_JSON");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Reads a JSON body (size-limited, application/json only) and validates it with `schema`. */
export async function readJson<T extends z.ZodType>(
  ctx: RouteContext,
  schema: T,
): Promise<z.infer<T>> {
  const type = ctx.req.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new AppError("UNSUPPORTED_MEDIA_TYPE");
  return parseJson(await readLimited(ctx.req, ctx.state.config.MAX_BODY_BYTES), schema);
}

/** Reads an HTML form post (size-limited, application/x-www-form-urlencoded only). */
export async function readForm(ctx: RouteContext): Promise<URLSearchParams> {
  const type = ctx.req.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The form must be sent URL-encoded.");
  }
  return new URLSearchParams(await readLimited(ctx.req, ctx.state.config.MAX_BODY_BYTES));
}

/** Validates path or query parameters. */
export function parseParams<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Validates a URL's query; a parameter given twice is refused, not silently picked. */
export function parseQuery<T extends z.ZodType>(schema: T, url: URL): z.infer<T> {
  const entries = [...url.searchParams];
  const repeated = entries.find(([k], i) => entries.findIndex(([other]) => other === k) !== i);
  if (repeated) {
    throw new AppError("VALIDATION_FAILED", undefined, [
      { path: repeated[0], message: "must be given once" },
    ]);
  }
  return parseParams(schema, Object.fromEntries(entries));
}

/** A sale or other numeric id in a path: a positive integer, nothing else. */
export const idParam = z.string().regex(/^[1-9][0-9]{0,14}$/, "must be a positive integer")
  .transform(Number);
