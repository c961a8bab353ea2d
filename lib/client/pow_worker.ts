import { type ProofMessage, type ProofRequest, solve } from "./pow.ts";

/**
 * The waiting room's proof of work, off the page's thread: a Web Worker (its own bundle, see
 * lib/build.ts) that solves one challenge per message and reports its progress.
 */

/** The worker's global scope, as far as it is used (the DOM's and the worker's types clash). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<ProofRequest>) => void) | null;
  postMessage(message: ProofMessage): void;
}

/** Enough progress reports for a smooth bar, few enough not to keep the page re-rendering. */
const PROGRESS_MS = 100;

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async ({ data }) => {
  let reported = 0;
  const found = await solve(data.challenge, data.bits, (tried) => {
    const now = performance.now();
    if (now - reported < PROGRESS_MS) return;
    reported = now;
    scope.postMessage({ kind: "progress", tried });
  });
  scope.postMessage({ kind: "found", ...found });
};
