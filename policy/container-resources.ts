/**
 * Every container has requests and a memory limit: CPU and memory requests so the scheduler places
 * it honestly, a memory limit so a leak kills that container rather than its node's neighbours. A CPU
 * limit is optional, as everywhere in this codebase: a throttled Prometheus misses evaluations.
 *
 * A policy sees Helm releases as their values, not as the pods the chart renders. So for a chart the
 * check is twofold: every `resources` block the values set is complete, and every container of the
 * chart that runs with these values has a block ({@link CHART_CONTAINERS}, reviewed per chart). A chart
 * missing from that table is a violation, so a new chart cannot slip in unsized.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, containersOf, dotted, isObject, known, releaseOf, TYPES, walk } from "./kubernetes";

type Path = readonly string[];

const on = (values: unknown, path: Path) => at(values, [...path, "enabled"]) !== false;
const replicasOf = (values: unknown, path: Path, dflt: number) => {
  const r = at(values, [...path, "replicas"]);
  return typeof r === "number" ? r : dflt;
};

/**
 * The `resources` paths of the containers each chart runs with the given values (defaults as of the
 * versions pinned in components/versions.ts).
 */
export const CHART_CONTAINERS: Readonly<Record<string, (values: unknown) => Path[]>> = {
  "kube-prometheus-stack": (v) => [
    ...(on(v, ["prometheus"]) ? [["prometheus", "prometheusSpec", "resources"]] : []),
    ...(on(v, ["alertmanager"]) ? [["alertmanager", "alertmanagerSpec", "resources"]] : []),
    ...(on(v, ["prometheusOperator"])
      ? [
          ["prometheusOperator", "resources"],
          // The config-reloader sidecar of every Prometheus and Alertmanager pod.
          ["prometheusOperator", "prometheusConfigReloader", "resources"],
          ...(on(v, ["prometheusOperator", "admissionWebhooks"]) &&
          on(v, ["prometheusOperator", "admissionWebhooks", "patch"])
            ? [["prometheusOperator", "admissionWebhooks", "patch", "resources"]]
            : []),
        ]
      : []),
    ...(on(v, ["grafana"]) ? grafanaContainers(v, ["grafana"]) : []),
    ...(on(v, ["kubeStateMetrics"]) ? [["kube-state-metrics", "resources"]] : []),
    ...(on(v, ["nodeExporter"]) ? [["prometheus-node-exporter", "resources"]] : []),
  ],
  grafana: (v) => grafanaContainers(v, []),
  loki: (v) => {
    const scalable = (at(v, ["deploymentMode"]) ?? "SimpleScalable") === "SimpleScalable";
    return [
      ...(replicasOf(v, ["singleBinary"], 0) > 0 ? [["singleBinary", "resources"]] : []),
      ...(["write", "read", "backend"] as const)
        .filter((c) => replicasOf(v, [c], scalable ? 3 : 0) > 0)
        .map((c) => [c, "resources"]),
      ...(on(v, ["gateway"]) ? [["gateway", "resources"]] : []),
      ...(on(v, ["sidecar", "rules"]) ? [["sidecar", "resources"]] : []),
      ...(["chunksCache", "resultsCache", "lokiCanary"] as const)
        .filter((c) => on(v, [c]))
        .map((c) => [c, "resources"]),
      ...(at(v, ["minio", "enabled"]) === true ? [["minio", "resources"]] : []),
    ];
  },
  alloy: (v) => [
    ["alloy", "resources"],
    ...(on(v, ["configReloader"]) ? [["configReloader", "resources"]] : []),
  ],
  "prometheus-postgres-exporter": () => [["resources"]],
  "prometheus-elasticsearch-exporter": () => [["resources"]],
  "prometheus-blackbox-exporter": (v) => [
    ["resources"],
    ...(at(v, ["configReloader", "enabled"]) === true ? [["configReloader", "resources"]] : []),
  ],
  "kube-state-metrics": (v) => [
    ["resources"],
    ...(at(v, ["kubeRBACProxy", "enabled"]) === true ? [["kubeRBACProxy", "resources"]] : []),
  ],
  // CRDs only: no workload.
  "prometheus-operator-crds": () => [],
};

function grafanaContainers(values: unknown, base: Path): Path[] {
  const persistent = at(values, [...base, "persistence", "enabled"]) === true;
  return [
    [...base, "resources"],
    // The root init container that chowns the volume, unless switched off.
    ...(persistent && on(values, [...base, "initChownData"])
      ? [[...base, "initChownData", "resources"]]
      : []),
  ];
}

/** What a `resources` block lacks: `requests.cpu`, `requests.memory`, `limits.memory`. */
export function resourceBlockProblems(block: unknown): string[] {
  if (!isObject(block)) return ["no resources"];
  const missing = [
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "memory"],
  ].filter((p) => {
    const v = at(block, p);
    return !(typeof v === "string" ? v.trim() !== "" : typeof v === "number");
  });
  return missing.length > 0 ? [`missing ${missing.map((p) => p.join(".")).join(", ")}`] : [];
}

/** Resource problems of a Helm release, a workload we create, or nothing. */
export function containerResourceProblems(type: string, props: unknown): string[] {
  if (type === TYPES.release) {
    const { chart, values } = releaseOf(props);
    const containers = CHART_CONTAINERS[chart];
    if (!containers) {
      return [
        `chart ${chart} is not reviewed: add the resources paths of its containers to CHART_CONTAINERS (policy/container-resources.ts)`,
      ];
    }
    const problems = containers(values).flatMap((path) =>
      resourceBlockProblems(at(values, path)).map((p) => `${chart} ${dotted(path)}: ${p}`),
    );
    const required = new Set(containers(values).map((p) => dotted(p)));
    for (const node of walk(values)) {
      if (node.key !== "resources" || !isObject(node.value) || required.has(dotted(node.path))) continue;
      // A volume claim's `resources` asks for storage, not for a container's CPU and memory.
      if (at(node.value, ["requests", "storage"]) !== undefined) continue;
      problems.push(...resourceBlockProblems(node.value).map((p) => `${chart} ${dotted(node.path)}: ${p}`));
    }
    return problems;
  }
  return containersOf(type, props).flatMap(({ kind, name, container }) =>
    resourceBlockProblems(known(container, "resources")).map((p) => `${kind} ${name}: ${p}`),
  );
}

export const containerResources: ResourceValidationPolicy = {
  name: "container-resources",
  description:
    "Every container of a workload or of a chart's values has requests.cpu, requests.memory and limits.memory.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    for (const p of containerResourceProblems(args.type, args.props)) reportViolation(p);
  },
};
