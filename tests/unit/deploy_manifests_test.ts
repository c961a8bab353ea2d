import { parseAllDocuments } from "yaml";
import { configSchema } from "../../lib/infra/config.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

/**
 * deploy/kubernetes.yaml against the app: every variable it sets is one the configuration reads,
 * the required ones are there, the ports and probes point at what the server answers, and the
 * grace period covers the shutdown.
 */
const ROOT = new URL("../../", import.meta.url);

// deno-lint-ignore no-explicit-any
type Manifest = any;

async function manifests(): Promise<Manifest[]> {
  const text = await Deno.readTextFile(new URL("deploy/kubernetes.yaml", ROOT));
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(d.errors.map((e) => e.message).join("\n"));
    return d.toJS();
  });
}

function one(all: Manifest[], kind: string): Manifest {
  const found = all.filter((m) => m.kind === kind);
  assertEquals(found.length, 1, kind);
  return found[0];
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

Deno.test("kubernetes: every variable is one the configuration knows; the required ones come from a Secret", async () => {
  const all = await manifests();
  const [container] = one(all, "Deployment").spec.template.spec.containers;
  const env: EnvVar[] = container.env;
  const known = Object.keys(configSchema.shape);
  for (const v of env) assert(known.includes(v.name), `${v.name} is not in lib/infra/config.ts`);
  assertEquals(new Set(env.map((v) => v.name)).size, env.length, "each variable once");
  const byName = new Map(env.map((v) => [v.name, v]));
  for (const name of ["PORT", "WORKERS", "TRUSTED_PROXY_HOPS"]) assert(byName.get(name)?.value);
  // Secrets never sit in the manifest.
  for (const name of ["DATABASE_URL", "REDIS_URL", "ADMIN_TOKEN", "ADMISSION_SECRET"]) {
    assert(byName.get(name)?.valueFrom?.secretKeyRef, `${name} from a Secret`);
  }
  // Plain values are values the configuration accepts.
  const plain = Object.fromEntries(
    env.filter((v) => v.value !== undefined).map((v) => [
      v.name,
      v.value!,
    ]),
  );
  const parsed = configSchema.safeParse(plain);
  assert(parsed.success, JSON.stringify(parsed.error?.issues));
});

Deno.test("kubernetes: the container port is PORT, the probes ask /health on it, the Service sends to it", async () => {
  const all = await manifests();
  const deployment = one(all, "Deployment");
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  const port = Number(container.env.find((v: EnvVar) => v.name === "PORT").value);
  const [named] = container.ports;
  assertEquals(named.containerPort, port);
  const resolve = (p: string | number) => typeof p === "number" ? p : named.name === p && port;
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    const get = container[probe]?.httpGet;
    assert(get, `${probe}: an HTTP GET`);
    assertEquals(resolve(get.port), port, probe);
    assertEquals(new URL(get.path, "http://x").pathname, "/health", probe);
  }
  // Liveness and readiness ask only the process (see routes/health.ts): an outage of the shared
  // Redis or PostgreSQL must not restart or unroute every pod at once.
  for (const probe of ["readinessProbe", "livenessProbe"]) {
    assertEquals(container[probe].httpGet.path, "/health?probe=live", probe);
  }
  const service = one(all, "Service");
  assertEquals(resolve(service.spec.ports[0].targetPort), port);

  // The selectors find the pods.
  const labels = deployment.spec.template.metadata.labels;
  const selects = (selector: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);
  assert(selects(deployment.spec.selector.matchLabels));
  assert(selects(service.spec.selector));
  assert(selects(one(all, "PodDisruptionBudget").spec.selector.matchLabels));
  const hpa = one(all, "HorizontalPodAutoscaler");
  assertEquals(
    [hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name],
    ["Deployment", deployment.metadata.name],
  );
  assertEquals(hpa.spec.metrics[0].resource.name, "cpu");
  assert(one(all, "PodDisruptionBudget").spec.minAvailable < hpa.spec.minReplicas);
});

Deno.test("kubernetes: the grace period covers the pause before SIGTERM and the compose file's shutdown time", async () => {
  const pod = one(await manifests(), "Deployment").spec.template.spec;
  const [, pause] = pod.containers[0].lifecycle.preStop.exec.command;
  const compose = await Deno.readTextFile(new URL("docker-compose.yml", ROOT));
  const shutdown = Number(/stop_grace_period: (\d+)s/.exec(compose)![1]);
  assertEquals(pod.terminationGracePeriodSeconds, Number(pause) + shutdown);
});
