/**
 * Monitoring history (Prometheus TSDB, Alertmanager silences, Loki, Grafana, Uptime Kuma, SLA reports)
 * outlives a `pulumi destroy`, a replacement and a `helm uninstall`.
 *
 * What a policy can see: `ResourceValidationArgs.opts` carries `protect` but not `retainOnDelete`; the
 * analyzer protocol (`AnalyzerResourceOptions`) has no field for it. So a volume we create must be
 * protected, or be listed in {@link RETAINED_ON_DELETE}: the resources the program registers with
 * `retainOnDelete: true`, a list test/policy.test.ts checks against the real registrations.
 *
 * Chart-managed volumes are checked in the values: they must be persistent, and nothing may switch on
 * the deletion of a StatefulSet's claims. A StatefulSet's `volumeClaimTemplates` claims are created by
 * the StatefulSet controller, not by Helm, so `helm uninstall` never deletes them, and Kubernetes keeps
 * them when the StatefulSet goes unless `persistentVolumeClaimRetentionPolicy.whenDeleted` is `Delete`
 * (the Loki chart's `enableStatefulSetAutoDeletePVC`). Grafana's claim is a template of its chart, so
 * it needs Helm's `helm.sh/resource-policy: keep`. Deleting a namespace deletes every claim in it, so a
 * namespace holding any must itself be protected or retained.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { at, dotted, items, known, releaseOf, str, TYPES, walk } from "./kubernetes";

/**
 * Resources the program registers with `retainOnDelete: true` (Pulumi names). Invisible to policies,
 * hence declared here; test/policy.test.ts fails if a name is listed but not retained, or retained but
 * not listed.
 */
export const RETAINED_ON_DELETE: readonly string[] = [
  "monitoring-namespace",
  "prometheus-operator-crds-release",
  "sla-report-data",
  "uptime-kuma-data",
  "uptime-kuma-namespace",
];

const HELM_KEEP = "helm.sh/resource-policy";

const volumeSize = (claimTemplate: unknown) =>
  at(claimTemplate, ["spec", "resources", "requests", "storage"]);

/** What a chart's values lack for its data to survive, by chart. */
export const STATEFUL_CHARTS: Readonly<Record<string, (values: unknown) => string[]>> = {
  "kube-prometheus-stack": (v) => [
    ...(at(v, ["prometheus", "enabled"]) !== false &&
    volumeSize(at(v, ["prometheus", "prometheusSpec", "storageSpec", "volumeClaimTemplate"])) === undefined
      ? ["prometheus.prometheusSpec.storageSpec.volumeClaimTemplate: Prometheus has no persistent volume"]
      : []),
    ...(at(v, ["alertmanager", "enabled"]) !== false &&
    volumeSize(at(v, ["alertmanager", "alertmanagerSpec", "storage", "volumeClaimTemplate"])) === undefined
      ? ["alertmanager.alertmanagerSpec.storage.volumeClaimTemplate: Alertmanager has no persistent volume"]
      : []),
    ...(at(v, ["grafana", "enabled"]) !== false ? grafanaProblems(known(v, "grafana"), "grafana.") : []),
  ],
  grafana: (v) => grafanaProblems(v, ""),
  loki: (v) => {
    const singleBinary = at(v, ["deploymentMode"]) === "SingleBinary";
    const components = singleBinary ? ["singleBinary"] : ["write", "backend"];
    return components.flatMap((c) => {
      const persistence = at(v, [c, "persistence"]);
      const claims = singleBinary
        ? at(persistence, ["enabled"]) === true
        : at(persistence, ["volumeClaimsEnabled"]) !== false;
      return [
        ...(claims ? [] : [`${c}.persistence: Loki's ${c} has no persistent volume`]),
        ...(at(persistence, ["enableStatefulSetAutoDeletePVC"]) === false
          ? []
          : [
              `${c}.persistence.enableStatefulSetAutoDeletePVC must be false (the chart's default deletes the claims with the StatefulSet)`,
            ]),
      ];
    });
  },
};

function grafanaProblems(grafana: unknown, prefix: string): string[] {
  if (at(grafana, ["persistence", "enabled"]) !== true)
    return [`${prefix}persistence: Grafana has no persistent volume`];
  if ((at(grafana, ["persistence", "type"]) ?? "pvc") !== "pvc") return [];
  return at(grafana, ["persistence", "annotations", HELM_KEEP]) === "keep"
    ? []
    : [
        `${prefix}persistence.annotations: the claim is a template of the chart; keep it with ${HELM_KEEP}: keep`,
      ];
}

/** Anywhere in a chart's values: nothing may ask for a StatefulSet's claims to be deleted. */
function claimDeletionProblems(values: unknown): string[] {
  const problems: string[] = [];
  for (const node of walk(values)) {
    if (node.key === "enableStatefulSetAutoDeletePVC" && node.value === true) {
      problems.push(`${dotted(node.path)}: deletes the StatefulSet's claims with it`);
    }
    if (node.key === "persistentVolumeClaimRetentionPolicy" && at(node.value, ["whenDeleted"]) === "Delete") {
      problems.push(`${dotted(node.path)}.whenDeleted: Delete deletes the claims with the StatefulSet`);
    }
  }
  return problems;
}

/** Problems of one resource (`protect` from its options; names of {@link RETAINED_ON_DELETE}). */
export function statefulResourceProblems(
  type: string,
  name: string,
  props: unknown,
  protect: boolean,
): string[] {
  const kept = protect || RETAINED_ON_DELETE.includes(name);
  if (type === TYPES.pvc) {
    return kept
      ? []
      : [
          "a persistent volume claim must be protected (protect: true) or retained (retainOnDelete: true, listed in RETAINED_ON_DELETE)",
        ];
  }
  if (type === TYPES.statefulSet) {
    return at(props, ["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"]) === "Delete"
      ? [
          "spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Delete deletes the claims with the StatefulSet",
        ]
      : [];
  }
  if (type === TYPES.release) {
    const { chart, values } = releaseOf(props);
    return [...(STATEFUL_CHARTS[chart]?.(values) ?? []), ...claimDeletionProblems(values)].map(
      (p) => `${chart} ${p}`,
    );
  }
  return [];
}

export const statefulVolumesRetained: ResourceValidationPolicy = {
  name: "stateful-volumes-retained",
  description:
    "Volumes we create are protected or retained on delete; charts' data is persistent, Grafana's claim is kept by Helm, and no StatefulSet's claims are deleted with it.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    for (const p of statefulResourceProblems(args.type, args.name, args.props, args.opts.protect)) {
      reportViolation(p);
    }
  },
};

/** A resource as a stack validation sees it, reduced to what the namespace check needs. */
export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: unknown;
  readonly protect: boolean;
}

/** Names of the namespaces that hold data: claims we create, StatefulSets with claims, stateful charts. */
export function dataNamespaces(resources: readonly StackResource[]): Set<string> {
  const names = new Set<string>();
  for (const r of resources) {
    let ns: string | undefined;
    if (r.type === TYPES.pvc) ns = str(at(r.props, ["metadata", "namespace"]));
    else if (
      r.type === TYPES.statefulSet &&
      items(at(r.props, ["spec", "volumeClaimTemplates"])).length > 0
    ) {
      ns = str(at(r.props, ["metadata", "namespace"]));
    } else if (r.type === TYPES.release) {
      const release = releaseOf(r.props);
      if (release.chart in STATEFUL_CHARTS) ns = release.namespace;
    }
    if (ns) names.add(ns);
  }
  return names;
}

/** Namespaces that hold data and would take it with them on delete: `[urn, message]`. */
export function unretainedDataNamespaces(resources: readonly StackResource[]): [string, string][] {
  const holding = dataNamespaces(resources);
  return resources
    .filter((r) => r.type === TYPES.namespace)
    .flatMap((r): [string, string][] => {
      const name = str(at(r.props, ["metadata", "name"]));
      if (!name || !holding.has(name) || r.protect || RETAINED_ON_DELETE.includes(r.name)) return [];
      return [
        [
          r.urn,
          `namespace ${name} holds persistent volumes, which its deletion would delete: protect it (protect: true) or retain it (retainOnDelete: true, listed in RETAINED_ON_DELETE)`,
        ],
      ];
    });
}

export const statefulNamespacesRetained: StackValidationPolicy = {
  name: "stateful-namespaces-retained",
  description: "A namespace holding persistent volumes is protected or retained on delete.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources = args.resources.map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: r.props,
      protect: r.opts.protect,
    }));
    for (const [urn, message] of unretainedDataNamespaces(resources)) reportViolation(message, urn);
  },
};
