/**
 * A small, realistic TSDB of the platform, for running every dashboard query against a real
 * Prometheus: the series each exporter and application emits (labels as they really put them,
 * consistent across metrics so joins on `namespace`/`pod` match), written as OpenMetrics text, turned
 * into blocks by `promtool tsdb create-blocks-from openmetrics`, and served by Prometheus from them.
 *
 * Labels come from the stack's {@link RuleContext} names, like the series of the alerts' promtool
 * tests: a renamed job or namespace changes the fixture with the queries.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { RuleContext } from "../../components/alerts/context";
import {
  CONTROL_PLANE_SLI,
  LONG_WINDOWS,
  OBJECTIVES,
  SHORT_WINDOWS,
  TENANT_MONTH,
  controlPlaneErrorRatioRecord,
  tenantErrorRatioRecord,
} from "../../components/slo/sli";
import { TIERS, type Tier } from "../../stacks/config";
import { freePort, sleep, waitFor } from "./servers";

type Labels = Readonly<Record<string, string>>;

/** One series: its value at a Unix time, sampled every `step` seconds over `history` seconds. */
export interface FixtureSeries {
  readonly name: string;
  readonly labels: Labels;
  readonly value: (t: number) => number;
  /** Seconds of history before the end. Defaults to the fixture's window. */
  readonly history?: number;
  /** Seconds between samples. Defaults to the fixture's step. */
  readonly step?: number;
}

export interface FixtureWindow {
  /** Unix seconds of the last sample. */
  readonly end: number;
  /** Seconds of history. */
  readonly duration: number;
  /** Seconds between samples. */
  readonly step: number;
}

/** A tenant of the fixture: its id, tier, and whether its apps just had an OOM kill. */
export interface FixtureTenant {
  readonly id: string;
  readonly tier: Tier;
}

export const FIXTURE_TENANTS: readonly FixtureTenant[] = [
  { id: "acme", tier: "business" },
  { id: "globex", tier: "standard" },
  { id: "initech", tier: "high" },
];

const DAY = 86400;

/** A deterministic number in [0, 1) from a string (FNV-1a): the same fixture every run. */
function unit(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

function key(name: string, labels: Labels): string {
  return `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(",")}}`;
}

/** Collects series; `build` returns them, each once, with an `up` series for every scrape target. */
class FixtureBuilder {
  private readonly series = new Map<string, FixtureSeries>();

  constructor(readonly window: FixtureWindow) {}

  add(s: FixtureSeries): void {
    this.series.set(key(s.name, s.labels), s);
  }

  /** A gauge around `base`, wobbling by `spread` (a share of it) over the hours. */
  gauge(name: string, labels: Labels, base: number, spread = 0.05): void {
    const phase = unit(key(name, labels)) * 2 * Math.PI;
    this.add({ name, labels, value: (t) => base * (1 + spread * Math.sin(t / 1800 + phase)) });
  }

  /** A gauge with exactly this value. */
  constant(name: string, labels: Labels, value: number): void {
    this.add({ name, labels, value: () => value });
  }

  /** A counter increasing by about `perSecond`, from a value it already had at the start. */
  counter(name: string, labels: Labels, perSecond: number): void {
    const origin = this.window.end - this.window.duration - 3600 * (1 + unit(key(name, labels)));
    this.add({ name, labels, value: (t) => Math.round(perSecond * (t - origin) * 1000) / 1000 });
  }

  /**
   * A Prometheus histogram of `perSecond` observations, `below(le)` of them at most `le` seconds:
   * `_bucket` per bound (with `+Inf`), `_count` and `_sum`.
   */
  histogram(
    base: string,
    labels: Labels,
    perSecond: number,
    bounds: readonly number[],
    below: (le: number) => number,
    mean: number,
  ): void {
    for (const le of bounds)
      this.counter(`${base}_bucket`, { ...labels, le: String(le) }, perSecond * below(le));
    this.counter(`${base}_bucket`, { ...labels, le: "+Inf" }, perSecond);
    this.counter(`${base}_count`, labels, perSecond);
    this.counter(`${base}_sum`, labels, perSecond * mean);
  }

  build(): FixtureSeries[] {
    const targets = new Map<string, Labels>();
    for (const s of this.series.values()) {
      const { job, instance, namespace, pod } = s.labels;
      if (job === undefined || instance === undefined) continue;
      const target: Record<string, string> = { job, instance };
      if (namespace !== undefined) target.namespace = namespace;
      if (pod !== undefined) target.pod = pod;
      if (s.labels.metrics_path !== undefined) target.metrics_path = s.labels.metrics_path;
      targets.set(key("up", target), target);
    }
    for (const target of targets.values()) {
      if (!this.series.has(key("up", target))) this.constant("up", target, 1);
    }
    return [...this.series.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Every series the dashboards of a stack read, for the window given. */
export function platformSeries(
  ctx: RuleContext,
  window: FixtureWindow,
  tenants: readonly FixtureTenant[] = FIXTURE_TENANTS,
): FixtureSeries[] {
  const f = new FixtureBuilder(window);
  const { jobs, namespaces } = ctx.names;
  const tenantNs = (id: string) => `${ctx.tenantPrefix}${id}`;
  const ksm = { job: jobs.kubeStateMetrics, instance: "10.0.3.12:8080" };
  const cadvisor = (node: string) => ({
    job: jobs.kubelet,
    metrics_path: "/metrics/cadvisor",
    instance: node,
    node,
  });
  const nodes = ["10.0.1.11", "10.0.1.12", "10.0.1.13"].map((ip) => ({
    name: `ip-${ip.replace(/\./g, "-")}.eu-central-1.compute.internal`,
    ip,
  }));
  const nodeOf = (pod: string) => nodes[Math.floor(unit(pod) * nodes.length)];

  /** A pod as kube-state-metrics and cAdvisor see it: phase, containers, requests, limits, usage. */
  const pod = (
    namespace: string,
    name: string,
    containers: readonly { name: string; cpu: number; memory: number; limits?: boolean }[],
  ) => {
    const node = nodeOf(name);
    f.constant("kube_pod_status_phase", { ...ksm, namespace, pod: name, phase: "Running" }, 1);
    f.constant("kube_pod_status_phase", { ...ksm, namespace, pod: name, phase: "Pending" }, 0);
    f.constant("kube_pod_info", { ...ksm, namespace, pod: name, node: node.name }, 1);
    for (const c of containers) {
      const labels = { namespace, pod: name, container: c.name };
      f.constant(
        "kube_pod_container_resource_requests",
        { ...ksm, ...labels, node: node.name, resource: "cpu", unit: "core" },
        c.cpu,
      );
      f.constant(
        "kube_pod_container_resource_requests",
        { ...ksm, ...labels, node: node.name, resource: "memory", unit: "byte" },
        c.memory,
      );
      if (c.limits) {
        f.constant(
          "kube_pod_container_resource_limits",
          { ...ksm, ...labels, node: node.name, resource: "cpu", unit: "core" },
          c.cpu * 2,
        );
        f.constant(
          "kube_pod_container_resource_limits",
          { ...ksm, ...labels, node: node.name, resource: "memory", unit: "byte" },
          c.memory,
        );
      }
      f.constant("kube_pod_container_status_ready", { ...ksm, ...labels }, 1);
      f.counter("kube_pod_container_status_restarts_total", { ...ksm, ...labels }, 0);
      const cad = { ...cadvisor(node.ip), ...labels, image: `registry.cameleer.io/${c.name}:1.0` };
      f.counter("container_cpu_usage_seconds_total", cad, c.cpu * 0.6);
      f.gauge("container_memory_working_set_bytes", cad, c.memory * 0.7);
      f.counter("container_oom_events_total", cad, 0);
    }
    // cAdvisor's pod-level cgroup, which panels must not count twice.
    f.gauge(
      "container_memory_working_set_bytes",
      { ...cadvisor(node.ip), namespace, pod: name, container: "" },
      1,
    );
  };
  const deployment = (namespace: string, name: string, spec: number, available = spec) => {
    f.constant("kube_deployment_spec_replicas", { ...ksm, namespace, deployment: name }, spec);
    f.constant(
      "kube_deployment_status_replicas_available",
      { ...ksm, namespace, deployment: name },
      available,
    );
  };

  // Spring Boot / Micrometer, as both applications expose it.
  const springBoot = (
    target: Labels,
    routes: readonly { method: string; uri: string; rps: number }[],
    serverErrorShare: number,
  ) => {
    const buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    for (const r of routes) {
      for (const [status, outcome, share] of [
        ["200", "SUCCESS", 0.98 - serverErrorShare],
        ["404", "CLIENT_ERROR", 0.02],
        ["500", "SERVER_ERROR", serverErrorShare],
      ] as const) {
        const labels = {
          ...target,
          method: r.method,
          uri: r.uri,
          status,
          outcome,
          exception: status === "500" ? "SQLTransientConnectionException" : "none",
        };
        f.histogram(
          "http_server_requests_seconds",
          labels,
          r.rps * share,
          buckets,
          (le) => 1 - Math.exp(-le / 0.12),
          0.12,
        );
      }
    }
    for (const [id, used, max] of [
      ["G1 Eden Space", 300e6, -1],
      ["G1 Old Gen", 900e6, 2e9],
      ["G1 Survivor Space", 20e6, -1],
    ] as const) {
      f.gauge("jvm_memory_used_bytes", { ...target, area: "heap", id }, used, 0.2);
      f.constant("jvm_memory_max_bytes", { ...target, area: "heap", id }, max);
    }
    f.gauge("jvm_memory_used_bytes", { ...target, area: "nonheap", id: "Metaspace" }, 150e6, 0.01);
    f.constant("jvm_memory_max_bytes", { ...target, area: "nonheap", id: "Metaspace" }, -1);
    for (const [action, cause, rate] of [
      ["end of minor GC", "G1 Evacuation Pause", 0.01],
      ["end of major GC", "G1 Compaction Pause", 0.001],
    ] as const) {
      const labels = { ...target, action, cause };
      f.counter("jvm_gc_pause_seconds_count", labels, rate * 20);
      f.counter("jvm_gc_pause_seconds_sum", labels, rate);
      f.gauge("jvm_gc_pause_seconds_max", labels, rate * 5, 0.5);
    }
    f.gauge("jvm_threads_live_threads", target, 85, 0.1);
    f.gauge("process_cpu_usage", target, 0.25, 0.5);
    f.add({
      name: "process_uptime_seconds",
      labels: target,
      value: (t) => t - (window.end - window.duration - 5 * DAY),
    });
    f.constant(
      "application_ready_time_seconds",
      { ...target, main_application_class: "io.cameleer.Application" },
      21.4,
    );
    const pool = { ...target, pool: "HikariPool-1" };
    f.gauge("hikaricp_connections_active", pool, 6, 0.5);
    f.gauge("hikaricp_connections_idle", pool, 4, 0.5);
    f.constant("hikaricp_connections_pending", pool, 0);
    f.constant("hikaricp_connections_max", pool, 20);
    f.constant("hikaricp_connections_min", pool, 10);
    f.counter("hikaricp_connections_timeout_total", pool, 0);
    f.gauge("tomcat_sessions_active_current_sessions", target, 40, 0.3);
  };

  // Control plane: two replicas, each reporting the platform's business gauges.
  const controlPlanePods = [0, 1].map((n) => ({
    job: jobs.controlPlane,
    namespace: namespaces.controlPlane,
    pod: `${jobs.controlPlane}-${n}`,
    instance: `10.0.1.${20 + n}:8081`,
  }));
  for (const cp of controlPlanePods) {
    springBoot(
      cp,
      [
        { method: "GET", uri: "/api/v1/tenants", rps: 4 },
        { method: "POST", uri: "/api/v1/tenants", rps: 0.2 },
        { method: "GET", uri: "/api/v1/tenants/{id}/usage", rps: 1.5 },
      ],
      0.01,
    );
    for (const tier of TIERS) {
      f.constant(
        "cameleer_tenants",
        { ...cp, tier, state: "active" },
        tier === "standard" ? 42 : tier === "business" ? 17 : 5,
      );
      f.constant("cameleer_tenants", { ...cp, tier, state: "suspended" }, tier === "standard" ? 3 : 1);
      f.constant("cameleer_tenants", { ...cp, tier, state: "provisioning" }, tier === "high" ? 0 : 1);
      f.counter("cameleer_provisioning_requests_total", { ...cp, outcome: "success", tier }, 0.002);
      f.counter("cameleer_provisioning_requests_total", { ...cp, outcome: "failure", tier }, 0.0001);
    }
    for (const outcome of ["success", "failure"]) {
      f.histogram(
        "cameleer_provisioning_duration_seconds",
        { ...cp, outcome },
        outcome === "success" ? 0.006 : 0.0003,
        [30, 60, 120, 300, 600, 1200],
        (le) => 1 - Math.exp(-le / 90),
        90,
      );
    }
    f.gauge("cameleer_provisioning_queue_depth", cp, 3, 0.9);
    for (const t of tenants)
      f.gauge("cameleer_active_agents", { ...cp, tenant: t.id }, 4 + 10 * unit(t.id), 0.2);
    for (const [reason, rate] of [
      ["bad_credentials", 0.05],
      ["expired_token", 0.02],
      ["invalid_signature", 0.001],
    ] as const) {
      f.counter("cameleer_auth_failures_total", { ...cp, reason }, rate);
    }
    for (const [action, outcome, rate] of [
      ["login", "success", 0.3],
      ["login", "failure", 0.05],
      ["tenant.create", "success", 0.002],
      ["api_key.revoke", "success", 0.0005],
    ] as const) {
      f.counter("cameleer_audit_events_total", { ...cp, action, outcome }, rate);
    }
    f.constant(
      "cameleer_jwt_signing_key_expiry_timestamp_seconds",
      { ...cp, kid: "2026-11" },
      window.end + 40 * DAY,
    );
    f.constant(
      "cameleer_jwt_signing_key_expiry_timestamp_seconds",
      { ...cp, kid: "2026-08" },
      window.end + 10 * DAY,
    );
    for (const eventType of ["invoice.paid", "invoice.payment_failed", "customer.subscription.updated"]) {
      f.counter(
        "cameleer_stripe_webhook_deliveries_total",
        { ...cp, outcome: "success", event_type: eventType },
        0.05,
      );
      f.counter(
        "cameleer_stripe_webhook_deliveries_total",
        { ...cp, outcome: "failure", event_type: eventType },
        0.001,
      );
    }
    // Metering runs every 5 minutes and records its own time.
    f.add({
      name: "cameleer_metering_last_success_timestamp_seconds",
      labels: cp,
      value: (t) => Math.floor(t / 300) * 300,
    });
    f.gauge("cameleer_usage_report_lag_seconds", cp, 900, 0.5);
    for (const [currency, mrr] of [
      ["EUR", 184_000],
      ["USD", 96_500],
      ["GBP", 21_300],
    ] as const) {
      // A day and more of history, for the day-over-day change.
      f.add({
        name: "cameleer_billing_mrr",
        labels: { ...cp, currency },
        value: (t) => Math.round(mrr * (1 + (t - window.end) / (400 * DAY))),
        history: DAY + 2 * 3600,
        step: 60,
      });
    }
  }
  deployment(namespaces.controlPlane, jobs.controlPlane, 2);
  for (const cp of controlPlanePods)
    pod(cp.namespace, cp.pod, [{ name: jobs.controlPlane, cpu: 1, memory: 2 ** 31 }]);

  // Tenants: a namespace each, with its labels, its server and a Camel app.
  for (const [i, t] of tenants.entries()) {
    const namespace = tenantNs(t.id);
    f.constant(
      "kube_namespace_labels",
      { ...ksm, namespace, label_cameleer_io_tenant: t.id, label_cameleer_io_tier: t.tier },
      1,
    );
    const serverPod = `${jobs.tenantServer}-6f7c9d8b5-${["x7k2p", "m4q9z", "q2w8r"][i]}`;
    const appPod = `order-routes-7b9c5d6f4-${["q8w2n", "z5t1k", "h3j6m"][i]}`;
    const server = {
      job: jobs.tenantServer,
      namespace,
      tenant: t.id,
      pod: serverPod,
      instance: `10.2.${i}.17:8081`,
    };
    springBoot(
      server,
      [
        { method: "POST", uri: "/api/v1/ingest", rps: 3 + i },
        { method: "GET", uri: "/api/v1/routes/{id}", rps: 0.8 },
      ],
      // Well inside every tier's SLO: the error-budget panel has budget left.
      0.0003,
    );
    for (const [kind, n] of [
      ["agent", 6],
      ["ui", 3],
      ["api", 2],
    ] as const) {
      f.gauge("cameleer3_server_connections", { ...server, kind }, n + i, 0.3);
    }
    f.counter("cameleer3_server_ingest_events_total", { ...server, outcome: "success" }, 120 * (i + 1));
    f.counter("cameleer3_server_ingest_events_total", { ...server, outcome: "failure" }, 0.5);
    deployment(namespace, jobs.tenantServer, 1);
    // The second tenant scaled its Camel app to two replicas; the new one fits on no node (below).
    const appScaledUp = t.id === tenants[1].id;
    deployment(namespace, "order-routes", appScaledUp ? 2 : 1, 1);
    pod(namespace, serverPod, [{ name: jobs.tenantServer, cpu: 0.5, memory: 2 ** 30, limits: true }]);
    pod(namespace, appPod, [{ name: "order-routes", cpu: 0.25, memory: 2 ** 29, limits: true }]);
    if (t.id === tenants[0].id) {
      // The first tenant's Camel app was OOM-killed and restarted: the panels that show it have rows.
      const app = { ...ksm, namespace, pod: appPod, container: "order-routes" };
      f.constant("kube_pod_container_status_last_terminated_reason", { ...app, reason: "OOMKilled" }, 1);
      f.counter("kube_pod_container_status_restarts_total", app, 1 / 3600);
      f.counter(
        "container_oom_events_total",
        {
          ...cadvisor(nodeOf(appPod).ip),
          namespace,
          pod: appPod,
          container: "order-routes",
          image: "registry.cameleer.io/order-routes:1.0",
        },
        1 / 3600,
      );
    }
    if (appScaledUp) {
      // Pending and unschedulable for the last 40 minutes: no node, so kube-state-metrics' empty
      // `node` label is dropped, and no container has a status yet. Requests and limits are the
      // spec's, as on the running replica.
      const pending = { ...ksm, namespace, pod: "order-routes-7b9c5d6f4-v6n4c" };
      const since = (name: string, labels: Labels, value: number) =>
        f.add({ name, labels, value: () => value, history: 40 * 60 });
      since("kube_pod_status_phase", { ...pending, phase: "Pending" }, 1);
      since("kube_pod_status_phase", { ...pending, phase: "Running" }, 0);
      since("kube_pod_status_unschedulable", pending, 1);
      since("kube_pod_info", pending, 1);
      const container = { ...pending, container: "order-routes" };
      for (const [kind, cpu] of [
        ["requests", 0.25],
        ["limits", 0.5],
      ] as const) {
        const metric = `kube_pod_container_resource_${kind}`;
        since(metric, { ...container, resource: "cpu", unit: "core" }, cpu);
        since(metric, { ...container, resource: "memory", unit: "byte" }, 2 ** 29);
      }
    }
    for (const [resource, hard, used] of [
      ["requests.cpu", 8, 2.5 + i],
      ["requests.memory", 16 * 2 ** 30, 5 * 2 ** 30],
      ["pods", 40, 6 + i],
    ] as const) {
      const labels = { ...ksm, namespace, resourcequota: "tenant-quota", resource };
      f.constant("kube_resourcequota", { ...labels, type: "hard" }, hard);
      f.constant("kube_resourcequota", { ...labels, type: "used" }, used);
    }
    // The isolation canary's probe into this tenant is blocked, as it must be.
    f.constant(
      "probe_success",
      {
        job: jobs.isolationCanary,
        namespace,
        source_namespace: jobs.isolationCanary,
        instance: `${jobs.tenantServer}.${namespace}.svc:8080`,
      },
      0,
    );
  }
  for (const ns of [
    namespaces.monitoring,
    namespaces.controlPlane,
    namespaces.flux,
    namespaces.certManager,
  ]) {
    f.constant("kube_namespace_labels", { ...ksm, namespace: ns }, 1);
  }

  // Platform Deployments the replica check covers.
  deployment(namespaces.monitoring, jobs.grafana, 2);
  deployment(namespaces.monitoring, `${jobs.lokiPrefix}-gateway`, 2, 1);

  // Nodes: allocatable, conditions, node-exporter.
  for (const node of nodes) {
    const n = { ...ksm, node: node.name };
    f.constant("kube_node_status_allocatable", { ...n, resource: "cpu", unit: "core" }, 7.91);
    f.constant("kube_node_status_allocatable", { ...n, resource: "memory", unit: "byte" }, 30 * 2 ** 30);
    f.constant("kube_node_status_allocatable", { ...n, resource: "pods", unit: "integer" }, 110);
    for (const condition of ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]) {
      const healthy = condition === "Ready" ? "true" : "false";
      for (const status of ["true", "false", "unknown"]) {
        f.constant("kube_node_status_condition", { ...n, condition, status }, status === healthy ? 1 : 0);
      }
    }
    const ne = { job: jobs.nodeExporter, instance: `${node.ip}:9100` };
    for (const cpu of ["0", "1", "2", "3"]) {
      f.counter("node_cpu_seconds_total", { ...ne, cpu, mode: "idle" }, 0.55 + 0.3 * unit(node.ip + cpu));
      f.counter("node_cpu_seconds_total", { ...ne, cpu, mode: "user" }, 0.3);
      f.counter("node_cpu_seconds_total", { ...ne, cpu, mode: "system" }, 0.08);
    }
    f.constant("node_memory_MemTotal_bytes", ne, 32 * 2 ** 30);
    f.gauge("node_memory_MemAvailable_bytes", ne, 12 * 2 ** 30, 0.2);
    for (const [device, fstype, mountpoint, size] of [
      ["/dev/nvme0n1p1", "xfs", "/", 80 * 2 ** 30],
      ["tmpfs", "tmpfs", "/run", 16 * 2 ** 30],
    ] as const) {
      const fsLabels = { ...ne, device, fstype, mountpoint };
      f.constant("node_filesystem_size_bytes", fsLabels, size);
      f.gauge("node_filesystem_avail_bytes", fsLabels, size * 0.45, 0.05);
      f.constant("node_filesystem_readonly", fsLabels, 0);
    }
  }

  // Persistent volumes, growing.
  const kubelet = (node: (typeof nodes)[number]) => ({
    job: jobs.kubelet,
    metrics_path: "/metrics",
    instance: node.ip,
    node: node.name,
  });
  for (const [i, [namespace, pvc, capacity]] of (
    [
      [
        namespaces.monitoring,
        `prometheus-${jobs.prometheus}-db-prometheus-${jobs.prometheus}-0`,
        200 * 2 ** 30,
      ],
      [namespaces.monitoring, `storage-${jobs.alertmanager}-0`, 10 * 2 ** 30],
      [namespaces.monitoring, jobs.grafana, 10 * 2 ** 30],
    ] as const
  ).entries()) {
    const labels = { ...kubelet(nodes[i % nodes.length]), namespace, persistentvolumeclaim: pvc };
    const used = (t: number) => capacity * (0.4 + 0.1 * i) + (capacity / 1e4) * ((t - window.end) / 3600);
    f.constant("kubelet_volume_stats_capacity_bytes", labels, capacity);
    f.add({ name: "kubelet_volume_stats_used_bytes", labels, value: (t) => Math.round(used(t)) });
    f.add({
      name: "kubelet_volume_stats_available_bytes",
      labels,
      value: (t) => Math.round(capacity - used(t)),
    });
  }

  // PostgreSQL through postgres_exporter.
  const pg = { job: jobs.postgres, instance: "10.0.7.5:9187", server: "cameleer-db.cameleer-system:5432" };
  f.constant("pg_up", pg, 1);
  f.constant("pg_settings_max_connections", pg, 200);
  f.constant("pg_replication_lag_seconds", pg, 0.8);
  for (const datname of ["cameleer", "billing"]) {
    for (const [state, n] of [
      ["active", 12],
      ["idle", 30],
      ["idle in transaction", 1],
    ] as const) {
      f.gauge("pg_stat_activity_count", { ...pg, datname, state }, n, 0.3);
    }
    f.add({
      name: "pg_database_size_bytes",
      labels: { ...pg, datname },
      value: (t) =>
        Math.round((datname === "cameleer" ? 42e9 : 3e9) + 1e5 * (t - window.end + window.duration)),
    });
    const calls = {
      ...pg,
      datname,
      queryid: datname === "cameleer" ? "-4812837349423402346" : "7719925317731425016",
      user: "cameleer",
    };
    f.counter("pg_stat_statements_calls_total", calls, 40);
    f.counter("pg_stat_statements_seconds_total", calls, 40 * 0.004);
    for (const relname of ["tenants", "usage_records", "audit_log"]) {
      const table = { ...pg, datname, schemaname: "public", relname };
      f.gauge("pg_stat_user_tables_n_dead_tup", table, 1000 + 50_000 * unit(datname + relname), 0.3);
      f.gauge("pg_stat_user_tables_n_live_tup", table, 2e6 * unit(relname + datname) + 1000, 0.01);
      f.constant("pg_stat_user_tables_last_autovacuum", table, window.end - 3600 * (1 + 30 * unit(relname)));
    }
  }

  // OpenSearch through elasticsearch_exporter.
  const cluster = "cameleer-observability";
  const es = { job: jobs.opensearch, instance: "10.0.7.9:9114", cluster };
  for (const color of ["green", "yellow", "red"]) {
    f.constant("elasticsearch_cluster_health_status", { ...es, color }, color === "green" ? 1 : 0);
  }
  f.constant("elasticsearch_cluster_health_unassigned_shards", es, 0);
  f.constant("elasticsearch_cluster_health_relocating_shards", es, 0);
  f.constant("elasticsearch_cluster_health_number_of_nodes", es, 3);
  for (const [i, name] of ["opensearch-data-0", "opensearch-data-1", "opensearch-data-2"].entries()) {
    const node = { ...es, name, host: `10.0.5.${11 + i}`, es_data_node: "true" };
    f.constant("elasticsearch_filesystem_data_size_bytes", node, 500 * 2 ** 30);
    f.gauge("elasticsearch_filesystem_data_available_bytes", node, (500 - 180 - 40 * i) * 2 ** 30, 0.01);
    f.gauge("elasticsearch_indices_store_size_bytes", node, (170 + 40 * i) * 2 ** 30, 0.01);
    f.counter("elasticsearch_indices_search_query_total", node, 25);
    f.counter("elasticsearch_indices_search_query_time_seconds", node, 25 * 0.03);
  }

  // Blackbox probes of the control plane and the public endpoints.
  const blackbox = { job: jobs.blackbox };
  for (const probe of ["liveness", "readiness"]) {
    const labels = {
      ...blackbox,
      probe,
      service: jobs.controlPlane,
      instance: `http://${jobs.controlPlane}.${namespaces.controlPlane}.svc.cluster.local:8081/actuator/health/${probe}`,
    };
    f.constant("probe_success", labels, 1);
    f.gauge("probe_duration_seconds", labels, 0.02, 0.3);
    f.constant("probe_http_status_code", labels, 200);
  }
  for (const [target, url] of [
    ["app", "https://app.cameleer.io"],
    ["api", "https://api.cameleer.io/health"],
  ] as const) {
    const labels = { ...blackbox, probe: "public", target, instance: url };
    f.constant("probe_success", labels, 1);
    f.gauge("probe_duration_seconds", labels, 0.12, 0.3);
    f.constant("probe_http_status_code", labels, 200);
    f.constant("probe_ssl_earliest_cert_expiry", labels, window.end + 61 * DAY + 3600 * unit(target));
  }

  // cert-manager's certificates.
  const certManager = {
    job: "cert-manager",
    namespace: namespaces.certManager,
    pod: "cert-manager-6b8d4f7c5-z9w3t",
    instance: "10.0.6.31:9402",
  };
  for (const [ns, name, days] of [
    [namespaces.controlPlane, "app-cameleer-io-tls", 52],
    [namespaces.controlPlane, "api-cameleer-io-tls", 9],
    [namespaces.monitoring, "grafana-tls", 75],
  ] as const) {
    const cert = {
      ...certManager,
      exported_namespace: ns,
      name,
      issuer_name: "letsencrypt-prod",
      issuer_kind: "ClusterIssuer",
      issuer_group: "cert-manager.io",
    };
    f.constant("certmanager_certificate_expiration_timestamp_seconds", cert, window.end + days * DAY);
    for (const condition of ["True", "False", "Unknown"]) {
      f.constant(
        "certmanager_certificate_ready_status",
        { ...cert, condition },
        condition === "True" ? 1 : 0,
      );
    }
  }

  // Flux: object state through kube-state-metrics' custom-resource metrics, and the controllers.
  const fluxState = { job: jobs.fluxState, namespace: namespaces.monitoring, instance: "10.0.4.52:8080" };
  for (const [kind, ns, name, ready, suspended] of [
    ["Kustomization", namespaces.flux, "flux-system", "True", "false"],
    ["Kustomization", namespaces.flux, "tenants", "True", undefined],
    ["HelmRelease", namespaces.controlPlane, jobs.controlPlane, "True", "false"],
    ["HelmRelease", namespaces.monitoring, "opensearch-dashboards", "False", "false"],
    ["HelmRelease", namespaces.monitoring, "legacy-exporter", "False", "true"],
  ] as const) {
    f.constant(
      "gotk_resource_info",
      {
        ...fluxState,
        customresource_kind: kind,
        customresource_group:
          kind === "Kustomization" ? "kustomize.toolkit.fluxcd.io" : "helm.toolkit.fluxcd.io",
        exported_namespace: ns,
        name,
        ready,
        ...(suspended === undefined ? {} : { suspended }),
      },
      1,
    );
  }
  for (const [app, controller, kind] of [
    ["kustomize-controller", "kustomization", "Kustomization"],
    ["helm-controller", "helmrelease", "HelmRelease"],
    ["source-controller", "gitrepository", "GitRepository"],
  ] as const) {
    const target = {
      job: `${namespaces.monitoring}/platform-controllers-flux`,
      namespace: namespaces.flux,
      pod: `${app}-5c8f7d6b9-h4k2n`,
      instance: `10.0.6.${14 + app.length}:8080`,
      app,
    };
    f.counter(
      "controller_runtime_reconcile_errors_total",
      { ...target, controller },
      app === "helm-controller" ? 0.002 : 0,
    );
    f.histogram(
      "gotk_reconcile_duration_seconds",
      { ...target, kind, name: "flux-system", exported_namespace: namespaces.flux },
      0.1,
      [0.1, 0.5, 1, 5, 10, 30, 60],
      (le) => 1 - Math.exp(-le / 2),
      2,
    );
  }

  // The monitoring stack itself.
  const monitoringPod = (job: string, podName: string, n: number, port: number) => ({
    job,
    namespace: namespaces.monitoring,
    pod: podName,
    instance: `10.0.2.${10 + n}:${port}`,
  });
  for (let n = 0; n < Math.max(ctx.prometheusReplicas, 2); n++) {
    const p = {
      ...monitoringPod(jobs.prometheus, `prometheus-${jobs.prometheus}-${n}`, n, 9090),
      endpoint: "http-web",
    };
    for (const group of ["control-plane.rules", "tenants.rules", "monitoring.rules"]) {
      f.counter("prometheus_rule_evaluation_failures_total", { ...p, rule_group: group }, 0);
      f.gauge("prometheus_rule_group_last_duration_seconds", { ...p, rule_group: group }, 0.04, 0.5);
    }
    for (const quantile of ["0.5", "0.9", "0.99"]) {
      f.gauge(
        "prometheus_rule_evaluation_duration_seconds",
        { ...p, quantile },
        0.002 * Number(quantile) * 4,
        0.3,
      );
    }
    f.gauge("prometheus_tsdb_head_series", p, 1.2e6, 0.05);
    f.gauge("prometheus_tsdb_wal_storage_size_bytes", p, 2.1e9, 0.2);
    f.counter("prometheus_tsdb_compactions_failed_total", p, 0);
    f.counter("prometheus_tsdb_reloads_failures_total", p, 0);
    f.counter("prometheus_tsdb_wal_corruptions_total", p, 0);
    f.constant("prometheus_config_last_reload_successful", p, 1);
    f.constant("prometheus_notifications_alertmanagers_discovered", p, ctx.alertmanagerReplicas);
    f.gauge("prometheus_notifications_queue_length", p, 2, 1);
    for (let a = 0; a < ctx.alertmanagerReplicas; a++) {
      const am = { ...p, alertmanager: `http://10.0.2.${40 + a}:9093/api/v2/alerts` };
      f.counter("prometheus_notifications_sent_total", am, 0.2);
      f.counter("prometheus_notifications_errors_total", am, 0);
    }
  }
  for (let n = 0; n < ctx.alertmanagerReplicas; n++) {
    const am = monitoringPod(jobs.alertmanager, `alertmanager-${jobs.alertmanager}-${n}`, 40 + n, 9093);
    f.constant("alertmanager_cluster_members", am, ctx.alertmanagerReplicas);
    f.constant("alertmanager_config_last_reload_successful", am, 1);
    for (const integration of ["slack", "pagerduty", "webhook"]) {
      f.counter("alertmanager_notifications_total", { ...am, integration }, 0.01);
      f.counter("alertmanager_notifications_failed_total", { ...am, integration, reason: "other" }, 0);
    }
  }
  for (const [n, component] of ["write", "read", "backend"].entries()) {
    const loki = monitoringPod(
      `${namespaces.monitoring}/${jobs.lokiPrefix}-${component}`,
      `${jobs.lokiPrefix}-${component}-0`,
      60 + n,
      3100,
    );
    const routes =
      component === "write"
        ? ["loki_api_v1_push"]
        : component === "read"
          ? ["loki_api_v1_query_range"]
          : ["ready"];
    for (const route of routes) {
      f.counter(
        "loki_request_duration_seconds_count",
        { ...loki, route, method: "POST", status_code: "204", ws: "false" },
        5,
      );
      f.counter(
        "loki_request_duration_seconds_count",
        { ...loki, route, method: "POST", status_code: "500", ws: "false" },
        0.01,
      );
    }
    if (component === "write") {
      f.counter("loki_distributor_lines_received_total", { ...loki, tenant: "fake" }, 800);
      f.counter("loki_distributor_bytes_received_total", { ...loki, tenant: "fake" }, 800 * 240);
    }
  }
  for (let n = 0; n < 2; n++) {
    const grafana = monitoringPod(jobs.grafana, `${jobs.grafana}-6c9d7f-${n}`, 80 + n, 3000);
    for (const [handler, status, rate] of [
      ["/api/ds/query", "200", 2],
      ["/api/dashboards/uid/:uid", "200", 0.2],
      ["/api/ds/query", "500", 0.01],
    ] as const) {
      f.counter(
        "grafana_http_request_duration_seconds_count",
        { ...grafana, handler, method: "GET", status_code: status },
        rate,
      );
    }
  }

  // Alerts firing, as Prometheus records them.
  const firing: Labels[] = [
    { alertname: "Watchdog", severity: "info", area: "monitoring" },
    {
      alertname: "TenantPodOOMKilled",
      severity: "warning",
      area: "tenants",
      namespace: tenantNs(tenants[0].id),
      tenant: tenants[0].id,
    },
    { alertname: "FluxReconciliationFailing", severity: "warning", area: "shared-services" },
  ];
  for (const alert of firing) {
    f.constant("ALERTS", { ...alert, alertstate: "firing" }, 1);
  }

  // What the SLO rules record: objectives from the config, and each tenant's SLI. acme (business, the first tenant the dashboards pick) had
  // an outage this month: below its SLA, budget spent, still burning; the others are within budget.
  for (const tier of TIERS) {
    f.constant(OBJECTIVES.tierSlo, { tier }, ctx.tiers[tier].slo);
    f.constant(OBJECTIVES.tierSla, { tier }, ctx.tiers[tier].sla);
  }
  const monthElapsed = 0.5;
  for (const t of tenants) {
    const tenant = { namespace: tenantNs(t.id), tenant: t.id };
    const { slo, sla } = ctx.tiers[t.tier];
    f.constant(OBJECTIVES.tenantSlo, { ...tenant, tier: t.tier }, slo);
    f.constant(OBJECTIVES.tenantSla, { ...tenant, tier: t.tier }, sla);
    const errorRatio = t.id === "acme" ? 0.02 : (1 - slo) * 0.3 * (1 + unit(t.id));
    for (const w of [...SHORT_WINDOWS, ...LONG_WINDOWS]) {
      f.gauge(tenantErrorRatioRecord(w), tenant, errorRatio, 0.2);
    }
    const availability = t.id === "acme" ? sla - 0.0005 : 1 - (1 - slo) * 0.4;
    f.gauge(TENANT_MONTH.availability, tenant, availability, 0.00001);
    f.gauge(
      TENANT_MONTH.budgetRemaining,
      { ...tenant, tier: t.tier },
      1 - ((1 - availability) * monthElapsed) / (1 - slo),
      0.01,
    );
  }
  for (const w of [...SHORT_WINDOWS, ...LONG_WINDOWS]) {
    f.gauge(
      controlPlaneErrorRatioRecord("availability", w),
      {},
      (1 - ctx.slo.controlPlane.availability) * 0.5,
      0.3,
    );
    f.gauge(controlPlaneErrorRatioRecord("latency", w), {}, (1 - ctx.slo.controlPlane.latency) * 0.7, 0.3);
  }
  f.constant(CONTROL_PLANE_SLI.down, {}, 0);

  // Exporters' own scrape targets, so `up` covers every job.
  f.constant("up", ksm, 1);
  return f.build();
}

/** OpenMetrics lines of the series, sampled over the window (what promtool's backfill reads). */
export function* openMetricsLines(series: Iterable<FixtureSeries>, window: FixtureWindow): Generator<string> {
  const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  for (const s of series) {
    const labels = Object.keys(s.labels)
      .sort()
      .map((k) => `${k}="${escape(s.labels[k])}"`)
      .join(",");
    const step = s.step ?? window.step;
    const history = s.history ?? window.duration;
    for (let t = window.end - Math.floor(history / step) * step; t <= window.end; t += step) {
      const v = s.value(t);
      if (!Number.isFinite(v)) throw new Error(`fixture series ${s.name}{${labels}} is not finite at ${t}`);
      yield `${s.name}{${labels}} ${v} ${t}`;
    }
  }
}

/** OpenMetrics text of the series, sampled over the window, `# EOF` last. */
export function openMetrics(series: readonly FixtureSeries[], window: FixtureWindow): string {
  return [...openMetricsLines(series, window), "# EOF", ""].join("\n");
}

/**
 * Writes OpenMetrics lines to a file as they come, `# EOF` last: fixtures of thousands of tenants are
 * larger than a JavaScript string may be.
 */
export async function writeOpenMetrics(file: string, lines: Iterable<string>): Promise<number> {
  const out = fs.createWriteStream(file);
  let count = 0;
  let chunk: string[] = [];
  const flush = async () => {
    if (!out.write(chunk.join("\n") + "\n"))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    chunk = [];
  };
  for (const line of lines) {
    chunk.push(line);
    count++;
    if (chunk.length >= 10_000) await flush();
  }
  chunk.push("# EOF");
  await flush();
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return count;
}

/**
 * Backfills an OpenMetrics file into TSDB blocks in `tsdb` with promtool. promtool reads the whole
 * input once per block, so `maxBlockDuration` should cover the input's span in a few blocks: the
 * default, a day, makes a month of history 31 passes instead of 372.
 */
export async function backfill(input: string, tsdb: string, maxBlockDuration = "24h"): Promise<void> {
  fs.mkdirSync(tsdb, { recursive: true });
  try {
    const args = [
      "tsdb",
      "create-blocks-from",
      "openmetrics",
      "-q",
      `--max-block-duration=${maxBlockDuration}`,
    ];
    await promisify(execFile)("promtool", [...args, input, tsdb], { maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") throw new Error("promtool is not installed: apt-get install prometheus");
    throw new Error(`promtool tsdb create-blocks-from openmetrics failed:\n${err.stderr ?? err.message}`);
  }
}

/** The metric names a fixture holds. */
export function fixtureMetricNames(series: readonly FixtureSeries[]): Set<string> {
  return new Set(series.map((s) => s.name));
}

export interface FixturePrometheus {
  readonly url: string;
  /** Output so far, for failure messages. */
  log(): string;
  /** Stops Prometheus (by PID) and removes every directory the fixture made. */
  stop(): Promise<void>;
}

/**
 * Writes the series as OpenMetrics, backfills them into TSDB blocks with promtool and starts a
 * Prometheus on 127.0.0.1 serving those blocks. On any failure everything started is stopped again.
 */
export async function startFixturePrometheus(
  series: readonly FixtureSeries[],
  window: FixtureWindow,
): Promise<FixturePrometheus> {
  return startBackfilledPrometheus(openMetrics(series, window));
}

/**
 * Backfills OpenMetrics text (samples with timestamps, `# EOF` last) into TSDB blocks with promtool
 * and starts a Prometheus on 127.0.0.1 serving them. On any failure everything started is stopped.
 */
export async function startBackfilledPrometheus(openMetricsText: string): Promise<FixturePrometheus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fixture-tsdb-"));
  try {
    const input = path.join(dir, "fixture.om.txt");
    fs.writeFileSync(input, openMetricsText);
    await backfill(input, path.join(dir, "data"));
    fs.rmSync(input);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return servePrometheus(dir);
}

/**
 * Starts a Prometheus on 127.0.0.1 over the TSDB in `<dir>/data`; stopping it (by PID) removes
 * `dir`. `extraArgs` are further flags. On any failure everything started is stopped again.
 */
export async function servePrometheus(
  dir: string,
  extraArgs: readonly string[] = [],
): Promise<FixturePrometheus> {
  const tsdb = path.join(dir, "data");
  let output = "";
  let child: ReturnType<typeof spawn> | undefined;
  const stop = async () => {
    const pid = child?.pid;
    if (child && pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const running = child;
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      process.kill(pid, "SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (running.exitCode === null && running.signalCode === null) process.kill(pid, "SIGKILL");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const config = path.join(dir, "prometheus.yml");
    fs.writeFileSync(config, "global:\n  scrape_interval: 30s\n");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(
      "prometheus",
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${tsdb}`,
        // Retention counts back from the newest block, but keep it generous: nothing may be dropped.
        "--storage.tsdb.retention.time=3650d",
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
        ...extraArgs,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const started = child;
    started.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    started.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const failed = new Promise<never>((_, reject) => {
      started.once("error", (e: NodeJS.ErrnoException) =>
        reject(
          e.code === "ENOENT" ? new Error("prometheus is not installed: apt-get install prometheus") : e,
        ),
      );
      started.once("exit", (code) => reject(new Error(`prometheus exited with ${code}:\n${output}`)));
    });
    failed.catch(() => undefined);
    await Promise.race([
      waitFor(
        "prometheus ready",
        async () => {
          try {
            return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
          } catch {
            return undefined;
          }
        },
        120_000,
      ),
      failed,
    ]);
    return { url, log: () => output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
