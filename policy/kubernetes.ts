/**
 * What the policies share: the type tokens they inspect, and safe access to resource properties.
 *
 * During `pulumi preview` some inputs are not known yet (a Namespace's name before it exists, a URL
 * built from another resource's output). `@pulumi/policy` hands policies a proxy that throws
 * `UnknownValueError` when such a value is read; a policy that lets it escape is skipped for that
 * resource with an advisory note. The helpers here skip only the unknown value itself, so every known
 * value is still checked at preview, and everything is checked at `pulumi up`.
 */
import * as policySdk from "@pulumi/policy";

/** Type tokens of the resources the policies inspect. */
export const TYPES = {
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  namespace: "kubernetes:core/v1:Namespace",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  pod: "kubernetes:core/v1:Pod",
  release: "kubernetes:helm.sh/v3:Release",
  prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  replicaSet: "kubernetes:apps/v1:ReplicaSet",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
} as const;

/** `@pulumi/policy` exports `UnknownValueError` at runtime; its typings leave it out. */
const UnknownValueError = (policySdk as unknown as { UnknownValueError: new (...args: never[]) => Error })
  .UnknownValueError;

function isUnknownValueError(e: unknown): boolean {
  return typeof UnknownValueError === "function" && e instanceof UnknownValueError;
}

export type Plain = Record<string, unknown>;

export function isObject(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `obj[key]`, or `undefined` when `obj` is not an object or the value is unknown during preview. */
export function known(obj: unknown, key: string | number): unknown {
  if (typeof obj !== "object" || obj === null) return undefined;
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (e) {
    if (isUnknownValueError(e)) return undefined;
    throw e;
  }
}

/** The value at `path`, or `undefined` if any step is missing or unknown. */
export function at(obj: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => known(v, k), obj);
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The known elements of an array value (an unknown or non-array value gives none). */
export function items(v: unknown): unknown[] {
  if (!Array.isArray(v)) return [];
  const out: unknown[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = known(v, i);
    if (x !== undefined) out.push(x);
  }
  return out;
}

/** The known entries of an object value. */
export function entries(v: unknown): [string, unknown][] {
  if (!isObject(v)) return [];
  const out: [string, unknown][] = [];
  for (const k of Object.keys(v)) {
    const x = known(v, k);
    if (x !== undefined) out.push([k, x]);
  }
  return out;
}

/** A node of a value tree: its path from the root, its own key, and its value. */
export interface Node {
  readonly path: readonly string[];
  readonly key: string;
  readonly value: unknown;
}

/** Every known node under `value`, depth first; array elements are keyed by their index. */
export function* walk(value: unknown, path: readonly string[] = []): Generator<Node> {
  const children: [string, unknown][] = Array.isArray(value)
    ? items(value).map((x, i) => [String(i), x])
    : entries(value);
  for (const [k, v] of children) {
    const p = [...path, k];
    yield { path: p, key: k, value: v };
    yield* walk(v, p);
  }
}

/** `a.b[0].c` for messages. */
export function dotted(path: readonly string[]): string {
  return path.reduce(
    (acc, seg) => (/^[0-9]+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    "",
  );
}

/** A Helm release's chart name and values. */
export function releaseOf(props: unknown): { chart: string; values: unknown; namespace?: string } {
  return {
    chart: str(known(props, "chart")) ?? "",
    values: known(props, "values") ?? {},
    namespace: str(known(props, "namespace")),
  };
}

const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  [TYPES.pod]: ["spec"],
  [TYPES.deployment]: ["spec", "template", "spec"],
  [TYPES.statefulSet]: ["spec", "template", "spec"],
  [TYPES.daemonSet]: ["spec", "template", "spec"],
  [TYPES.replicaSet]: ["spec", "template", "spec"],
  [TYPES.job]: ["spec", "template", "spec"],
  [TYPES.cronJob]: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Whether `type` is a workload the program creates directly (not through a chart). */
export function isWorkload(type: string): boolean {
  return type in POD_SPEC_PATHS;
}

/** The containers and init containers of a workload's pod template, with their kind. */
export function containersOf(
  type: string,
  props: unknown,
): { kind: "container" | "initContainer"; name: string; container: unknown }[] {
  const path = POD_SPEC_PATHS[type];
  if (!path) return [];
  const spec = at(props, path);
  return (["initContainers", "containers"] as const).flatMap((field) =>
    items(known(spec, field)).map((c) => ({
      kind: field === "containers" ? ("container" as const) : ("initContainer" as const),
      name: str(known(c, "name")) ?? "?",
      container: c,
    })),
  );
}
