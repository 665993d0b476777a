/**
 * Infrastructure: the cluster and the shared services every tenant depends on. Capacity and nodes,
 * volumes, PostgreSQL, OpenSearch and Flux, each with the panels its alerts fire on.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { regexEscape, type RuleContext } from "../alerts/context";
import { humanizePercentage } from "../alerts/rule-files";
import {
  buildDashboard,
  logsPanel,
  statPanel,
  tablePanel,
  timeseriesPanel,
  UNITS,
  upperThresholds,
  type DashboardOptions,
} from "./common";

const DAY_SECONDS = 86400;

export function infrastructureDashboard(ctx: RuleContext, options: DashboardOptions = {}): Dashboard {
  const t = ctx.thresholds;
  const s = ctx.selectors;
  const ksm = s.kubeStateMetrics;
  const ne = s.nodeExporter;
  const pg = s.postgres;
  const os = s.opensearch;
  const { monitoring, controlPlane } = ctx.names.namespaces;
  // The platform's own namespaces, built from the names the selectors use (as the kubernetes area does).
  const platformNamespaces = `namespace=~"${regexEscape(monitoring)}|${regexEscape(controlPlane)}"`;
  // Requests of pods that hold their resources: Pending or Running, not finished ones.
  const scheduled = `max by (namespace, pod) (kube_pod_status_phase{${ksm}, phase=~"Pending|Running"} == 1)`;
  const requested = (resource: string) =>
    `sum(kube_pod_container_resource_requests{${ksm}, resource="${resource}"} * on (namespace, pod) group_left () ${scheduled})`;
  const allocatable = (resource: string) =>
    `sum(kube_node_status_allocatable{${ksm}, resource="${resource}"})`;
  const fs = `${ne}, fstype!="tmpfs"`;
  const volumeUsage =
    `max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${s.kubelet}})` +
    ` / max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{${s.kubelet}})`;
  const osDisk =
    `max by (cluster, name) (1 - elasticsearch_filesystem_data_available_bytes{${os}}` +
    ` / elasticsearch_filesystem_data_size_bytes{${os}})`;

  return buildDashboard(
    {
      key: "infrastructure",
      description: "Cluster capacity, nodes, volumes, PostgreSQL, OpenSearch and Flux.",
      tags: ["infrastructure"],
      rows: [
        {
          title: "Cluster capacity",
          panels: [
            statPanel(ctx, {
              title: "CPU requested",
              description: "CPU requested by scheduled pods over the nodes' allocatable CPU.",
              queries: [{ expr: `${requested("cpu")} / ${allocatable("cpu")}` }],
              unit: UNITS.ratio,
              thresholds: upperThresholds(0.8, 0.95),
              alerts: ["PodUnschedulable"],
            }),
            statPanel(ctx, {
              title: "Memory requested",
              description: "Memory requested by scheduled pods over the nodes' allocatable memory.",
              queries: [{ expr: `${requested("memory")} / ${allocatable("memory")}` }],
              unit: UNITS.ratio,
              thresholds: upperThresholds(0.8, 0.95),
              alerts: ["PodUnschedulable"],
            }),
            statPanel(ctx, {
              title: "Unschedulable pods",
              description: "Pods no node has room for. Warns after 15 minutes.",
              queries: [{ expr: `sum(kube_pod_status_unschedulable{${ksm}}) or vector(0)` }],
              unit: UNITS.count,
              thresholds: upperThresholds(1),
              alerts: ["PodUnschedulable"],
            }),
            statPanel(ctx, {
              title: "Nodes not Ready",
              description: "Nodes whose Ready condition is not true.",
              queries: [
                {
                  expr:
                    `count(max by (node) (kube_node_status_condition{${ksm}, condition="Ready", status="true"}) == 0)` +
                    " or vector(0)",
                },
              ],
              unit: UNITS.count,
              thresholds: upperThresholds(1),
              alerts: ["NodeNotReady"],
            }),
            timeseriesPanel(ctx, {
              title: "CPU: allocatable vs requested",
              description: "Allocatable CPU cores of all nodes, and cores requested by scheduled pods.",
              queries: [
                { expr: allocatable("cpu"), legend: "allocatable" },
                { expr: requested("cpu"), legend: "requested" },
              ],
              unit: UNITS.cores,
              min: 0,
            }),
            timeseriesPanel(ctx, {
              title: "Memory: allocatable vs requested",
              description: "Allocatable memory of all nodes, and memory requested by scheduled pods.",
              queries: [
                { expr: allocatable("memory"), legend: "allocatable" },
                { expr: requested("memory"), legend: "requested" },
              ],
              unit: UNITS.bytes,
              min: 0,
            }),
            tablePanel(ctx, {
              title: "Platform Deployments missing replicas",
              description:
                "Replicas each Deployment of the monitoring and control-plane namespaces wants but does not " +
                "have available (0 is healthy).",
              queries: [
                {
                  expr:
                    `max by (namespace, deployment) (kube_deployment_spec_replicas{${ksm}, ${platformNamespaces}})` +
                    ` - max by (namespace, deployment) (kube_deployment_status_replicas_available{${ksm}, ${platformNamespaces}})`,
                },
              ],
              columns: { Value: "Missing replicas" },
              thresholds: upperThresholds(1),
              width: 24,
              alerts: ["PlatformDeploymentReplicasMismatch"],
            }),
          ],
        },
        {
          title: "Nodes",
          panels: [
            timeseriesPanel(ctx, {
              title: "Node CPU utilisation",
              description: "Share of each node's CPU time not idle.",
              queries: [
                {
                  expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{${ne}, mode="idle"}[$__rate_interval]))`,
                  legend: "{{instance}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
            }),
            timeseriesPanel(ctx, {
              title: "Node memory utilisation",
              description: "Share of each node's memory not available to new allocations.",
              queries: [
                {
                  expr:
                    `1 - max by (instance) (node_memory_MemAvailable_bytes{${ne}})` +
                    ` / max by (instance) (node_memory_MemTotal_bytes{${ne}})`,
                  legend: "{{instance}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
              alerts: ["NodeMemoryHighUtilisation", "NodeMemoryPressure"],
            }),
            timeseriesPanel(ctx, {
              title: "Node filesystem usage",
              description: "Used share of each node's writable filesystems.",
              queries: [
                {
                  expr:
                    `1 - max by (instance, mountpoint) (node_filesystem_avail_bytes{${fs}})` +
                    ` / max by (instance, mountpoint) (node_filesystem_size_bytes{${fs}})`,
                  legend: "{{instance}} {{mountpoint}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
              alerts: ["NodeFilesystemAlmostFull", "NodeDiskPressure"],
            }),
            tablePanel(ctx, {
              title: "Node conditions",
              description:
                "Conditions each node reports as true: Ready is healthy; MemoryPressure, DiskPressure and " +
                "PIDPressure mean the kubelet evicts pods.",
              queries: [
                { expr: `max by (node, condition) (kube_node_status_condition{${ksm}, status="true"}) == 1` },
              ],
              columns: { Value: "True" },
              alerts: ["NodeNotReady", "NodeMemoryPressure", "NodeDiskPressure", "NodePIDPressure"],
            }),
          ],
        },
        {
          title: "Storage",
          panels: [
            timeseriesPanel(ctx, {
              title: "Volume usage per PVC",
              description:
                `Used share of each persistent volume. Warns at ${humanizePercentage(t.volumeUsageWarning)}, ` +
                `pages at ${humanizePercentage(t.volumeUsageCritical)}.`,
              queries: [{ expr: volumeUsage, legend: "{{namespace}}/{{persistentvolumeclaim}}" }],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
              thresholds: upperThresholds(t.volumeUsageWarning, t.volumeUsageCritical),
              alerts: ["PersistentVolumeFillingUp", "PersistentVolumeAlmostFull"],
            }),
            timeseriesPanel(ctx, {
              title: "Volume growth per PVC",
              description:
                "Bytes each persistent volume gained over the last hour (negative when it shrank).",
              queries: [
                {
                  expr:
                    "max by (namespace, persistentvolumeclaim) " +
                    `(delta(kubelet_volume_stats_used_bytes{${s.kubelet}}[1h]))`,
                  legend: "{{namespace}}/{{persistentvolumeclaim}}",
                },
              ],
              unit: UNITS.bytes,
              alerts: ["PersistentVolumeFillingUpPredicted"],
            }),
          ],
        },
        {
          title: "PostgreSQL",
          panels: [
            statPanel(ctx, {
              title: "PostgreSQL up",
              description: "Whether postgres_exporter reaches the database.",
              queries: [{ expr: `min(pg_up{${pg}})` }],
              mappings: [
                { value: 0, text: "down", color: "red" },
                { value: 1, text: "up", color: "green" },
              ],
              alerts: ["PostgresDown"],
            }),
            statPanel(ctx, {
              title: "Connections used",
              description:
                "Connections over max_connections. " +
                `Warns above ${humanizePercentage(t.postgresConnectionRatio)}.`,
              queries: [
                {
                  expr:
                    `sum by (instance) (pg_stat_activity_count{${pg}})` +
                    ` / max by (instance) (pg_settings_max_connections{${pg}})`,
                  legend: "{{instance}}",
                },
              ],
              unit: UNITS.ratio,
              thresholds: upperThresholds(t.postgresConnectionRatio),
              alerts: ["PostgresConnectionsNearMax"],
            }),
            statPanel(ctx, {
              title: "Replication lag",
              description: `Replica lag behind the primary. Warns above ${t.postgresReplicationLagSeconds} s.`,
              queries: [
                { expr: `max by (instance) (pg_replication_lag_seconds{${pg}})`, legend: "{{instance}}" },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.postgresReplicationLagSeconds),
              alerts: ["PostgresReplicationLagHigh"],
            }),
            statPanel(ctx, {
              title: "Mean statement time",
              description:
                "Mean execution time of statements over 10 minutes, all databases. " +
                `Warns above ${t.postgresMeanQuerySeconds} s.`,
              queries: [
                {
                  expr:
                    `sum(rate(pg_stat_statements_seconds_total{${pg}}[10m]))` +
                    ` / sum(rate(pg_stat_statements_calls_total{${pg}}[10m]))`,
                },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.postgresMeanQuerySeconds),
              alerts: ["PostgresSlowQueries"],
            }),
            timeseriesPanel(ctx, {
              title: "Connections vs max",
              description: "Connections by state, and max_connections.",
              queries: [
                {
                  expr: `sum by (instance, state) (pg_stat_activity_count{${pg}})`,
                  legend: "{{instance}} {{state}}",
                },
                {
                  expr: `max by (instance) (pg_settings_max_connections{${pg}})`,
                  legend: "{{instance}} max",
                },
              ],
              unit: UNITS.count,
              min: 0,
              alerts: ["PostgresConnectionsNearMax"],
            }),
            timeseriesPanel(ctx, {
              title: "Replication lag",
              description: `Replica lag behind the primary. Warns above ${t.postgresReplicationLagSeconds} s.`,
              queries: [
                { expr: `max by (instance) (pg_replication_lag_seconds{${pg}})`, legend: "{{instance}}" },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.postgresReplicationLagSeconds),
              alerts: ["PostgresReplicationLagHigh"],
            }),
            timeseriesPanel(ctx, {
              title: "Mean statement time by database",
              description:
                "Mean execution time of statements over 10 minutes, the alert's window. " +
                `Warns above ${t.postgresMeanQuerySeconds} s.`,
              queries: [
                {
                  expr:
                    `sum by (datname) (rate(pg_stat_statements_seconds_total{${pg}}[10m]))` +
                    ` / sum by (datname) (rate(pg_stat_statements_calls_total{${pg}}[10m]))`,
                  legend: "{{datname}}",
                },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.postgresMeanQuerySeconds),
              alerts: ["PostgresSlowQueries"],
            }),
            timeseriesPanel(ctx, {
              title: "Database size",
              description: "Size of each database on disk.",
              queries: [{ expr: `max by (datname) (pg_database_size_bytes{${pg}})`, legend: "{{datname}}" }],
              unit: UNITS.bytes,
              min: 0,
              alerts: ["PostgresDatabaseGrowingFast"],
            }),
            tablePanel(ctx, {
              title: "Dead tuples, top 10 tables",
              description:
                `Dead tuples per table; warns above ${t.postgresDeadTuples} with a dead share above 20 %, or ` +
                `when autovacuum has not run for ${t.postgresAutovacuumMaxAgeDays} days.`,
              queries: [
                {
                  expr: `topk(10, max by (datname, schemaname, relname) (pg_stat_user_tables_n_dead_tup{${pg}}))`,
                },
                {
                  expr:
                    "topk(10, time() - max by (datname, schemaname, relname) " +
                    `(pg_stat_user_tables_last_autovacuum{${pg}} != 0))`,
                },
              ],
              columns: { "Value #A": "Dead tuples", "Value #B": "Since autovacuum (s)" },
              alerts: ["PostgresDeadTuplesHigh", "PostgresAutovacuumStale"],
            }),
            timeseriesPanel(ctx, {
              title: "Autovacuum age, top 10 tables",
              description:
                "Time since autovacuum last processed each table. " +
                `Warns after ${t.postgresAutovacuumMaxAgeDays} days on tables with many dead tuples.`,
              queries: [
                {
                  expr:
                    "topk(10, time() - max by (datname, relname) " +
                    `(pg_stat_user_tables_last_autovacuum{${pg}} != 0))`,
                  legend: "{{datname}}.{{relname}}",
                },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.postgresAutovacuumMaxAgeDays * DAY_SECONDS),
              alerts: ["PostgresAutovacuumStale"],
            }),
          ],
        },
        {
          title: "OpenSearch",
          panels: [
            statPanel(ctx, {
              title: "Cluster health",
              description: "The cluster's health colour: yellow warns (replicas unassigned), red pages.",
              queries: [
                {
                  expr: `max by (cluster, color) (elasticsearch_cluster_health_status{${os}}) == 1`,
                  legend: "{{color}}",
                },
              ],
              alerts: ["OpenSearchClusterRed", "OpenSearchClusterYellow"],
            }),
            statPanel(ctx, {
              title: "Unassigned shards",
              description: "Shards not allocated to any node.",
              queries: [{ expr: `max(elasticsearch_cluster_health_unassigned_shards{${os}})` }],
              unit: UNITS.count,
              thresholds: upperThresholds(1),
              alerts: ["OpenSearchUnassignedShards"],
            }),
            statPanel(ctx, {
              title: "Relocating shards",
              description: "Shards moving between nodes (rebalancing or draining a node).",
              queries: [{ expr: `max(elasticsearch_cluster_health_relocating_shards{${os}})` }],
              unit: UNITS.count,
            }),
            statPanel(ctx, {
              title: "Fullest data disk",
              description:
                `Used share of the fullest data node's disk. Warns at ${humanizePercentage(t.opensearchDiskWarning)}, ` +
                `pages at ${humanizePercentage(t.opensearchDiskCritical)}.`,
              queries: [{ expr: `max(${osDisk})` }],
              unit: UNITS.ratio,
              thresholds: upperThresholds(t.opensearchDiskWarning, t.opensearchDiskCritical),
              alerts: ["OpenSearchDiskWatermarkLow", "OpenSearchDiskWatermarkHigh"],
            }),
            timeseriesPanel(ctx, {
              title: "Data disk usage per node",
              description: "Used share of each data node's disk.",
              queries: [{ expr: osDisk, legend: "{{name}}" }],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
              thresholds: upperThresholds(t.opensearchDiskWarning, t.opensearchDiskCritical),
              alerts: ["OpenSearchDiskWatermarkLow", "OpenSearchDiskWatermarkHigh"],
            }),
            timeseriesPanel(ctx, {
              title: "Mean search query time per node",
              description:
                "Query-phase time per search query over 10 minutes, the alert's window. " +
                `Warns above ${t.opensearchMeanQuerySeconds} s.`,
              queries: [
                {
                  expr:
                    `sum by (cluster, name) (rate(elasticsearch_indices_search_query_time_seconds{${os}}[10m]))` +
                    ` / sum by (cluster, name) (rate(elasticsearch_indices_search_query_total{${os}}[10m]))`,
                  legend: "{{name}}",
                },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.opensearchMeanQuerySeconds),
              alerts: ["OpenSearchQueryLatencyHigh"],
            }),
            timeseriesPanel(ctx, {
              title: "Index store size",
              description: "Size of all indices on disk, per node.",
              queries: [
                { expr: `sum by (name) (elasticsearch_indices_store_size_bytes{${os}})`, legend: "{{name}}" },
              ],
              unit: UNITS.bytes,
              min: 0,
            }),
          ],
        },
        {
          title: "Flux",
          panels: [
            statPanel(ctx, {
              title: "Flux objects ready",
              description: "Flux objects (not suspended) by their Ready condition.",
              queries: [
                {
                  expr: `count by (ready) (gotk_resource_info{${s.fluxState}, suspended!="true"})`,
                  legend: "ready={{ready}}",
                },
              ],
              unit: UNITS.count,
              alerts: ["FluxReconciliationFailing"],
            }),
            statPanel(ctx, {
              title: "Flux objects suspended",
              description:
                "Flux objects whose reconciliation is suspended: changes in Git do not reach them.",
              queries: [{ expr: `count(gotk_resource_info{${s.fluxState}, suspended="true"}) or vector(0)` }],
              unit: UNITS.count,
            }),
            tablePanel(ctx, {
              title: "Flux objects not ready",
              description:
                "Flux objects (not suspended) whose Ready condition is not True. Warns after 15 minutes.",
              queries: [
                {
                  expr:
                    "max by (customresource_kind, exported_namespace, name, ready) " +
                    `(gotk_resource_info{${s.fluxState}, ready!="True", suspended!="true"})`,
                },
              ],
              columns: { Value: "Objects" },
              alerts: ["FluxReconciliationFailing"],
            }),
            timeseriesPanel(ctx, {
              title: "Reconcile errors",
              description: "Reconcile errors of each Flux controller over 15 minutes, the alert's window.",
              queries: [
                {
                  expr:
                    "sum by (app, controller) " +
                    `(increase(controller_runtime_reconcile_errors_total{${s.fluxControllers}}[15m]))`,
                  legend: "{{app}} {{controller}}",
                },
              ],
              unit: UNITS.count,
              min: 0,
              alerts: ["FluxReconcileErrors"],
            }),
            timeseriesPanel(ctx, {
              title: "Reconcile duration p99 by kind",
              description: "99th percentile of the time Flux takes to reconcile an object, per kind.",
              queries: [
                {
                  expr:
                    "histogram_quantile(0.99, sum by (kind, le) " +
                    `(rate(gotk_reconcile_duration_seconds_bucket{${s.fluxControllers}}[$__rate_interval])))`,
                  legend: "{{kind}}",
                },
              ],
              unit: UNITS.seconds,
            }),
            logsPanel(ctx, {
              title: "Flux drift corrections",
              description:
                "Flux log lines reporting that it found the cluster changed outside Git and put it back: " +
                "someone or something edits objects Flux owns.",
              expr: `{namespace="${ctx.names.namespaces.flux}"} |= "detected changes in cluster state"`,
              alerts: ["FluxDriftDetected"],
            }),
          ],
        },
      ],
    },
    options,
  );
}
