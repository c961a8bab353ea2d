/**
 * The ceiling for `deno task bench`: a bare hello world, served as the platform is (one process per
 * core on one port): `deno serve --parallel --port <port> loadtest/hello.ts`.
 */
export default {
  fetch: () => new Response("Hello, world"),
} satisfies Deno.ServeDefaultExport;
