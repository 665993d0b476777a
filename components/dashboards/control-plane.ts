/**
 * Control plane (`cameleer-saas`): is it reachable (scrapes and probes), how fast and how often it
 * fails, per endpoint, and what its JVM, database pools and sessions are doing.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../alerts/context";
import { humanizePercentage } from "../alerts/rule-files";
import {
  buildDashboard,
  lowerThresholds,
  statPanel,
  timeseriesPanel,
  UNITS,
  upperThresholds,
  type DashboardOptions,
} from "./common";

export function controlPlaneDashboard(ctx: RuleContext, options: DashboardOptions = {}): Dashboard {
  const t = ctx.thresholds;
  const cp = ctx.selectors.controlPlane;
  // The blackbox probes of the control plane carry the service they probe (see BlackboxExporter).
  const probes = `${ctx.selectors.blackbox}, service="${ctx.names.jobs.controlPlane}"`;
  const publicProbes = `${ctx.selectors.blackbox}, probe="public"`;
  const requests = "http_server_requests_seconds";
  const upDown = [
    { value: 0, text: "failing", color: "red" as const },
    { value: 1, text: "ok", color: "green" as const },
  ];
  const quantileByUri = (q: number) =>
    `histogram_quantile(${q}, sum by (method, uri, le) (rate(${requests}_bucket{${cp}}[10m])))`;

  return buildDashboard(
    {
      key: "controlPlane",
      description:
        "cameleer-saas: availability, probes, latency and errors per endpoint, JVM, database pools and sessions.",
      tags: ["control-plane"],
      rows: [
        {
          title: "Availability",
          panels: [
            statPanel(ctx, {
              title: "Targets up",
              description: "Control-plane pods answering Prometheus's scrapes. 0 pages.",
              queries: [{ expr: `sum(up{${cp}})` }],
              unit: UNITS.count,
              thresholds: lowerThresholds(1),
              alerts: ["ControlPlaneDown"],
            }),
            statPanel(ctx, {
              title: "Liveness probe",
              description: "Blackbox probe of /actuator/health/liveness. Failing for 3 minutes pages.",
              queries: [{ expr: `min(probe_success{${probes}, probe="liveness"})` }],
              mappings: upDown,
              alerts: ["ControlPlaneLivenessProbeFailing"],
            }),
            statPanel(ctx, {
              title: "Readiness probe",
              description: "Blackbox probe of /actuator/health/readiness. Failing for 5 minutes warns.",
              queries: [{ expr: `min(probe_success{${probes}, probe="readiness"})` }],
              mappings: upDown,
              alerts: ["ControlPlaneReadinessProbeFailing"],
            }),
            statPanel(ctx, {
              title: "Public endpoints",
              description:
                "Blackbox probes of the public endpoints, from inside the cluster. A failing one pages.",
              queries: [{ expr: `max by (target) (probe_success{${publicProbes}})`, legend: "{{target}}" }],
              mappings: upDown,
              alerts: ["PublicEndpointDown"],
            }),
            timeseriesPanel(ctx, {
              title: "Probe results",
              description:
                "Success (1) or failure (0) of each probe of the control plane and the public endpoints.",
              queries: [
                { expr: `max by (probe) (probe_success{${probes}})`, legend: "{{probe}}" },
                { expr: `max by (target) (probe_success{${publicProbes}})`, legend: "public {{target}}" },
              ],
              min: 0,
              max: 1,
              alerts: [
                "ControlPlaneLivenessProbeFailing",
                "ControlPlaneReadinessProbeFailing",
                "PublicEndpointDown",
              ],
            }),
            timeseriesPanel(ctx, {
              title: "Probe duration",
              description: "How long each probe took.",
              queries: [
                { expr: `max by (probe) (probe_duration_seconds{${probes}})`, legend: "{{probe}}" },
                {
                  expr: `max by (target) (probe_duration_seconds{${publicProbes}})`,
                  legend: "public {{target}}",
                },
              ],
              unit: UNITS.seconds,
            }),
          ],
        },
        {
          title: "Requests",
          panels: [
            timeseriesPanel(ctx, {
              title: "Requests by status",
              description: "Requests per second, by HTTP status.",
              queries: [
                {
                  expr: `sum by (status) (rate(${requests}_count{${cp}}[$__rate_interval]))`,
                  legend: "{{status}}",
                },
              ],
              unit: UNITS.requestsPerSecond,
              stacked: true,
            }),
            timeseriesPanel(ctx, {
              title: "Error ratio",
              description:
                "Share of requests answered with 5xx over 5 minutes, the alert's window. " +
                `Pages above ${humanizePercentage(t.controlPlaneErrorRatio)}.`,
              queries: [
                {
                  expr:
                    `(sum(rate(${requests}_count{${cp}, status=~"5.."}[5m])) or vector(0))` +
                    ` / sum(rate(${requests}_count{${cp}}[5m]))`,
                  legend: "5xx ratio",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              thresholds: upperThresholds(t.controlPlaneErrorRatio),
              alerts: ["ControlPlaneHighErrorRate"],
            }),
            timeseriesPanel(ctx, {
              title: "Latency p99",
              description:
                "99th percentile of request latency over 5 minutes, all endpoints. " +
                `Pages above ${t.controlPlaneLatencyP99Seconds} s.`,
              queries: [
                {
                  expr: `histogram_quantile(0.99, sum by (le) (rate(${requests}_bucket{${cp}}[5m])))`,
                  legend: "p99",
                },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.controlPlaneLatencyP99Seconds),
              alerts: ["ControlPlaneHighLatency"],
            }),
            timeseriesPanel(ctx, {
              title: "Error ratio by endpoint",
              description:
                "Share of each endpoint's requests answered with 5xx over 10 minutes. " +
                `Warns above ${humanizePercentage(t.endpointErrorRatio)}.`,
              queries: [
                {
                  expr:
                    `sum by (method, uri) (rate(${requests}_count{${cp}, status=~"5.."}[10m]))` +
                    ` / sum by (method, uri) (rate(${requests}_count{${cp}}[10m]))`,
                  legend: "{{method}} {{uri}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              thresholds: upperThresholds(t.endpointErrorRatio),
              alerts: ["ControlPlaneEndpointErrorRateHigh"],
            }),
            timeseriesPanel(ctx, {
              title: "Latency p99 by endpoint",
              description:
                "99th percentile of each endpoint's latency over 10 minutes. " +
                `Warns above ${t.endpointLatencyP99Seconds} s.`,
              queries: [{ expr: quantileByUri(0.99), legend: "{{method}} {{uri}}" }],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.endpointLatencyP99Seconds),
              alerts: ["ControlPlaneEndpointLatencyHigh"],
            }),
            timeseriesPanel(ctx, {
              title: "Latency p50 by endpoint",
              description: "Median latency of each endpoint over 10 minutes.",
              queries: [{ expr: quantileByUri(0.5), legend: "{{method}} {{uri}}" }],
              unit: UNITS.seconds,
            }),
          ],
        },
        {
          title: "JVM",
          panels: [
            timeseriesPanel(ctx, {
              title: "Heap used",
              description: `Heap used over its maximum, per pod. Warns above ${humanizePercentage(t.jvmHeapRatio)}.`,
              queries: [
                {
                  expr:
                    `sum by (pod) (jvm_memory_used_bytes{${cp}, area="heap"})` +
                    ` / sum by (pod) (jvm_memory_max_bytes{${cp}, area="heap"} > 0)`,
                  legend: "{{pod}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
              thresholds: upperThresholds(t.jvmHeapRatio),
              alerts: ["ControlPlaneJvmHeapHigh"],
            }),
            timeseriesPanel(ctx, {
              title: "GC pause time",
              description:
                "Share of wall time spent in garbage-collection pauses over 5 minutes, per pod. " +
                `Warns above ${humanizePercentage(t.jvmGcTimeRatio)}.`,
              queries: [
                { expr: `sum by (pod) (rate(jvm_gc_pause_seconds_sum{${cp}}[5m]))`, legend: "{{pod}}" },
              ],
              unit: UNITS.ratio,
              min: 0,
              thresholds: upperThresholds(t.jvmGcTimeRatio),
              alerts: ["ControlPlaneGcPressure"],
            }),
            timeseriesPanel(ctx, {
              title: "Longest GC pause",
              description: "Longest recent garbage-collection pause per pod and cause.",
              queries: [
                {
                  expr: `max by (pod, cause) (jvm_gc_pause_seconds_max{${cp}})`,
                  legend: "{{pod}} {{cause}}",
                },
              ],
              unit: UNITS.seconds,
              alerts: ["ControlPlaneGcPressure"],
            }),
            timeseriesPanel(ctx, {
              title: "Live threads",
              description: "JVM threads alive, per pod.",
              queries: [{ expr: `max by (pod) (jvm_threads_live_threads{${cp}})`, legend: "{{pod}}" }],
              unit: UNITS.count,
            }),
            timeseriesPanel(ctx, {
              title: "Process CPU",
              description: "CPU used by the JVM process, as a share of the cores it sees.",
              queries: [{ expr: `max by (pod) (process_cpu_usage{${cp}})`, legend: "{{pod}}" }],
              unit: UNITS.ratio,
              min: 0,
            }),
          ],
        },
        {
          title: "Database pools and sessions",
          panels: [
            timeseriesPanel(ctx, {
              title: "HikariCP connections",
              description:
                "Connections of each pool: active, idle and the maximum, and threads waiting for one. Waiting " +
                `threads with more than ${humanizePercentage(t.hikariSaturationRatio)} of the pool active page.`,
              queries: [
                {
                  expr: `max by (pod, pool) (hikaricp_connections_active{${cp}})`,
                  legend: "{{pod}} {{pool}} active",
                },
                {
                  expr: `max by (pod, pool) (hikaricp_connections_idle{${cp}})`,
                  legend: "{{pod}} {{pool}} idle",
                },
                {
                  expr: `max by (pod, pool) (hikaricp_connections_max{${cp}})`,
                  legend: "{{pod}} {{pool}} max",
                },
                {
                  expr: `max by (pod, pool) (hikaricp_connections_pending{${cp}})`,
                  legend: "{{pod}} {{pool}} waiting",
                },
              ],
              unit: UNITS.count,
              min: 0,
              alerts: ["ControlPlaneDatabasePoolExhausted"],
            }),
            timeseriesPanel(ctx, {
              title: "HikariCP connection timeouts",
              description: "Requests for a connection that gave up waiting, over 5 minutes. Any pages.",
              queries: [
                {
                  expr: `sum by (pod, pool) (increase(hikaricp_connections_timeout_total{${cp}}[5m]))`,
                  legend: "{{pod}} {{pool}}",
                },
              ],
              unit: UNITS.count,
              min: 0,
              thresholds: upperThresholds(1),
              alerts: ["ControlPlaneDatabasePoolExhausted"],
            }),
            timeseriesPanel(ctx, {
              title: "Tomcat sessions",
              description: "Active HTTP sessions per pod.",
              queries: [
                { expr: `sum by (pod) (tomcat_sessions_active_current_sessions{${cp}})`, legend: "{{pod}}" },
              ],
              unit: UNITS.count,
              min: 0,
            }),
            timeseriesPanel(ctx, {
              title: "Uptime",
              description: "Time since each JVM started: a drop is a restart.",
              queries: [{ expr: `max by (pod) (process_uptime_seconds{${cp}})`, legend: "{{pod}}" }],
              unit: UNITS.seconds,
            }),
          ],
        },
      ],
    },
    options,
  );
}
