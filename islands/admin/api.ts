import { requestJson } from "../parts/api.ts";

/** The error shape of the JSON API (lib/errors.ts), as the console reads it. */
export interface ApiError {
  error?: { code?: string; message?: string; details?: { path?: string; message?: string }[] };
}

/** Cookie-authenticated changes carry this header (lib/admin_auth.ts). */
const HEADERS = { "x-requested-with": "flashline" };

/** A request of the admin console: the session cookie goes along, with the anti-forgery header. */
export function adminApi<T>(path: string, method = "GET", body?: unknown) {
  return requestJson<T & ApiError>(path, {
    method,
    headers: HEADERS,
    ...(body === undefined ? {} : { body }),
  });
}
