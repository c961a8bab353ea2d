/**
 * A TCP proxy between the server and a backing service, for fault tests. `pause()` holds every
 * byte in both directions (a blackhole: connections stay open, nothing arrives) until `resume()`;
 * `pauseReplies()` holds only what the service sends back, so requests still reach it and run
 * there while their replies wait; `reset()` cuts every open connection; `refuse()` also cuts every
 * new one until `resume()`; `latency(ms)` delays every chunk in both directions until `latency(0)`.
 */
export class FaultProxy {
  private paused: PromiseWithResolvers<void> | null = null;
  private repliesPaused: PromiseWithResolvers<void> | null = null;
  private refusing = false;
  private delayMs = 0;
  private conns = new Set<Deno.Conn>();
  private readonly listener: Deno.Listener;

  constructor(private readonly targetPort: number) {
    this.listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.accept();
  }

  get port(): number {
    return (this.listener.addr as Deno.NetAddr).port;
  }

  pause(): void {
    this.paused ??= Promise.withResolvers<void>();
  }

  pauseReplies(): void {
    this.repliesPaused ??= Promise.withResolvers<void>();
  }

  resume(): void {
    this.paused?.resolve();
    this.paused = null;
    this.repliesPaused?.resolve();
    this.repliesPaused = null;
    this.refusing = false;
  }

  refuse(): void {
    this.refusing = true;
    this.reset();
  }

  latency(ms: number): void {
    this.delayMs = ms;
  }

  reset(): void {
    for (const c of this.conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    this.conns.clear();
  }

  close(): void {
    this.resume();
    this.listener.close();
    this.reset();
  }

  private async accept(): Promise<void> {
    try {
      for await (const client of this.listener) {
        this.connect(client).catch(() => {});
      }
    } catch { /* listener closed */ }
  }

  private async connect(client: Deno.Conn): Promise<void> {
    if (this.refusing) {
      client.close();
      return;
    }
    const upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.targetPort });
    this.conns.add(client);
    this.conns.add(upstream);
    await Promise.allSettled([
      this.pump(client, upstream, false),
      this.pump(upstream, client, true),
    ]);
    for (const c of [client, upstream]) {
      this.conns.delete(c);
      try {
        c.close();
      } catch { /* already closed */ }
    }
  }

  private async pump(from: Deno.Conn, to: Deno.Conn, replies: boolean): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) return;
      for (;;) {
        const held = this.paused ?? (replies ? this.repliesPaused : null);
        if (!held) break;
        await held.promise;
      }
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      let written = 0;
      while (written < n) written += await to.write(buffer.subarray(written, n));
    }
  }
}
