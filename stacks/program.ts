/**
 * The Pulumi program: one function from validated stack config to resources and stack outputs.
 * Environments differ only in config; there is no branch on the stack's name here or below.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertDelivery } from "../components/alerting/alert-delivery";
import { PagerDutyPaging } from "../components/alerting/pagerduty-paging";
import { AlertRules } from "../components/alerts/alert-rules";
import { alertCatalog, logAlertCatalog } from "../components/alerts/catalog";
import { MonitoringCore } from "../components/core/monitoring-core";
import { GrafanaDashboards } from "../components/dashboards/grafana-dashboards";
import { PrometheusOperatorCrds } from "../components/core/prometheus-crds";
import {
  ApplicationScrapeTargets,
  BlackboxExporter,
  FluxStateMetrics,
  IsolationCanary,
  OpenSearchExporter,
  PlatformControllerMonitors,
  PostgresExporter,
} from "../components/exporters";
import { LogShipper } from "../components/logging/log-shipper";
import { Loki } from "../components/logging/loki";
import { MonitoringNetworkPolicies } from "../components/security";
import { COMMON_LABELS } from "../components/shared/labels";
import { SlaReportJob } from "../components/slo/sla-report-job";
import { UptimeKuma } from "../components/uptime-kuma/uptime-kuma";
import { AREAS, TIERS } from "./config";
import { loadStackConfig, type StackConfig } from "./config";
import { buildRuleContext, COMPONENT_NAMES as NAMES } from "./rule-context";

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
    // Deleting the namespace would delete every volume in it (metrics, silences, logs).
    { provider: watchedCluster, retainOnDelete: true },
  );
  const ns = namespace.metadata.name;

  new MonitoringNetworkPolicies(
    NAMES.networkPolicies,
    {
      namespace: ns,
      ingressControllerNamespace: cfg.ingress.controllerNamespace,
      releases: { core: NAMES.core, loki: NAMES.loki, logShipper: NAMES.logShipper },
    },
    inCluster,
  );

  const crds = new PrometheusOperatorCrds(NAMES.crds, { namespace: ns }, inCluster);
  const afterCrds: pulumi.ComponentResourceOptions = { ...inCluster, dependsOn: [crds] };

  // Paging: PagerDuty services per area (only where the stack pages), the external dead-man's switch,
  // and Alertmanager's configuration derived from both and from the catalog's areas.
  const pagerduty = cfg.receivers.pagerduty.enabled
    ? new PagerDutyPaging(NAMES.pagerduty, {
        token: requiredSecret(cfg, "pagerdutyToken"),
        environment: cfg.environment,
        areas: AREAS,
        escalation: cfg.receivers.pagerduty.escalation ?? [],
        numLoops: cfg.receivers.pagerduty.numLoops,
        maintenanceWindows: cfg.receivers.pagerduty.maintenanceWindows,
      })
    : undefined;
  const grafanaUrl = `https://${cfg.ingress.grafanaHost}`;
  const uptimeKuma = new UptimeKuma(NAMES.uptimeKuma, {
    ...cfg.uptimeKuma,
    publicEndpoints: cfg.controlPlane.publicEndpoints,
    grafanaUrl,
    ingressClassName: cfg.ingress.className,
    clusterIssuer: cfg.ingress.clusterIssuer,
    slackWebhookUrl: requiredSecret(cfg, "slackWebhookUrl"),
    pagerdutyIntegrationKey: pagerduty?.integrationKeys.monitoring,
  });
  const alertDelivery = new AlertDelivery(
    NAMES.alertDelivery,
    {
      namespace: ns,
      environment: cfg.environment,
      slackChannels: cfg.receivers.slack.channels,
      slackWebhookUrl: requiredSecret(cfg, "slackWebhookUrl"),
      pagerdutyKeys: pagerduty?.integrationKeys ?? {},
      opsgenie:
        cfg.receivers.opsgenie.enabled && cfg.receivers.opsgenie.team
          ? { team: cfg.receivers.opsgenie.team, apiKey: requiredSecret(cfg, "opsgenieApiKey") }
          : undefined,
      deadMansSwitchUrl: uptimeKuma.deadMansSwitchUrl,
      alertmanagerUrl: `https://${cfg.ingress.alertmanagerHost}`,
    },
    inCluster,
  );

  const core = new MonitoringCore(
    NAMES.core,
    {
      namespace: ns,
      clusterName: cfg.kubernetes.clusterName,
      environment: cfg.environment,
      storageClass: cfg.kubernetes.storageClass,
      ingress: cfg.ingress,
      prometheus: cfg.prometheus,
      alertmanager: {
        ...cfg.alertmanager,
        configSecretName: alertDelivery.configSecretName,
        mountedSecretNames: [alertDelivery.credentialsSecretName],
      },
      grafana: cfg.grafana,
    },
    { ...inCluster, dependsOn: [crds, alertDelivery] },
  );

  const loki = new Loki(
    NAMES.loki,
    {
      namespace: ns,
      mode: cfg.loki.mode,
      retention: cfg.loki.retention,
      replicas: cfg.loki.replicas,
      storage: cfg.loki.storage,
      storageClass: cfg.kubernetes.storageClass,
      resources: cfg.loki.resources,
      alertmanagerUrl: core.alertmanagerServiceUrl,
    },
    afterCrds,
  );
  new LogShipper(
    NAMES.logShipper,
    {
      namespace: ns,
      lokiUrl: loki.url,
      clusterName: cfg.kubernetes.clusterName,
      excludedNamespacePattern: `${cfg.namespaces.tenantPrefix}.+`,
    },
    afterCrds,
  );

  new PostgresExporter(
    NAMES.postgresExporter,
    { namespace: ns, ...cfg.exporters.postgres, password: requiredSecret(cfg, "postgresExporterPassword") },
    afterCrds,
  );
  new OpenSearchExporter(
    NAMES.opensearchExporter,
    {
      namespace: ns,
      ...cfg.exporters.opensearch,
      password: requiredSecret(cfg, "opensearchExporterPassword"),
    },
    afterCrds,
  );
  new BlackboxExporter(
    NAMES.blackboxExporter,
    {
      namespace: ns,
      namespaceName: cfg.namespaces.monitoring,
      actuatorUrl: cfg.controlPlane.actuatorUrl,
      publicEndpoints: cfg.controlPlane.publicEndpoints,
      interval: cfg.prometheus.scrapeInterval,
    },
    afterCrds,
  );
  new FluxStateMetrics(NAMES.fluxStateMetrics, { namespace: ns }, afterCrds);
  new ApplicationScrapeTargets(
    NAMES.applications,
    {
      namespace: ns,
      controlPlaneNamespace: cfg.namespaces.controlPlane,
      tenantNamespacePrefix: cfg.namespaces.tenantPrefix,
      interval: cfg.prometheus.scrapeInterval,
    },
    afterCrds,
  );

  new PlatformControllerMonitors(
    NAMES.platformControllers,
    {
      namespace: ns,
      fluxNamespace: cfg.namespaces.flux,
      certManagerNamespace: cfg.namespaces.certManager,
      interval: cfg.prometheus.scrapeInterval,
    },
    afterCrds,
  );
  new IsolationCanary(
    NAMES.isolationCanary,
    {
      monitoringNamespace: ns,
      tenantPrefix: cfg.namespaces.tenantPrefix,
      scrapeInterval: cfg.prometheus.scrapeInterval,
    },
    afterCrds,
  );

  const ruleContext = buildRuleContext(cfg);
  new AlertRules(
    NAMES.alertRules,
    {
      namespace: ns,
      areas: alertCatalog(ruleContext),
      logRules: logAlertCatalog(ruleContext),
      context: ruleContext,
    },
    afterCrds,
  );

  if (cfg.slaReport.enabled) {
    new SlaReportJob(
      NAMES.slaReport,
      {
        namespace: ns,
        prometheusUrl: core.prometheusServiceUrl,
        schedule: cfg.slaReport.schedule,
        tiers: cfg.slaReport.tiers.length === TIERS.length ? [] : cfg.slaReport.tiers,
        storageClass: cfg.kubernetes.storageClass,
        storageSize: cfg.slaReport.storageSize,
      },
      { ...inCluster, dependsOn: [core] },
    );
  }

  const dashboards = new GrafanaDashboards(
    NAMES.dashboards,
    {
      grafanaUrl: core.grafanaUrl,
      adminUser: core.grafanaAdminUser,
      adminPassword: core.grafanaAdminPassword,
      prometheusUrl: core.prometheusServiceUrl,
      lokiUrl: loki.url,
      context: ruleContext,
      scrapeInterval: cfg.prometheus.scrapeInterval,
    },
    { dependsOn: [core, loki] },
  );

  return {
    environment: cfg.environment,
    grafanaUrl: core.grafanaUrl,
    uptimeKumaUrl: uptimeKuma.url,
    statusPageUrl: uptimeKuma.statusPageUrl,
    pagerdutyServiceUrls: pagerduty?.serviceUrls ?? {},
    dashboardUrls: dashboards.dashboardUrls,
    grafanaFolderUrls: dashboards.folderUrls,
    prometheusUrl: core.prometheusUrl,
    alertmanagerUrl: core.alertmanagerUrl,
    grafanaAdminUser: core.grafanaAdminUser,
    grafanaAdminPassword: core.grafanaAdminPassword,
  };
}
