import { type ComponentType, h, type VNode } from "preact";
import type { AssetManifest } from "../build.ts";

/**
 * The server side of hydration. A page renders an island like any component, through `island()`,
 * which wraps its output in an element naming the island and carrying its props as JSON; the
 * client boot script (lib/client/boot.ts) finds those elements, loads each island's module and
 * hydrates it with the same props. Everything else on the page stays static HTML.
 */

/** The islands used by the page being rendered (rendering is synchronous, so one at a time). */
let used: Set<string> | null = null;

/** Island props cross the wire as JSON: strings, numbers, booleans, null, arrays, plain objects. */
export function island<P extends object>(component: ComponentType<P>, props: P): VNode {
  return h(IslandMark, { component: component as ComponentType<object>, props }) as VNode;
}

/**
 * Records the island when it is rendered (not when its element is created, which may happen
 * before the page's render starts), and wraps its output in the element the client looks for.
 */
function IslandMark({ component, props }: { component: ComponentType<object>; props: object }) {
  // The island's name is its module's file name, which is also its function's name (checked
  // against the build manifest when the page is linked).
  const name = component.displayName ?? component.name;
  used?.add(name);
  const attributes = { class: "island", "data-island": name, "data-props": JSON.stringify(props) };
  return h("div", attributes, h(component, props));
}

/** Runs a (synchronous) render and returns what it made with the islands it used. */
export function withIslands<T>(render: () => T): { result: T; islands: string[] } {
  const previous = used;
  used = new Set();
  try {
    const result = render();
    return { result, islands: [...used] };
  } finally {
    used = previous;
  }
}

const MANIFEST_URL = new URL("../../static/build/manifest.json", import.meta.url);
let manifest: Promise<AssetManifest> | undefined;

/** The build's manifest, read once per process. */
export function assets(): Promise<AssetManifest> {
  manifest ??= Deno.readTextFile(MANIFEST_URL).then(
    (text) => JSON.parse(text) as AssetManifest,
    (error) => {
      manifest = undefined;
      throw new Error(
        `the page assets are not built (${(error as Error).message}): run \`deno task build\``,
      );
    },
  );
  return manifest;
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

/** The tags that load the islands a page used; nothing when it used none. */
export function islandTags(m: AssetManifest, names: string[]): { head: string; body: string } {
  if (names.length === 0) return { head: "", body: "" };
  const urls: Record<string, string> = {};
  for (const name of names) {
    const url = m.islands[name];
    if (!url) throw new Error(`island ${name} is not in the build: run \`deno task build\``);
    urls[name] = url;
  }
  const preload = [m.boot, ...Object.values(urls)]
    .map((u) => `<link rel="modulepreload" href="${u}">`).join("");
  return {
    head: preload,
    body: `<script type="application/json" id="island-modules">${scriptJson(urls)}</script>` +
      `<script type="module" src="${m.boot}"></script>`,
  };
}
