import { assertEquals } from "../helpers/assert.ts";
import { cameOverHttps, clientIp, peerAddress } from "../../lib/web/client_ip.ts";

const req = (xff?: string) =>
  new Request("http://x/", { headers: xff === undefined ? {} : { "x-forwarded-for": xff } });

Deno.test("client IP: X-Forwarded-For counts only through trusted proxies", () => {
  // No trusted proxy: the header is the client's own claim, ignored.
  assertEquals(clientIp(req("1.1.1.1"), "10.0.0.5", 0), "10.0.0.5");
  // One proxy: the entry it appended (right-most), not what the client put left of it.
  assertEquals(clientIp(req("6.6.6.6, 1.1.1.1"), "10.0.0.5", 1), "1.1.1.1");
  // Two proxies: the second from the right.
  assertEquals(clientIp(req("6.6.6.6, 1.1.1.1, 10.0.0.9"), "10.0.0.5", 2), "1.1.1.1");
  // Fewer entries than hops: the left-most there is; no header at all: the peer.
  assertEquals(clientIp(req("1.1.1.1"), "10.0.0.5", 2), "1.1.1.1");
  assertEquals(clientIp(req(), "10.0.0.5", 1), "10.0.0.5");
  assertEquals(clientIp(req(" , "), "10.0.0.5", 1), "10.0.0.5");
});

Deno.test("peer address: from Deno.serve's info, empty without it", () => {
  assertEquals(
    peerAddress({ remoteAddr: { hostname: "127.0.0.1", port: 1, transport: "tcp" } }),
    "127.0.0.1",
  );
  assertEquals(peerAddress(undefined), "");
});

Deno.test("https: the request's own scheme, or X-Forwarded-Proto only through trusted proxies", () => {
  const proto = (url: string, xfp?: string) =>
    new Request(url, { headers: xfp === undefined ? {} : { "x-forwarded-proto": xfp } });
  assertEquals(cameOverHttps(proto("https://x/"), 0), true);
  assertEquals(cameOverHttps(proto("http://x/", "https"), 0), false);
  assertEquals(cameOverHttps(proto("http://x/", "https"), 1), true);
  assertEquals(cameOverHttps(proto("http://x/", "HTTPS"), 1), true);
  assertEquals(cameOverHttps(proto("http://x/", "http"), 1), false);
  assertEquals(cameOverHttps(proto("http://x/"), 1), false);
  // An appending proxy: what the client wrote left of our proxy's entry never counts.
  assertEquals(cameOverHttps(proto("http://x/", "https, http"), 1), false);
  assertEquals(cameOverHttps(proto("http://x/", "http, https"), 1), true);
  assertEquals(cameOverHttps(proto("http://x/", "https, http"), 2), true);
});
