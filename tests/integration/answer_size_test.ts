import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { createSale } from "../helpers/client.ts";

/**
 * Deno's HTTP server sends an answer of up to 512 bytes (status line, headers and body) in one
 * write and a longer one in two; on this kind of machine the second write costs a quarter of the
 * throughput (docs/load-tests.md). The hot answers of a sale with a short name (the bench's) must
 * stay within one write: a header added to every answer would silently push them over.
 */
const ONE_WRITE = 512;

/** The whole answer as it left the server: raw bytes over one TCP connection. */
async function rawAnswer(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    const buf = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      const end = text.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (end >= 0 && length !== undefined && text.length >= end + 4 + Number(length)) break;
    }
    return text;
  } finally {
    conn.close();
  }
}

Deno.test("a status read and a purchase answer fit in one write of Deno's server", async () => {
  const app = await startTestApp();
  try {
    const saleId = await createSale(app.url, { name: "bench 10000000", totalStock: 10_000_000 });
    const port = Number(new URL(app.url).port);
    const status = await rawAnswer(
      port,
      `GET /api/sales/${saleId} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`,
    );
    assert(status.startsWith("HTTP/1.1 200"), status);
    assert(status.length <= ONE_WRITE, `status read: ${status.length} bytes\n${status}`);

    const body = JSON.stringify({ userId: "bench-1-1234567" });
    const purchase = await rawAnswer(
      port,
      `POST /api/sales/${saleId}/purchase HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    assert(purchase.startsWith("HTTP/1.1 201"), purchase);
    assert(purchase.length <= ONE_WRITE, `purchase: ${purchase.length} bytes\n${purchase}`);
    assertEquals(/content-type: (.*)\r\n/i.exec(purchase)?.[1], "application/json");
  } finally {
    await app.close();
  }
});
