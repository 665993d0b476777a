import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { regexEscape } from "../alerts/context";
import { COMMON_LABELS } from "../shared/labels";
import { operatorResource } from "../shared/operator-resources";
import { stableYaml } from "../shared/serialize";
import { IMAGES } from "../versions";

export interface IsolationCanaryArgs {
  /** Namespace Prometheus's ScrapeConfig lives in (the monitoring namespace). */
  readonly monitoringNamespace: pulumi.Input<string>;
  /** Prefix of tenant namespaces whose servers are probed. */
  readonly tenantPrefix: string;
  readonly scrapeInterval: string;
}

/** Port of the tenant servers' Service that the canary tries to reach. */
const TENANT_SERVER_APP = "cameleer3-server";

/**
 * A CNI-agnostic check that tenant NetworkPolicies really isolate: a blackbox exporter in a namespace
 * of its own, which no tenant policy admits, tries to open a TCP connection to every tenant's
 * `cameleer3-server` Service (discovered by Prometheus, no tenant list). Every probe must FAIL;
 * `probe_success == 1` means a tenant is reachable from a foreign namespace, and
 * `TenantIsolationBreached` pages. It tests the policies as enforced, whatever the CNI.
 */
export class IsolationCanary extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;
  public readonly scrapeConfig: k8s.apiextensions.CustomResource;
  /** The `job` label of the canary's probes. */
  public readonly job: string;

  constructor(name: string, args: IsolationCanaryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:exporters:IsolationCanary", name, {}, opts);
    const labels = { ...COMMON_LABELS, "app.kubernetes.io/name": name };
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name,
          labels: { ...COMMON_LABELS, "pod-security.kubernetes.io/enforce": "restricted" },
        },
      },
      { parent: this },
    );
    const ns = this.namespace.metadata.name;
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: { name: `${name}-config`, namespace: ns, labels },
        data: {
          "blackbox.yml": stableYaml({
            modules: { tcp_connect: { prober: "tcp", timeout: "5s", tcp: { preferred_ip_protocol: "ip4" } } },
          }),
        },
      },
      { parent: this },
    );
    new k8s.apps.v1.Deployment(
      `${name}-prober`,
      {
        metadata: { name, namespace: ns, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { "app.kubernetes.io/name": name } },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "blackbox",
                  image: `${IMAGES.blackboxExporter.repository}:${IMAGES.blackboxExporter.tag}`,
                  args: ["--config.file=/config/blackbox.yml"],
                  ports: [{ name: "http", containerPort: 9115 }],
                  resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  readinessProbe: { httpGet: { path: "/-/healthy", port: "http" } },
                  volumeMounts: [{ name: "config", mountPath: "/config" }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: `${name}-config` } }],
            },
          },
        },
      },
      { parent: this, dependsOn: [config] },
    );
    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name, namespace: ns, labels },
        spec: {
          selector: { "app.kubernetes.io/name": name },
          ports: [{ name: "http", port: 9115, targetPort: "http" }],
        },
      },
      { parent: this },
    );

    this.job = name;
    this.scrapeConfig = operatorResource(
      "ScrapeConfig",
      name,
      {
        namespace: args.monitoringNamespace,
        spec: {
          jobName: this.job,
          scrapeInterval: args.scrapeInterval,
          scrapeTimeout: "10s",
          metricsPath: "/probe",
          params: { module: ["tcp_connect"] },
          kubernetesSDConfigs: [{ role: "Service" }],
          relabelings: [
            {
              sourceLabels: ["__meta_kubernetes_namespace"],
              regex: `${regexEscape(args.tenantPrefix)}.+`,
              action: "keep",
            },
            {
              sourceLabels: ["__meta_kubernetes_service_label_app_kubernetes_io_name"],
              regex: TENANT_SERVER_APP,
              action: "keep",
            },
            { sourceLabels: ["__address__"], targetLabel: "__param_target" },
            { sourceLabels: ["__param_target"], targetLabel: "instance" },
            { sourceLabels: ["__meta_kubernetes_namespace"], targetLabel: "namespace" },
            { targetLabel: "source_namespace", replacement: name },
            { targetLabel: "__address__", replacement: `${name}.${name}.svc:9115` },
          ],
        },
      },
      { parent: this },
    );
    this.registerOutputs({ namespace: this.namespace, scrapeConfig: this.scrapeConfig, job: this.job });
  }
}
