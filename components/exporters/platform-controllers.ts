import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { operatorResource } from "../shared/operator-resources";

export interface PlatformControllerMonitorsArgs {
  readonly namespace: pulumi.Input<string>;
  /** Namespace of the Flux controllers. */
  readonly fluxNamespace: string;
  /** Namespace of cert-manager. */
  readonly certManagerNamespace: string;
  readonly interval: string;
}

/** The Flux controllers whose metrics (`gotk_reconcile_*`, `controller_runtime_*`) we scrape. */
export const FLUX_CONTROLLERS = [
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
  "image-reflector-controller",
  "image-automation-controller",
] as const;

/**
 * Scrape targets for controllers other teams install but the platform's alerts depend on: the Flux
 * controllers (reconcile errors and durations) and cert-manager (certificate expiry and readiness).
 */
export class PlatformControllerMonitors extends pulumi.ComponentResource {
  public readonly flux: k8s.apiextensions.CustomResource;
  public readonly certManager: k8s.apiextensions.CustomResource;

  constructor(name: string, args: PlatformControllerMonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:exporters:PlatformControllerMonitors", name, {}, opts);
    this.flux = operatorResource(
      "PodMonitor",
      `${name}-flux`,
      {
        namespace: args.namespace,
        spec: {
          namespaceSelector: { matchNames: [args.fluxNamespace] },
          selector: { matchExpressions: [{ key: "app", operator: "In", values: [...FLUX_CONTROLLERS] }] },
          podTargetLabels: ["app"],
          podMetricsEndpoints: [{ port: "http-prom", interval: args.interval }],
        },
      },
      { parent: this },
    );
    this.certManager = operatorResource(
      "ServiceMonitor",
      `${name}-cert-manager`,
      {
        namespace: args.namespace,
        spec: {
          jobLabel: "app.kubernetes.io/name",
          namespaceSelector: { matchNames: [args.certManagerNamespace] },
          selector: {
            matchLabels: {
              "app.kubernetes.io/name": "cert-manager",
              "app.kubernetes.io/component": "controller",
            },
          },
          endpoints: [{ port: "tcp-prometheus-servicemonitor", path: "/metrics", interval: args.interval }],
        },
      },
      { parent: this },
    );
    this.registerOutputs({ flux: this.flux, certManager: this.certManager });
  }
}
