/**
 * The client's address, for the per-client abuse limit. Each proxy in front of the server appends
 * the address it got the request from to X-Forwarded-For, so behind `trustedHops` proxies of our
 * own the client is the `trustedHops`-th entry from the right; whatever stands left of it is what
 * the client chose to send, and is never believed. With 0 hops the header is ignored and the TCP
 * peer counts, so a client cannot dodge the limit by sending a header.
 */
export function clientIp(req: Request, peer: string, trustedHops: number): string {
  if (trustedHops === 0) return peer;
  const hops = (req.headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim())
    .filter((s) => s !== "");
  return hops[hops.length - trustedHops] ?? hops[0] ?? peer;
}

/** The TCP peer Deno.serve hands Hono as its env (`info.remoteAddr`); "" under `app.fetch`. */
export function peerAddress(env: unknown): string {
  const addr = (env as { remoteAddr?: { hostname?: unknown } } | undefined)?.remoteAddr;
  return typeof addr?.hostname === "string" ? addr.hostname : "";
}

/**
 * Whether the client reached us over https: the request itself, or, behind `trustedHops` proxies of
 * our own, the X-Forwarded-Proto entry our outermost proxy wrote, picked the way `clientIp` picks
 * the address (a proxy that overwrites the header leaves one entry; one that appends, a list).
 * With 0 hops the header is the client's word and never counts.
 */
export function cameOverHttps(req: Request, trustedHops: number): boolean {
  if (new URL(req.url).protocol === "https:") return true;
  if (trustedHops === 0) return false;
  const protos = (req.headers.get("x-forwarded-proto") ?? "").split(",").map((s) => s.trim())
    .filter((s) => s !== "");
  return (protos[protos.length - trustedHops] ?? protos[0])?.toLowerCase() === "https";
}
