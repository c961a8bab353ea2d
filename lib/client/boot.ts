/// <reference lib="dom" />
import { type ComponentType, h, hydrate } from "preact";

/**
 * Hydrates every island the server marked (lib/islands.ts): loads the island's module, named in
 * the page's `island-modules` JSON, and hydrates the server's HTML with the same props.
 */
const modules = JSON.parse(
  document.getElementById("island-modules")?.textContent ?? "{}",
) as Record<
  string,
  string
>;

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const url = modules[el.dataset.island ?? ""];
  if (!url) continue;
  const props = JSON.parse(el.dataset.props ?? "{}") as Record<string, unknown>;
  import(url).then((mod: { default: ComponentType<Record<string, unknown>> }) => {
    hydrate(h(mod.default, props), el);
    el.dataset.hydrated = "";
  }).catch((error: unknown) => console.error(`island ${el.dataset.island}:`, error));
}
