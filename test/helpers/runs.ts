import { strict as assert } from "node:assert";
import { reveal, runStack, type RecordedResource, type StackRun } from "../../stacks/mock-runtime";

const cache = new Map<string, StackRun>();

/**
 * The run of a stack with its committed config, shared by the suites that only read it (runs are
 * deterministic, so running once per process is enough). Call it from `before()`.
 */
export async function committedRun(stack: string): Promise<StackRun> {
  const cached = cache.get(stack);
  if (cached) return cached;
  const run = await runStack(stack);
  cache.set(stack, run);
  return run;
}

/** The one resource of `type` named `name`; fails the test if there is not exactly one. */
export function resource(run: StackRun, type: string, name: string): RecordedResource {
  const found = run.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** Inputs of a resource with secret markers removed, for assertions on their content. */
export function inputsOf<T = Record<string, unknown>>(run: StackRun, type: string, name: string): T {
  return reveal<T>(resource(run, type, name).inputs);
}

/** `type name` of every resource, sorted: the exact inventory of a stack. */
export function inventory(run: StackRun): string[] {
  return run.resources.map((r) => `${r.type} ${r.name}`).sort();
}

export const T = {
  release: "kubernetes:helm.sh/v3:Release",
  secret: "kubernetes:core/v1:Secret",
  namespace: "kubernetes:core/v1:Namespace",
  configMap: "kubernetes:core/v1:ConfigMap",
  probe: "kubernetes:monitoring.coreos.com/v1:Probe",
  serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  scrapeConfig: "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig",
} as const;
