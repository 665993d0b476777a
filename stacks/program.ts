/**
 * The Pulumi program: one function from validated stack config to resources and stack outputs.
 * Environments differ only in config; there is no branch on the stack's name here or below.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MonitoringCore } from "../components/core/monitoring-core";
import { PrometheusOperatorCrds } from "../components/core/prometheus-crds";
import {
  ApplicationScrapeTargets,
  BlackboxExporter,
  FluxStateMetrics,
  OpenSearchExporter,
  PostgresExporter,
} from "../components/exporters";
import { LogShipper } from "../components/logging/log-shipper";
import { Loki } from "../components/logging/loki";
import { COMMON_LABELS } from "../components/shared/labels";
import { opaqueSecret } from "../components/shared/secrets";
import { stableYaml } from "../components/shared/serialize";
import { loadStackConfig, type StackConfig } from "./config";

/** Secrets the config guarantees present (validated in `loadStackConfig`). */
function requiredSecret(cfg: StackConfig, key: keyof StackConfig["secrets"]): pulumi.Output<string> {
  const value = cfg.secrets[key];
  if (value === undefined) throw new Error(`internal: secret ${key} was validated as present but is missing`);
  return value;
}

export function platform(): Record<string, unknown> {
  const cfg = loadStackConfig();

  const watchedCluster = new k8s.Provider("watched-cluster", {
    context: cfg.kubernetes.context,
    enableServerSideApply: true,
  });
  const inCluster: pulumi.ComponentResourceOptions = { providers: [watchedCluster] };

  const namespace = new k8s.core.v1.Namespace(
    "monitoring-namespace",
    {
      metadata: {
        name: cfg.namespaces.monitoring,
        labels: {
          ...COMMON_LABELS,
          // node-exporter needs the host's network and filesystems.
          "pod-security.kubernetes.io/enforce": "privileged",
        },
      },
    },
    { provider: watchedCluster },
  );
  const ns = namespace.metadata.name;

  const crds = new PrometheusOperatorCrds("prometheus-operator-crds", { namespace: ns }, inCluster);
  const afterCrds: pulumi.ComponentResourceOptions = { ...inCluster, dependsOn: [crds] };

  const alertmanagerConfig = opaqueSecret(
    "alertmanager-config",
    {
      namespace: ns,
      data: {
        "alertmanager.yaml": stableYaml({ route: { receiver: "null" }, receivers: [{ name: "null" }] }),
      },
    },
    { provider: watchedCluster },
  );

  const core = new MonitoringCore(
    "kps",
    {
      namespace: ns,
      clusterName: cfg.kubernetes.clusterName,
      environment: cfg.environment,
      storageClass: cfg.kubernetes.storageClass,
      ingress: cfg.ingress,
      prometheus: cfg.prometheus,
      alertmanager: { ...cfg.alertmanager, configSecretName: "alertmanager-config", mountedSecretNames: [] },
      grafana: cfg.grafana,
    },
    { ...inCluster, dependsOn: [crds, alertmanagerConfig] },
  );

  const loki = new Loki(
    "loki",
    {
      namespace: ns,
      mode: cfg.loki.mode,
      retention: cfg.loki.retention,
      replicas: cfg.loki.replicas,
      storage: cfg.loki.storage,
      storageClass: cfg.kubernetes.storageClass,
      alertmanagerUrl: core.alertmanagerServiceUrl,
    },
    afterCrds,
  );
  new LogShipper(
    "alloy",
    {
      namespace: ns,
      lokiUrl: loki.url,
      clusterName: cfg.kubernetes.clusterName,
      excludedNamespacePattern: `${cfg.namespaces.tenantPrefix}.+`,
    },
    afterCrds,
  );

  new PostgresExporter(
    "postgres-exporter",
    { namespace: ns, ...cfg.exporters.postgres, password: requiredSecret(cfg, "postgresExporterPassword") },
    afterCrds,
  );
  new OpenSearchExporter(
    "opensearch-exporter",
    {
      namespace: ns,
      ...cfg.exporters.opensearch,
      password: requiredSecret(cfg, "opensearchExporterPassword"),
    },
    afterCrds,
  );
  new BlackboxExporter(
    "blackbox-exporter",
    {
      namespace: ns,
      namespaceName: cfg.namespaces.monitoring,
      actuatorUrl: cfg.controlPlane.actuatorUrl,
      publicEndpoints: cfg.controlPlane.publicEndpoints,
      interval: cfg.prometheus.scrapeInterval,
    },
    afterCrds,
  );
  new FluxStateMetrics("flux-state-metrics", { namespace: ns }, afterCrds);
  new ApplicationScrapeTargets(
    "cameleer",
    {
      namespace: ns,
      controlPlaneNamespace: cfg.namespaces.controlPlane,
      tenantNamespacePrefix: cfg.namespaces.tenantPrefix,
      interval: cfg.prometheus.scrapeInterval,
    },
    afterCrds,
  );

  return {
    environment: cfg.environment,
    grafanaUrl: core.grafanaUrl,
    prometheusUrl: core.prometheusUrl,
    alertmanagerUrl: core.alertmanagerUrl,
    grafanaAdminUser: core.grafanaAdminUser,
    grafanaAdminPassword: core.grafanaAdminPassword,
  };
}
