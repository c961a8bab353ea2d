/** The ceiling for `deno task bench`: a bare Deno.serve hello world. */
const port = Number(Deno.args[0] ?? 8090);
Deno.serve(
  { port, hostname: "127.0.0.1", onListen: () => console.log(`hello listening on :${port}`) },
  () => new Response("Hello, world"),
);
