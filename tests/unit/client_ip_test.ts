import { assertEquals } from "../helpers/assert.ts";
import { clientIp, peerAddress } from "../../lib/client_ip.ts";

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
