/// <reference lib="dom" />
import type { ProofMessage, ProofRequest } from "../../lib/client/pow.ts";

/**
 * Solves a line's challenge in the proof-of-work worker (lib/client/pow_worker.ts, at the URL
 * the page was given), reporting the tries made. `cancel` stops the worker: the promise then never
 * settles, as nobody waits for it any more.
 */
export function prove(
  workerUrl: string,
  request: ProofRequest,
  onProgress: (tried: number) => void,
): { nonce: Promise<string>; cancel: () => void } {
  const worker = new Worker(workerUrl, { type: "module", name: "proof of work" });
  const nonce = new Promise<string>((resolve, reject) => {
    worker.onmessage = ({ data }: MessageEvent<ProofMessage>) => {
      onProgress(data.tried);
      if (data.kind === "found") {
        worker.terminate();
        resolve(data.nonce);
      }
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
  });
  worker.postMessage(request);
  return { nonce, cancel: () => worker.terminate() };
}
