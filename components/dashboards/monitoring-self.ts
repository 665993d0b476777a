/**
 * Monitoring self: whether the monitoring itself works. Prometheus (scrapes, rules, TSDB,
 * notifications), Alertmanager (delivery, cluster), Loki and Grafana, and the monitoring namespace's
 * own error logs. If this dashboard is wrong, every other one may be lying.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../alerts/context";
import { humanizePercentage } from "../alerts/rule-files";
import {
  buildDashboard,
  logsPanel,
  lowerThresholds,
  statPanel,
  timeseriesPanel,
  UNITS,
  upperThresholds,
  type DashboardOptions,
} from "./common";

export function monitoringSelfDashboard(ctx: RuleContext, options: DashboardOptions = {}): Dashboard {
  const t = ctx.thresholds;
  const s = ctx.selectors;
  const prom = s.prometheus;
  const am = s.alertmanager;
  const lokiRequests = "loki_request_duration_seconds_count";
  const tsdbFailures = [
    {
      metric: "prometheus_tsdb_compactions_failed_total",
      legend: "compactions failed",
      alert: "PrometheusTSDBCompactionsFailing",
    },
    {
      metric: "prometheus_tsdb_reloads_failures_total",
      legend: "reloads failed",
      alert: "PrometheusTSDBReloadsFailing",
    },
    {
      metric: "prometheus_tsdb_wal_corruptions_total",
      legend: "WAL corruptions",
      alert: "PrometheusTSDBWALCorruptions",
    },
  ];

  return buildDashboard(
    {
      key: "monitoringSelf",
      description:
        "Prometheus, Alertmanager, Loki and Grafana: scrapes, rule evaluation, TSDB, notification delivery, " +
        "log ingestion, and the monitoring namespace's error logs.",
      tags: ["monitoring"],
      rows: [
        {
          title: "Alerting pipeline",
          panels: [
            statPanel(ctx, {
              title: "Watchdog",
              description:
                "The always-firing Watchdog alert: 1 means rules are evaluated. The external dead man's switch " +
                "pages when its notifications stop.",
              queries: [{ expr: 'max(ALERTS{alertname="Watchdog", alertstate="firing"}) or vector(0)' }],
              mappings: [
                { value: 0, text: "not firing", color: "red" },
                { value: 1, text: "firing", color: "green" },
              ],
              alerts: ["Watchdog"],
            }),
            statPanel(ctx, {
              title: "Prometheus replicas up",
              description: `Prometheus replicas answering scrapes, of ${ctx.prometheusReplicas}.`,
              queries: [{ expr: `sum(up{${prom}})` }],
              unit: UNITS.count,
              thresholds: lowerThresholds(ctx.prometheusReplicas),
              alerts: ["PrometheusReplicaDown"],
            }),
            statPanel(ctx, {
              title: "Alertmanagers discovered",
              description:
                "Alertmanagers each Prometheus sends alerts to (the fewest of any replica). 0 pages.",
              queries: [{ expr: `min(prometheus_notifications_alertmanagers_discovered{${prom}})` }],
              unit: UNITS.count,
              thresholds: lowerThresholds(1),
              alerts: ["PrometheusNotConnectedToAlertmanagers"],
            }),
            statPanel(ctx, {
              title: "Alertmanager cluster members",
              description: `Cluster members the Alertmanager seeing the fewest sees, of ${ctx.alertmanagerReplicas}.`,
              queries: [{ expr: `min(alertmanager_cluster_members{${am}})` }],
              unit: UNITS.count,
              thresholds: lowerThresholds(ctx.alertmanagerReplicas),
              alerts: ["AlertmanagerClusterMembersMissing"],
            }),
          ],
        },
        {
          title: "Prometheus",
          panels: [
            timeseriesPanel(ctx, {
              title: "Targets down by job",
              description:
                "Share of each job's scrape targets not answering. " +
                `Warns above ${humanizePercentage(t.targetsDownRatio)}.`,
              queries: [
                {
                  expr: "1 - sum by (job, namespace) (up) / count by (job, namespace) (up)",
                  legend: "{{job}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
              thresholds: upperThresholds(t.targetsDownRatio),
              alerts: ["PrometheusTargetsDown"],
            }),
            timeseriesPanel(ctx, {
              title: "Targets up by job",
              description: "Scrape targets answering, per job.",
              queries: [{ expr: "sum by (job) (up)", legend: "{{job}}" }],
              unit: UNITS.count,
              min: 0,
              alerts: ["PrometheusTargetsDown"],
            }),
            timeseriesPanel(ctx, {
              title: "Rule evaluation failures",
              description: "Failed rule evaluations over 5 minutes, per rule group. Any pages.",
              queries: [
                {
                  expr: `sum by (pod, rule_group) (increase(prometheus_rule_evaluation_failures_total{${prom}}[5m]))`,
                  legend: "{{pod}} {{rule_group}}",
                },
              ],
              unit: UNITS.count,
              min: 0,
              thresholds: upperThresholds(1),
              alerts: ["PrometheusRuleEvaluationFailures"],
            }),
            timeseriesPanel(ctx, {
              title: "Rule evaluation duration",
              description: "99th percentile of one rule evaluation, and the slowest group's last evaluation.",
              queries: [
                {
                  expr: `max by (pod) (prometheus_rule_evaluation_duration_seconds{${prom}, quantile="0.99"})`,
                  legend: "{{pod}} rule p99",
                },
                {
                  expr: `max by (pod) (prometheus_rule_group_last_duration_seconds{${prom}})`,
                  legend: "{{pod}} slowest group",
                },
              ],
              unit: UNITS.seconds,
            }),
            timeseriesPanel(ctx, {
              title: "TSDB head series",
              description: "Series in the in-memory head block: memory use follows it.",
              queries: [{ expr: `max by (pod) (prometheus_tsdb_head_series{${prom}})`, legend: "{{pod}}" }],
              unit: UNITS.count,
            }),
            timeseriesPanel(ctx, {
              title: "WAL size",
              description: "Size of the write-ahead log on disk.",
              queries: [
                { expr: `max by (pod) (prometheus_tsdb_wal_storage_size_bytes{${prom}})`, legend: "{{pod}}" },
              ],
              unit: UNITS.bytes,
            }),
            timeseriesPanel(ctx, {
              title: "TSDB failures (3h)",
              description:
                "Failed compactions, failed block reloads and WAL corruptions over 3 hours. Any is trouble.",
              queries: tsdbFailures.map((f) => ({
                expr: `max by (pod) (increase(${f.metric}{${prom}}[3h]))`,
                legend: `{{pod}} ${f.legend}`,
              })),
              unit: UNITS.count,
              min: 0,
              thresholds: upperThresholds(1),
              alerts: tsdbFailures.map((f) => f.alert),
            }),
            timeseriesPanel(ctx, {
              title: "Config reloads",
              description: "Whether the last configuration reload succeeded (1) or failed (0).",
              queries: [
                {
                  expr: `max by (pod) (prometheus_config_last_reload_successful{${prom}})`,
                  legend: "{{pod}} Prometheus",
                },
                {
                  expr: `max by (pod) (alertmanager_config_last_reload_successful{${am}})`,
                  legend: "{{pod}} Alertmanager",
                },
              ],
              min: 0,
              max: 1,
              alerts: ["PrometheusConfigReloadFailed", "AlertmanagerConfigReloadFailed"],
            }),
            timeseriesPanel(ctx, {
              title: "Notifications sent and errors",
              description: "Alerts Prometheus sends to Alertmanager per second, and the share that failed.",
              queries: [
                {
                  expr: `sum by (pod) (rate(prometheus_notifications_sent_total{${prom}}[5m]))`,
                  legend: "{{pod}} sent/s",
                },
                {
                  expr:
                    `(sum by (pod) (rate(prometheus_notifications_errors_total{${prom}}[5m])) or vector(0))` +
                    ` / sum by (pod) (rate(prometheus_notifications_sent_total{${prom}}[5m]))`,
                  legend: "{{pod}} error ratio",
                },
              ],
              min: 0,
              alerts: ["PrometheusNotificationErrors"],
            }),
            timeseriesPanel(ctx, {
              title: "Notification queue",
              description: "Alerts waiting to be sent to Alertmanager, per Prometheus.",
              queries: [
                { expr: `max by (pod) (prometheus_notifications_queue_length{${prom}})`, legend: "{{pod}}" },
              ],
              unit: UNITS.count,
              min: 0,
            }),
          ],
        },
        {
          title: "Alertmanager",
          panels: [
            timeseriesPanel(ctx, {
              title: "Notifications by integration",
              description:
                "Notifications Alertmanager sent per second, by integration (Slack, PagerDuty, ...).",
              queries: [
                {
                  expr: `sum by (integration) (rate(alertmanager_notifications_total{${am}}[$__rate_interval]))`,
                  legend: "{{integration}}",
                },
              ],
              unit: UNITS.perSecond,
              stacked: true,
            }),
            timeseriesPanel(ctx, {
              title: "Notification failure ratio by integration",
              description:
                "Share of notifications that failed over 5 minutes, per integration: a sustained failure share pages.",
              queries: [
                {
                  expr:
                    `(sum by (integration) (rate(alertmanager_notifications_failed_total{${am}}[5m])))` +
                    ` / sum by (integration) (rate(alertmanager_notifications_total{${am}}[5m]))`,
                  legend: "{{integration}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              alerts: ["AlertmanagerNotificationsFailing"],
            }),
            timeseriesPanel(ctx, {
              title: "Cluster members",
              description: `Cluster members each Alertmanager sees; all ${ctx.alertmanagerReplicas} is healthy.`,
              queries: [{ expr: `min by (pod) (alertmanager_cluster_members{${am}})`, legend: "{{pod}}" }],
              unit: UNITS.count,
              min: 0,
              thresholds: lowerThresholds(ctx.alertmanagerReplicas),
              alerts: ["AlertmanagerClusterMembersMissing"],
            }),
          ],
        },
        {
          title: "Loki and Grafana",
          panels: [
            statPanel(ctx, {
              title: "Loki targets up",
              description: "Loki components answering scrapes, per job. A job with none up warns.",
              queries: [{ expr: `sum by (job) (up{${s.loki}})`, legend: "{{job}}" }],
              unit: UNITS.count,
              thresholds: lowerThresholds(1),
              alerts: ["LokiDown"],
            }),
            statPanel(ctx, {
              title: "Grafana up",
              description: "Grafana instances answering scrapes.",
              queries: [{ expr: `sum(up{${s.grafana}})` }],
              unit: UNITS.count,
              thresholds: lowerThresholds(1),
              alerts: ["GrafanaDown"],
            }),
            timeseriesPanel(ctx, {
              title: "Loki requests by route and status",
              description: "Requests to Loki per second, by route and status code.",
              queries: [
                {
                  expr: `sum by (route, status_code) (rate(${lokiRequests}{${s.loki}}[$__rate_interval]))`,
                  legend: "{{route}} {{status_code}}",
                },
              ],
              unit: UNITS.requestsPerSecond,
            }),
            timeseriesPanel(ctx, {
              title: "Loki error ratio by route",
              description:
                "Share of each route's requests answered with 5xx over 5 minutes: a sustained high share warns.",
              queries: [
                {
                  expr:
                    `sum by (job, route) (rate(${lokiRequests}{${s.loki}, status_code=~"5.."}[5m]))` +
                    ` / sum by (job, route) (rate(${lokiRequests}{${s.loki}}[5m]))`,
                  legend: "{{job}} {{route}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              alerts: ["LokiRequestErrors"],
            }),
            timeseriesPanel(ctx, {
              title: "Loki ingestion",
              description: "Log lines and bytes the distributors receive per second.",
              queries: [
                {
                  expr: `sum(rate(loki_distributor_lines_received_total{${s.loki}}[$__rate_interval]))`,
                  legend: "lines/s",
                },
                {
                  expr: `sum(rate(loki_distributor_bytes_received_total{${s.loki}}[$__rate_interval]))`,
                  legend: "bytes/s",
                },
              ],
              unit: UNITS.perSecond,
              alerts: ["LokiDown"],
            }),
            timeseriesPanel(ctx, {
              title: "Grafana HTTP requests",
              description: "Requests Grafana served per second, by status code.",
              queries: [
                {
                  expr:
                    "sum by (status_code) " +
                    `(rate(grafana_http_request_duration_seconds_count{${s.grafana}}[$__rate_interval]))`,
                  legend: "{{status_code}}",
                },
              ],
              unit: UNITS.requestsPerSecond,
              stacked: true,
              alerts: ["GrafanaDown"],
            }),
            logsPanel(ctx, {
              title: "Monitoring namespace errors",
              description:
                `Error lines logged by the pods of namespace ${ctx.names.namespaces.monitoring} (Prometheus, ` +
                "Alertmanager, Loki, Grafana, exporters), newest first.",
              expr:
                `{namespace="${ctx.names.namespaces.monitoring}"}` +
                ' |~ `(?i)(level=(error|err|crit)|"level":"(error|err|crit)"|\\berror\\b)`',
            }),
          ],
        },
      ],
    },
    options,
  );
}
