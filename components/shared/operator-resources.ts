import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "./labels";
import { sortKeys } from "./serialize";

/** The prometheus-operator kinds this program creates, with their API versions. */
const API_VERSIONS = {
  PrometheusRule: "monitoring.coreos.com/v1",
  ServiceMonitor: "monitoring.coreos.com/v1",
  PodMonitor: "monitoring.coreos.com/v1",
  Probe: "monitoring.coreos.com/v1",
  ScrapeConfig: "monitoring.coreos.com/v1alpha1",
} as const;
export type OperatorKind = keyof typeof API_VERSIONS;

export interface OperatorResourceArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels?: Record<string, string>;
  readonly spec: Record<string, unknown>;
}

/**
 * A prometheus-operator custom resource. Its Kubernetes name is the Pulumi name (no random suffix):
 * rule files, job labels and dashboards refer to it. Callers pass `dependsOn` the CRD release.
 */
export function operatorResource(
  kind: OperatorKind,
  name: string,
  args: OperatorResourceArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    name,
    {
      apiVersion: API_VERSIONS[kind],
      kind,
      metadata: { name, namespace: args.namespace, labels: { ...COMMON_LABELS, ...args.labels } },
      spec: sortKeys(args.spec),
    },
    opts,
  );
}
