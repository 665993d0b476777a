import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartRef } from "../versions";
import { sortKeys } from "./serialize";

export interface ReleaseArgs {
  /** Helm release name inside the cluster; stable, because Services and job labels derive from it. */
  readonly releaseName: string;
  readonly namespace: pulumi.Input<string>;
  readonly chart: ChartRef;
  readonly values: Record<string, unknown>;
  /** Install the chart's CRDs. Defaults to false: CRDs are a release of their own. */
  readonly installCrds?: boolean;
}

/**
 * A pinned Helm release with the options every release here wants: atomic upgrades that roll back
 * on failure, a timeout long enough for StatefulSets, and values with sorted keys so that previews
 * are stable.
 */
export function helmRelease(
  name: string,
  args: ReleaseArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    name,
    {
      name: args.releaseName,
      namespace: args.namespace,
      chart: args.chart.chart,
      version: args.chart.version,
      repositoryOpts: { repo: args.chart.repo },
      values: sortKeys(args.values),
      skipCrds: !(args.installCrds ?? false),
      atomic: true,
      cleanupOnFail: true,
      timeout: 900,
      maxHistory: 10,
    },
    opts,
  );
}
