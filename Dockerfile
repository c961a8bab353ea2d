# The flash sale server: Deno 2, dependencies installed and cached at build time, run as `deno`.
FROM denoland/deno:2.9.6

WORKDIR /app
# The image's `deno` user owns the app directory: with "nodeModulesDir": "auto" Deno keeps npm
# packages in /app/node_modules, and the user that installs them is the one that runs the server.
RUN chown deno:deno /app
USER deno

# Dependencies first, so this layer is rebuilt only when deno.json or deno.lock change. Only the
# server's: dev/server_deps.ts leaves the test and load tools (browser driver, property tests,
# YAML) and the embedded PostgreSQL (a container names its services) out of deno.json, and
# `deno install` prunes them from the lock, every other version as locked.
COPY --chown=deno:deno deno.json deno.lock ./
COPY --chown=deno:deno dev/server_deps.ts dev/
RUN deno run --allow-read=deno.json --allow-write=deno.json dev/server_deps.ts && deno install

# The sources bring the whole deno.json and lock back: the server's again (nothing to download).
COPY --chown=deno:deno . .
RUN deno run --allow-read=deno.json --allow-write=deno.json dev/server_deps.ts && deno install \
  && deno cache main.ts rest_bridge.ts lib/build.ts

ENV PORT=8000
EXPOSE 8000

# The image's entrypoint (tini) forwards SIGTERM; `deno task` passes it on to the supervisor
# (main.ts), which passes it to its WORKERS server processes: each stops accepting, finishes
# in-flight requests, flushes the group commit and exits 0. No ulimit wrapper: Deno raises its own
# soft open-file limit to the hard one (docker-compose.yml sets that), and the start prints it.
CMD ["deno", "task", "start"]
