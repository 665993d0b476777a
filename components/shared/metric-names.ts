/**
 * Every metric name a rule or a dashboard may use: the names of `../shared/metrics-contract.md`
 * (the contract with the application team) and the names emitted by the exporters at the versions
 * pinned in `components/versions.ts`. A query on a name that nothing emits is a panel that is always
 * empty or an alert that can never fire; a unit test holds every query to this list.
 */

export interface MetricSource {
  /** Who emits these names. */
  readonly source: string;
  /**
   * True when every exact name and family is written in the metrics contract;
   * `test/metric-names.test.ts` checks the document.
   */
  readonly inContract: boolean;
  readonly names?: readonly string[];
  /** Whole families, e.g. `node_` for node-exporter. */
  readonly prefixes?: readonly string[];
}

const histogram = (base: string) => [`${base}_bucket`, `${base}_sum`, `${base}_count`];

export const METRIC_SOURCES: readonly MetricSource[] = [
  {
    source: "Spring Boot / Micrometer (cameleer-saas, cameleer3-server)",
    inContract: true,
    names: [
      ...histogram("http_server_requests_seconds"),
      "jvm_memory_used_bytes",
      "jvm_memory_max_bytes",
      "jvm_gc_pause_seconds_count",
      "jvm_gc_pause_seconds_sum",
      "jvm_gc_pause_seconds_max",
      "jvm_threads_live_threads",
      "process_cpu_usage",
      "process_uptime_seconds",
      "hikaricp_connections_active",
      "hikaricp_connections_idle",
      "hikaricp_connections_pending",
      "hikaricp_connections_max",
      "hikaricp_connections_min",
      "hikaricp_connections_timeout_total",
      "tomcat_sessions_active_current_sessions",
      "application_ready_time_seconds",
    ],
  },
  {
    source: "control plane business metrics (cameleer-saas)",
    inContract: true,
    names: [
      "cameleer_provisioning_requests_total",
      ...histogram("cameleer_provisioning_duration_seconds"),
      "cameleer_provisioning_queue_depth",
      "cameleer_tenants",
      "cameleer_active_agents",
      "cameleer_auth_failures_total",
      "cameleer_audit_events_total",
      "cameleer_jwt_signing_key_expiry_timestamp_seconds",
      "cameleer_stripe_webhook_deliveries_total",
      "cameleer_metering_last_success_timestamp_seconds",
      "cameleer_usage_report_lag_seconds",
      "cameleer_billing_mrr",
    ],
  },
  {
    source: "tenant server (cameleer3-server)",
    inContract: true,
    names: ["cameleer3_server_connections", "cameleer3_server_ingest_events_total"],
  },
  {
    source: "kube-state-metrics v2.16 (contract names)",
    inContract: true,
    names: [
      "kube_pod_container_status_last_terminated_reason",
      "kube_pod_container_status_restarts_total",
      "kube_pod_container_status_waiting_reason",
      "kube_pod_container_status_ready",
      "kube_pod_status_unschedulable",
      "kube_pod_status_phase",
      "kube_deployment_status_replicas_available",
      "kube_deployment_spec_replicas",
      "kube_resourcequota",
      "kube_node_status_condition",
      "kube_namespace_labels",
      "gotk_resource_info",
    ],
  },
  {
    source: "kube-state-metrics v2.16 (further names it emits)",
    inContract: false,
    names: [
      "kube_pod_container_resource_limits",
      "kube_pod_container_resource_requests",
      "kube_node_status_allocatable",
      "kube_pod_info",
      "kube_statefulset_status_replicas_ready",
      "kube_statefulset_replicas",
      "kube_daemonset_status_number_unavailable",
    ],
  },
  {
    source: "kubelet / cAdvisor",
    inContract: true,
    names: [
      "kubelet_volume_stats_used_bytes",
      "kubelet_volume_stats_capacity_bytes",
      "kubelet_volume_stats_available_bytes",
      "container_cpu_usage_seconds_total",
      "container_memory_working_set_bytes",
      "container_oom_events_total",
    ],
  },
  { source: "node-exporter", inContract: true, prefixes: ["node_"] },
  {
    source: "postgres_exporter v0.17 (contract names)",
    inContract: true,
    names: [
      "pg_up",
      "pg_stat_activity_count",
      "pg_settings_max_connections",
      "pg_replication_lag_seconds",
      "pg_stat_user_tables_n_dead_tup",
      "pg_stat_user_tables_last_autovacuum",
      "pg_database_size_bytes",
    ],
  },
  {
    source: "postgres_exporter v0.17 (stat_user_tables and stat_statements collectors)",
    inContract: false,
    names: [
      "pg_stat_user_tables_n_live_tup",
      "pg_stat_statements_calls_total",
      "pg_stat_statements_seconds_total",
    ],
  },
  {
    source: "elasticsearch_exporter v1.9 against OpenSearch (contract names)",
    inContract: true,
    names: [
      "elasticsearch_cluster_health_status",
      "elasticsearch_cluster_health_unassigned_shards",
      "elasticsearch_cluster_health_relocating_shards",
      "elasticsearch_indices_store_size_bytes",
      "elasticsearch_indices_search_query_time_seconds",
      "elasticsearch_indices_search_query_total",
      "elasticsearch_filesystem_data_available_bytes",
    ],
  },
  {
    source: "elasticsearch_exporter v1.9 (further names it emits)",
    inContract: false,
    names: ["elasticsearch_filesystem_data_size_bytes", "elasticsearch_cluster_health_number_of_nodes"],
  },
  {
    source: "cert-manager",
    inContract: true,
    names: ["certmanager_certificate_expiration_timestamp_seconds", "certmanager_certificate_ready_status"],
  },
  {
    source: "blackbox exporter v0.27",
    inContract: true,
    names: [
      "probe_success",
      "probe_duration_seconds",
      "probe_http_status_code",
      "probe_ssl_earliest_cert_expiry",
    ],
  },
  {
    source: "Flux controllers (contract names)",
    inContract: true,
    names: ["controller_runtime_reconcile_errors_total"],
  },
  {
    // The contract names the histogram `gotk_reconcile_duration_seconds`; the series queried are its own.
    source: "Flux controllers (series of the gotk_reconcile_duration_seconds histogram)",
    inContract: false,
    names: histogram("gotk_reconcile_duration_seconds"),
  },
  {
    source: "the monitoring stack itself",
    inContract: true,
    names: ["up"],
    prefixes: ["prometheus_", "alertmanager_", "loki_", "grafana_"],
  },
  {
    source: "Prometheus's synthetic alert series",
    inContract: false,
    names: ["ALERTS", "ALERTS_FOR_STATE"],
  },
];

const EXACT = new Set(METRIC_SOURCES.flatMap((s) => s.names ?? []));
const PREFIXES = METRIC_SOURCES.flatMap((s) => s.prefixes ?? []);

/**
 * Whether a metric name is emitted by something the program deploys or defines. `recorded` holds
 * the names of the catalog's recording rules, which are ours by definition.
 */
export function isKnownMetric(name: string, recorded: ReadonlySet<string> = new Set()): boolean {
  return EXACT.has(name) || recorded.has(name) || PREFIXES.some((p) => name.startsWith(p));
}
