import { AppError } from "../domain/errors.ts";

const STATIC_DIR = new URL("../../static/", import.meta.url);

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  json: "application/json; charset=utf-8",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
};

/** Build outputs carry their content hash in the name: a changed file gets a new name. */
const HASHED = /^build\/[A-Za-z0-9_]+-[A-Z0-9]{8,}\.(js|css)$/;

/** Serves a file of `static/`; `path` comes from the URL, so nothing outside is reachable. */
export async function serveStatic(path: string): Promise<Response> {
  const ext = path.slice(path.lastIndexOf(".") + 1);
  const type = TYPES[ext];
  if (!type || !/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\.[a-z0-9]+$/.test(path)) {
    throw new AppError("NOT_FOUND");
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(new URL(path, STATIC_DIR));
  } catch {
    throw new AppError("NOT_FOUND");
  }
  const { size } = await file.stat();
  return new Response(file.readable, {
    headers: {
      "content-type": type,
      "content-length": String(size),
      "x-content-type-options": "nosniff",
      "cache-control": HASHED.test(path)
        ? "public, max-age=31536000, immutable"
        : "public, max-age=3600",
    },
  });
}
