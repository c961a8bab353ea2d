import * as esbuild from "esbuild";

/**
 * Bundles the islands (`islands/*.tsx`), the client boot script, the Web Workers and the
 * stylesheets into `static/build/` under content-hashed names, and writes `manifest.json` naming
 * them, which the server reads to link them. Hashed names let browsers cache them for a year: a
 * change makes a new name. Run by `deno task build` (and so before `deno task start`) and by the browser tests.
 */
const ROOT = new URL("../", import.meta.url);
const ISLANDS_DIR = new URL("islands/", ROOT);
export const BUILD_DIR = new URL("static/build/", ROOT);
const PUBLIC_PREFIX = "/static/build/";

/**
 * The stylesheet bundles, each an entry importing its parts (`static/css/`). Every page links
 * `shop`; the admin pages also link `admin`, so shoppers never download the console's styles.
 */
const STYLESHEETS = {
  shop: "static/css/shop.css",
  admin: "static/css/admin.css",
} as const;
export type Stylesheet = keyof typeof STYLESHEETS;

/** The Web Workers, each a bundle of its own that an island starts by the URL its page passes it. */
const WORKERS = {
  pow: "lib/client/pow_worker.ts",
} as const;
export type WorkerBundle = keyof typeof WORKERS;

export interface AssetManifest {
  boot: string;
  /** stylesheet bundle -> its URL */
  styles: Record<Stylesheet, string>;
  /** island name (its file name) -> its module's URL */
  islands: Record<string, string>;
  /** worker -> its module's URL */
  workers: Record<WorkerBundle, string>;
}

async function islandEntries(): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for await (const f of Deno.readDir(ISLANDS_DIR)) {
    if (f.isFile && f.name.endsWith(".tsx")) {
      entries[f.name.slice(0, -4)] = new URL(f.name, ISLANDS_DIR).pathname;
    }
  }
  return entries;
}

/** Writes a file whole or not at all: parallel builds (tests) and a running server never see half. */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

export async function buildAssets(): Promise<AssetManifest> {
  const islands = await islandEntries();
  const entryPoints = [
    ...Object.entries(islands).map(([out, entry]) => ({ in: entry, out })),
    { in: new URL("lib/client/boot.ts", ROOT).pathname, out: "boot" },
    ...Object.entries({ ...STYLESHEETS, ...WORKERS }).map(([out, entry]) => ({
      in: new URL(entry, ROOT).pathname,
      out,
    })),
  ];
  const outdir = BUILD_DIR.pathname;
  try {
    const result = await esbuild.build({
      entryPoints,
      outdir,
      // Metafile paths are relative to this.
      absWorkingDir: ROOT.pathname,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      target: ["es2022", "chrome110", "firefox110", "safari16"],
      minify: true,
      jsx: "automatic",
      jsxImportSource: "preact",
      entryNames: "[name]-[hash]",
      chunkNames: "chunk-[hash]",
      metafile: true,
      write: false,
      logLevel: "silent",
    });
    await Deno.mkdir(outdir, { recursive: true });
    const written = new Set<string>();
    for (const file of result.outputFiles) {
      await writeAtomic(file.path, file.contents);
      written.add(file.path.slice(outdir.length));
    }
    const byEntry = new Map<string, string>();
    for (const [out, meta] of Object.entries(result.metafile.outputs)) {
      if (meta.entryPoint) {
        const name = out.slice(out.lastIndexOf("/") + 1);
        byEntry.set(new URL(meta.entryPoint, ROOT).pathname, name);
      }
    }
    const urlOf = (entry: string) => {
      const name = byEntry.get(entry);
      if (!name) throw new Error(`build: no output for ${entry}`);
      return PUBLIC_PREFIX + name;
    };
    const manifest: AssetManifest = {
      boot: urlOf(new URL("lib/client/boot.ts", ROOT).pathname),
      styles: {
        shop: urlOf(new URL(STYLESHEETS.shop, ROOT).pathname),
        admin: urlOf(new URL(STYLESHEETS.admin, ROOT).pathname),
      },
      islands: Object.fromEntries(
        Object.entries(islands).map(([name, entry]) => [name, urlOf(entry)]),
      ),
      workers: { pow: urlOf(new URL(WORKERS.pow, ROOT).pathname) },
    };
    await writeAtomic(
      `${outdir}manifest.json`,
      new TextEncoder().encode(JSON.stringify(manifest, null, 2)),
    );
    written.add("manifest.json");
    // Outputs of earlier builds are no longer linked from anywhere.
    for await (const f of Deno.readDir(outdir)) {
      if (f.isFile && !written.has(f.name) && !f.name.endsWith(".tmp")) {
        await Deno.remove(`${outdir}${f.name}`).catch(() => {});
      }
    }
    return manifest;
  } finally {
    await esbuild.stop();
  }
}

if (import.meta.main) {
  const started = performance.now();
  const manifest = await buildAssets();
  console.log(
    `built ${Object.keys(manifest.islands).length} islands into static/build/ in ${
      Math.round(performance.now() - started)
    } ms`,
  );
}
