import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { helmRelease } from "../shared/helm";
import { CHARTS, IMAGES } from "../versions";

export interface FluxStateMetricsArgs {
  readonly namespace: pulumi.Input<string>;
}

/** Flux kinds reported as `gotk_resource_info`, as the Flux monitoring guide configures them. */
export const FLUX_KINDS = [
  { group: "kustomize.toolkit.fluxcd.io", version: "v1", kind: "Kustomization", resource: "kustomizations" },
  { group: "helm.toolkit.fluxcd.io", version: "v2", kind: "HelmRelease", resource: "helmreleases" },
  { group: "source.toolkit.fluxcd.io", version: "v1", kind: "GitRepository", resource: "gitrepositories" },
  { group: "source.toolkit.fluxcd.io", version: "v1", kind: "HelmRepository", resource: "helmrepositories" },
  { group: "source.toolkit.fluxcd.io", version: "v1", kind: "HelmChart", resource: "helmcharts" },
  { group: "source.toolkit.fluxcd.io", version: "v1", kind: "Bucket", resource: "buckets" },
  {
    group: "source.toolkit.fluxcd.io",
    version: "v1beta2",
    kind: "OCIRepository",
    resource: "ocirepositories",
  },
] as const;

/** kube-state-metrics custom-resource-state config producing `gotk_resource_info`. */
export function fluxCustomResourceState(): Record<string, unknown> {
  return {
    spec: {
      resources: FLUX_KINDS.map((k) => ({
        groupVersionKind: { group: k.group, version: k.version, kind: k.kind },
        metricNamePrefix: "gotk",
        metrics: [
          {
            name: "resource_info",
            help: `The current state of a Flux ${k.kind}.`,
            each: { type: "Info", info: { labelsFromPath: { name: ["metadata", "name"] } } },
            labelsFromPath: {
              exported_namespace: ["metadata", "namespace"],
              ready: ["status", "conditions", "[type=Ready]", "status"],
              suspended: ["spec", "suspend"],
              revision: ["status", "artifact", "revision"],
            },
          },
        ],
      })),
    },
  };
}

/**
 * A second kube-state-metrics that reports only Flux custom-resource state. Kept apart from the main
 * instance because `--custom-resource-state-only` would switch off every built-in metric there.
 */
export class FluxStateMetrics extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  public readonly job: string;

  constructor(name: string, args: FluxStateMetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:exporters:FluxStateMetrics", name, {}, opts);
    const groups = [...new Set(FLUX_KINDS.map((k) => k.group))].sort();
    const values = {
      fullnameOverride: name,
      // The job label is the app name: distinct from the main kube-state-metrics.
      nameOverride: name,
      image: {
        registry: "registry.k8s.io",
        repository: "kube-state-metrics/kube-state-metrics",
        tag: IMAGES.kubeStateMetrics.tag,
      },
      collectors: [],
      extraArgs: ["--custom-resource-state-only=true"],
      rbac: {
        extraRules: [
          { apiGroups: groups, resources: FLUX_KINDS.map((k) => k.resource), verbs: ["list", "watch"] },
        ],
      },
      customResourceState: { enabled: true, config: fluxCustomResourceState() },
      prometheus: { monitor: { enabled: true, honorLabels: true } },
      resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    };
    this.release = helmRelease(
      `${name}-release`,
      { releaseName: name, namespace: args.namespace, chart: CHARTS.kubeStateMetrics, values },
      { parent: this },
    );
    this.job = name;
    this.registerOutputs({ release: this.release, job: this.job });
  }
}
