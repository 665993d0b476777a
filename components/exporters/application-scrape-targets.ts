import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { operatorResource } from "../shared/operator-resources";

export interface ApplicationScrapeTargetsArgs {
  readonly namespace: pulumi.Input<string>;
  /** Namespace of the control plane. */
  readonly controlPlaneNamespace: string;
  /** Prefix of tenant namespaces, e.g. `tenant-`. */
  readonly tenantNamespacePrefix: string;
  readonly interval: string;
  /** Name of the Service port serving `/actuator/prometheus`. Defaults to `management`. */
  readonly metricsPort?: string;
}

/** Pod label both applications carry, per the metrics contract. */
const APP_NAME_LABEL = "app.kubernetes.io/name";

/**
 * ServiceMonitors for the two SaaS applications. Tenant servers are selected by label in every
 * namespace that matches the tenant prefix: a tenant that appears is scraped without a deploy of
 * this program. Each tenant series gets a `tenant` label derived from its namespace.
 */
export class ApplicationScrapeTargets extends pulumi.ComponentResource {
  public readonly controlPlane: k8s.apiextensions.CustomResource;
  public readonly tenantServers: k8s.apiextensions.CustomResource;
  public readonly jobs: { readonly controlPlane: string; readonly tenantServer: string };

  constructor(name: string, args: ApplicationScrapeTargetsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:exporters:ApplicationScrapeTargets", name, {}, opts);
    const port = args.metricsPort ?? "management";
    const endpoint = { port, path: "/actuator/prometheus", interval: args.interval, scrapeTimeout: "10s" };
    this.jobs = { controlPlane: "cameleer-saas", tenantServer: "cameleer3-server" };

    this.controlPlane = operatorResource(
      "ServiceMonitor",
      `${name}-control-plane`,
      {
        namespace: args.namespace,
        spec: {
          jobLabel: APP_NAME_LABEL,
          namespaceSelector: { matchNames: [args.controlPlaneNamespace] },
          selector: { matchLabels: { [APP_NAME_LABEL]: this.jobs.controlPlane } },
          endpoints: [endpoint],
        },
      },
      { parent: this },
    );

    const prefix = args.tenantNamespacePrefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    this.tenantServers = operatorResource(
      "ServiceMonitor",
      `${name}-tenant-servers`,
      {
        namespace: args.namespace,
        spec: {
          jobLabel: APP_NAME_LABEL,
          // A ServiceMonitor cannot select namespaces by pattern: select all, keep tenant ones.
          namespaceSelector: { any: true },
          selector: { matchLabels: { [APP_NAME_LABEL]: this.jobs.tenantServer } },
          endpoints: [
            {
              ...endpoint,
              relabelings: [
                { sourceLabels: ["__meta_kubernetes_namespace"], regex: `${prefix}.+`, action: "keep" },
                {
                  sourceLabels: ["__meta_kubernetes_namespace"],
                  regex: `${prefix}(.+)`,
                  targetLabel: "tenant",
                  replacement: "$1",
                  action: "replace",
                },
              ],
            },
          ],
        },
      },
      { parent: this },
    );
    this.registerOutputs({
      controlPlane: this.controlPlane,
      tenantServers: this.tenantServers,
      jobs: this.jobs,
    });
  }
}
