/**
 * `deno task k6 <burst|ramp|storm|checkout> [k6 flags]`: bundles the TypeScript script into plain
 * JavaScript that k6 v0.45 runs as well as current k6 (v0.45's Babel knows neither `??` nor `?.`,
 * so they are lowered), then runs `k6 run` on it with API_URL, ADMIN_TOKEN and the scripts' own
 * variables from the environment, and exits with k6's exit code (99: a threshold was crossed).
 */
import * as esbuild from "esbuild";

const SCRIPTS = ["burst", "ramp", "storm", "checkout"];
/** The scripts' own variables, passed on to k6 when they are set here. */
const PASSED_ON = [
  "API_URL",
  "ADMIN_TOKEN",
  "STOCK",
  "SHOPPERS",
  "CONCURRENCY",
  "CLICKS",
  "STAGES",
  "PAYMENT_WEBHOOK_SECRET",
  "HOLD_SECONDS",
  "LATER_SHOPPERS",
];

const INSTALL = `k6 was not found: set K6_BIN to its path, or put it on the PATH.
Install it as https://grafana.com/docs/k6/latest/set-up/install-k6/ says:
  macOS                brew install k6
  Windows              winget install k6 --source winget
  Debian/Ubuntu        Grafana's apt repository (https://dl.k6.io/deb), then apt-get install k6
  Fedora/CentOS        dnf install https://dl.k6.io/rpm/repo.rpm && dnf install k6
  any other system     the binary of a release: https://github.com/grafana/k6/releases`;

async function bundle(script: string, outdir: string): Promise<string> {
  const outfile = `${outdir}/${script}.js`;
  try {
    await esbuild.build({
      entryPoints: [new URL(`./k6/${script}.ts`, import.meta.url).pathname],
      outfile,
      bundle: true,
      format: "esm",
      target: "es2017",
      platform: "neutral",
      external: ["k6", "k6/*"],
      logLevel: "warning",
    });
  } finally {
    await esbuild.stop();
  }
  return outfile;
}

async function main(args: string[]): Promise<number> {
  const [script, ...flags] = args;
  if (!script || !SCRIPTS.includes(script)) {
    console.error(`usage: deno task k6 <${SCRIPTS.join("|")}> [k6 run flags]`);
    return 2;
  }
  const k6 = Deno.env.get("K6_BIN") || "k6";
  const outdir = await Deno.makeTempDir({ prefix: "flashsale-k6-" });
  try {
    const js = await bundle(script, outdir);
    const env = PASSED_ON.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : ["-e", `${name}=${value}`];
    });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(k6, { args: ["run", ...env, ...flags, js] }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        console.error(INSTALL);
        return 127;
      }
      throw error;
    }
    // Ctrl-C reaches k6 too (same process group); wait for its summary instead of dying first.
    const ignore = () => {};
    Deno.addSignalListener("SIGINT", ignore);
    try {
      return (await child.status).code;
    } finally {
      Deno.removeSignalListener("SIGINT", ignore);
    }
  } finally {
    await Deno.remove(outdir, { recursive: true });
  }
}

Deno.exit(await main(Deno.args));
