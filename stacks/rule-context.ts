/**
 * The alert catalog's context for a stack: selectors from the names the program gives its
 * components, thresholds and replica counts from the stack's config. Pure, so the promtool tests
 * build exactly the rules the program deploys.
 */
import { MonitoringCore } from "../components/core/monitoring-core";
import type { PlatformNames, RuleContext } from "../components/alerts/context";
import { regexEscape } from "../components/alerts/context";
import type { Duration } from "../components/alerts/types";
import { TIERS, type PlainStackConfig, type Tier } from "./config";

/** Names of the components whose job labels rules select on; the program instantiates them by these. */
export const COMPONENT_NAMES = {
  core: "kps",
  loki: "loki",
  logShipper: "alloy",
  crds: "prometheus-operator-crds",
  postgresExporter: "postgres-exporter",
  opensearchExporter: "opensearch-exporter",
  blackboxExporter: "blackbox-exporter",
  fluxStateMetrics: "flux-state-metrics",
  applications: "cameleer",
  isolationCanary: "isolation-canary",
  platformControllers: "platform-controllers",
  alertRules: "alert-rules",
  alertDelivery: "alertmanager",
  pagerduty: "pagerduty",
  uptimeKuma: "uptime-kuma",
  dashboards: "dashboards",
  networkPolicies: "monitoring-network",
  slaReport: "sla-report",
} as const;

export function buildRuleContext(cfg: PlainStackConfig): RuleContext {
  const ns = cfg.namespaces;
  const core = MonitoringCore.jobsFor(COMPONENT_NAMES.core);
  const names: PlatformNames = {
    namespaces: {
      monitoring: ns.monitoring,
      controlPlane: ns.controlPlane,
      flux: ns.flux,
      certManager: ns.certManager,
    },
    jobs: {
      controlPlane: "cameleer-saas",
      tenantServer: "cameleer3-server",
      kubeStateMetrics: core.kubeStateMetrics,
      kubelet: core.kubelet,
      nodeExporter: core.nodeExporter,
      postgres: COMPONENT_NAMES.postgresExporter,
      opensearch: COMPONENT_NAMES.opensearchExporter,
      blackbox: COMPONENT_NAMES.blackboxExporter,
      fluxState: COMPONENT_NAMES.fluxStateMetrics,
      prometheus: core.prometheus,
      alertmanager: core.alertmanager,
      grafana: core.grafana,
      lokiPrefix: COMPONENT_NAMES.loki,
      isolationCanary: COMPONENT_NAMES.isolationCanary,
    },
  };
  const { jobs } = names;
  const tenantNs = `namespace=~"${regexEscape(ns.tenantPrefix)}.+"`;
  const inMonitoring = `namespace="${ns.monitoring}"`;
  /** Percent to ratio, without binary noise in the rules (99.9 → 0.999, not 0.9990000000000001). */
  const ratio = (percent: number) => Number((percent / 100).toPrecision(12));
  const tiers = Object.fromEntries(
    TIERS.map((t) => [t, { slo: ratio(cfg.tiers[t].slo), sla: ratio(cfg.tiers[t].sla) }]),
  ) as Record<Tier, { slo: number; sla: number }>;
  return {
    environment: cfg.environment,
    names,
    tenantPrefix: ns.tenantPrefix,
    prometheusReplicas: cfg.prometheus.replicas,
    alertmanagerReplicas: cfg.alertmanager.replicas,
    evaluationInterval: cfg.prometheus.evaluationInterval as Duration,
    pagingEvaluationInterval: cfg.prometheus.pagingEvaluationInterval as Duration,
    thresholds: cfg.thresholds,
    tiers,
    slo: {
      minRequestRate: cfg.slo.minRequestRate,
      controlPlane: {
        availability: ratio(cfg.slo.controlPlane.availability),
        latency: ratio(cfg.slo.controlPlane.latency),
        latencyThresholdSeconds: cfg.slo.controlPlane.latencyThresholdSeconds,
      },
    },
    scrapeInterval: cfg.prometheus.scrapeInterval as Duration,
    runbookBaseUrl: cfg.runbookBaseUrl,
    grafanaUrl: `https://${cfg.ingress.grafanaHost}`,
    selectors: {
      controlPlane: `job="${jobs.controlPlane}", namespace="${ns.controlPlane}"`,
      tenantServer: `job="${jobs.tenantServer}", ${tenantNs}`,
      tenantNamespaces: tenantNs,
      kubeStateMetrics: `job="${jobs.kubeStateMetrics}"`,
      kubelet: `job="${jobs.kubelet}", metrics_path="/metrics"`,
      cadvisor: `job="${jobs.kubelet}", metrics_path="/metrics/cadvisor"`,
      nodeExporter: `job="${jobs.nodeExporter}"`,
      postgres: `job="${jobs.postgres}"`,
      opensearch: `job="${jobs.opensearch}"`,
      blackbox: `job="${jobs.blackbox}"`,
      fluxState: `job="${jobs.fluxState}"`,
      fluxControllers: `namespace="${ns.flux}"`,
      certManager: `namespace="${ns.certManager}"`,
      prometheus: `job="${jobs.prometheus}", ${inMonitoring}`,
      alertmanager: `job="${jobs.alertmanager}", ${inMonitoring}`,
      grafana: `job="${jobs.grafana}", ${inMonitoring}`,
      loki: `job=~"${regexEscape(ns.monitoring)}/${jobs.lokiPrefix}.*"`,
      isolationCanary: `job="${jobs.isolationCanary}"`,
    },
  };
}
