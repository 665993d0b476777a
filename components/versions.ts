/**
 * Every chart and exporter version the program deploys, pinned in one place. Metric names in rules
 * and dashboards are those of these versions (see `components/shared/metric-names.ts`): bump a
 * version here and re-check that list.
 */
export interface ChartRef {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
}

const PROMETHEUS_COMMUNITY = "https://prometheus-community.github.io/helm-charts";
const GRAFANA = "https://grafana.github.io/helm-charts";

export const CHARTS = {
  /** Prometheus operator, Prometheus, Alertmanager, Grafana, kube-state-metrics, node-exporter. */
  kubePrometheusStack: { chart: "kube-prometheus-stack", version: "76.5.1", repo: PROMETHEUS_COMMUNITY },
  /** The operator's CRDs, installed as their own release before anything that uses them. */
  prometheusOperatorCrds: {
    chart: "prometheus-operator-crds",
    version: "23.0.0",
    repo: PROMETHEUS_COMMUNITY,
  },
  loki: { chart: "loki", version: "6.49.0", repo: GRAFANA },
  alloy: { chart: "alloy", version: "1.2.1", repo: GRAFANA },
  postgresExporter: { chart: "prometheus-postgres-exporter", version: "7.5.2", repo: PROMETHEUS_COMMUNITY },
  elasticsearchExporter: {
    chart: "prometheus-elasticsearch-exporter",
    version: "6.6.1",
    repo: PROMETHEUS_COMMUNITY,
  },
  blackboxExporter: { chart: "prometheus-blackbox-exporter", version: "11.15.1", repo: PROMETHEUS_COMMUNITY },
  /** A second kube-state-metrics, for Flux custom-resource state only. */
  kubeStateMetrics: { chart: "kube-state-metrics", version: "7.1.0", repo: PROMETHEUS_COMMUNITY },
} as const satisfies Record<string, ChartRef>;

/** Exporter images pinned explicitly, because their metric names are part of our contract. */
export const IMAGES = {
  postgresExporter: { repository: "quay.io/prometheuscommunity/postgres-exporter", tag: "v0.17.1" },
  elasticsearchExporter: { repository: "quay.io/prometheuscommunity/elasticsearch-exporter", tag: "v1.9.0" },
  blackboxExporter: { repository: "quay.io/prometheus/blackbox-exporter", tag: "v0.27.0" },
  kubeStateMetrics: { repository: "registry.k8s.io/kube-state-metrics/kube-state-metrics", tag: "v2.16.0" },
  /** 2.x: its push endpoint accepts Alertmanager's POST (2.0.0-beta and later). */
  uptimeKuma: { repository: "louislam/uptime-kuma", tag: "2.0.2-rootless" },
  /** Runs the monthly SLA report (plain JavaScript, no dependencies); the Node.js the tests run on. */
  node: { repository: "docker.io/library/node", tag: "20.19.5-alpine" },
} as const;
