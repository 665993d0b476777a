import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { helmRelease } from "../shared/helm";
import { CHARTS } from "../versions";

export interface PrometheusOperatorCrdsArgs {
  /** Namespace the CRD release is recorded in (CRDs themselves are cluster-scoped). */
  readonly namespace: pulumi.Input<string>;
}

/**
 * The prometheus-operator CRDs (PrometheusRule, ServiceMonitor, Probe, ScrapeConfig, ...), installed
 * as a release of their own. Everything that creates one of these custom resources depends on this
 * component, so a first `pulumi up` on an empty cluster never races the API server ("no matches for
 * kind PrometheusRule"), and a chart upgrade can never delete the CRDs and with them every rule.
 */
export class PrometheusOperatorCrds extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: PrometheusOperatorCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:core:PrometheusOperatorCrds", name, {}, opts);
    this.release = helmRelease(
      `${name}-release`,
      {
        releaseName: name,
        namespace: args.namespace,
        chart: CHARTS.prometheusOperatorCrds,
        values: {},
        installCrds: true,
      },
      // Deleting the CRDs would delete every PrometheusRule and ServiceMonitor in the cluster, ours
      // and other teams': removing this stack leaves them in place.
      { parent: this, retainOnDelete: true },
    );
    this.registerOutputs({ release: this.release });
  }
}
