/** The sale as the JSON API returns it (DESIGN §5), as islands receive it. */
export type { SaleData } from "../../lib/domain/sale.ts";

/** A JSON request from an island: status and parsed body, or a thrown error when offline. */
export async function requestJson<T>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    cache: "no-store",
    headers: {
      accept: "application/json",
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let body: unknown = {};
  try {
    body = JSON.parse(text);
  } catch { /* an empty or non-JSON answer reads as {} */ }
  return { status: res.status, body: body as T };
}
