/**
 * Self-monitoring of the monitoring stack: Prometheus (HA), Alertmanager, Loki and Grafana, plus the
 * Watchdog heartbeat that an external dead-man's switch (Uptime Kuma) watches. When these fail, the
 * other areas' alerts stop arriving without anyone noticing, so losing alert delivery pages.
 */
import type { RuleContext } from "../context";
import { goFormatG4, humanizePercentage } from "../rule-files";
import { counter, gauge, series } from "../testing";
import type { AlertDefinition, AreaRules, TestSeries } from "../types";

/**
 * Share of Loki requests of one route failing with 5xx that warns. Not in stack config: Loki's own
 * API should practically never answer 5xx, so one value fits both environments; 10 % filters the
 * odd failed query of a dashboard while catching a broken write path or object store.
 */
const LOKI_ERROR_RATIO = 0.1;

/**
 * Share of notifications to the Alertmanagers (Prometheus) or through an integration (Alertmanager)
 * that may fail before alerts count as undeliverable. Not in stack config: delivery is either
 * healthy (0 %) or broken, in every environment.
 */
const NOTIFICATION_ERROR_RATIO = 0.01;

export function monitoringRules(ctx: RuleContext): AreaRules {
  const sel = ctx.selectors;
  const t = ctx.thresholds;
  const { jobs, namespaces } = ctx.names;
  const monitoringNs = namespaces.monitoring;
  const dashboard = { dashboard: "monitoringSelf" } as const;

  const prom = { job: jobs.prometheus, namespace: monitoringNs };
  const promPod = (n: number) => `prometheus-${jobs.prometheus}-${n}`;
  /** One Prometheus replica's own endpoint; `reloader` is the config-reloader sidecar's endpoint. */
  const promTarget = (n: number, endpoint: "http-web" | "reloader-web" = "http-web") => ({
    ...prom,
    pod: promPod(n),
    instance: `10.0.2.${n + 10}:${endpoint === "http-web" ? 9090 : 8080}`,
    endpoint,
  });
  const promReplicas = Array.from({ length: ctx.prometheusReplicas }, (_, n) => n);

  const am = { job: jobs.alertmanager, namespace: monitoringNs };
  const amPod = (n: number) => `alertmanager-${jobs.alertmanager}-${n}`;
  const amTarget = (n: number) => ({ ...am, pod: amPod(n), instance: `10.0.3.${n + 10}:9093` });
  const amReplicas = Array.from({ length: ctx.alertmanagerReplicas }, (_, n) => n);

  const grafana = { job: jobs.grafana, namespace: monitoringNs };
  const lokiWrite = `${monitoringNs}/${jobs.lokiPrefix}-write`;
  /** The `job` label LokiDown gives Loki when none of its targets exists at all. */
  const lokiAbsentJob = `${monitoringNs}/${jobs.lokiPrefix}`;

  /**
   * Jobs with a dedicated down alert. Prometheus's own (PrometheusReplicaDown) covers every case
   * PrometheusTargetsDown would, so that job is left out entirely; the others only alert when every
   * target is down (ControlPlaneDown, TenantServerDown, GrafanaDown, LokiDown), so a partial loss
   * of them still warns here and only the total loss is left to them.
   */
  const hasOwnDownAlert = [
    `up{${sel.prometheus}}`,
    ...[sel.controlPlane, sel.tenantServer, sel.grafana, sel.loki].map(
      (s) => `(sum by (job, namespace) (up{${s}}) == 0)`,
    ),
  ].join(" or ");

  const ruleGroup =
    `/etc/prometheus/rules/prometheus-${jobs.prometheus}-rulefiles-0/` +
    `${monitoringNs}-kps-control-plane.yaml;control-plane.alerts`;
  const amUrl = (n: number) => `http://10.0.3.${n + 10}:9093/api/v2/alerts`;

  /** Counters of notifications a Prometheus replica sent to each Alertmanager, per minute. */
  const notifications = (pod: number, sentPerMin: number, errorsPerMin: (n: number) => number) =>
    amReplicas.flatMap((n) => [
      series(
        "prometheus_notifications_sent_total",
        { ...promTarget(pod), alertmanager: amUrl(n) },
        counter(sentPerMin, 40),
      ),
      series(
        "prometheus_notifications_errors_total",
        { ...promTarget(pod), alertmanager: amUrl(n) },
        counter(errorsPerMin(n), 40),
      ),
    ]);

  /** Alertmanager notification counters of one integration on every replica, per minute. */
  const integration = (name: string, totalPerMin: number, failedPerMin: number): TestSeries[] =>
    amReplicas.flatMap((n) => [
      series(
        "alertmanager_notifications_total",
        { ...amTarget(n), integration: name },
        counter(totalPerMin, 40),
      ),
      series(
        "alertmanager_notifications_failed_total",
        { ...amTarget(n), integration: name, reason: "serverError" },
        counter(failedPerMin, 40),
      ),
    ]);

  /** Loki request counters of one route: `ok` and `errors` per minute, for 40 minutes. */
  const lokiTraffic = (route: string, okPerMin: number, errorsPerMin: number) => [
    series(
      "loki_request_duration_seconds_count",
      {
        job: lokiWrite,
        namespace: monitoringNs,
        pod: "loki-write-0",
        method: "POST",
        route,
        status_code: "204",
      },
      counter(okPerMin, 40),
    ),
    series(
      "loki_request_duration_seconds_count",
      {
        job: lokiWrite,
        namespace: monitoringNs,
        pod: "loki-write-0",
        method: "POST",
        route,
        status_code: "500",
      },
      counter(errorsPerMin, 40),
    ),
  ];

  const downCount = (total: number) => Math.min(total, Math.floor(t.targetsDownRatio * total) + 1);
  const nodeExporters = (total: number, down: number, downValues: string) =>
    Array.from({ length: total }, (_, n) =>
      series(
        "up",
        { job: jobs.nodeExporter, namespace: monitoringNs, instance: `10.0.0.${n + 10}:9100` },
        n < down ? downValues : "1x40",
      ),
    );
  const controlPlaneUp = (values: readonly string[]) =>
    values.map((v, n) =>
      series(
        "up",
        {
          job: jobs.controlPlane,
          namespace: namespaces.controlPlane,
          pod: `cameleer-saas-${n}`,
          instance: `10.0.1.${n}:8081`,
        },
        v,
      ),
    );

  const targetsDownDescription = (job: string, ns: string, ratio: string) =>
    `${ratio} of the scrape targets of job ${job} in namespace ${ns} have failed their scrapes for 15 ` +
    `minutes (threshold ${humanizePercentage(t.targetsDownRatio)}). Alerts and dashboards built on ` +
    "this job see only part of the picture.";

  const replicaDownDescription = (ns: string, up: number) =>
    `Only ${up} of ${ctx.prometheusReplicas} Prometheus replicas in ${ns} have had both the server and ` +
    "its config reloader answering scrapes for 10 minutes. The surviving replica carries scraping and " +
    "alerting alone: one more failure and nothing alerts.";

  const alerts: AlertDefinition[] = [
    {
      alert: "Watchdog",
      area: "monitoring",
      severity: "info",
      expr: "vector(1)",
      for: "0m",
      summary: "Watchdog heartbeat: the alerting pipeline is alive",
      description:
        "This alert always fires, by design. Alertmanager routes it only to the dead-man's switch (an " +
        "external Uptime Kuma push monitor), which pages when Watchdog stops arriving: then Prometheus, " +
        "Alertmanager or the path from Alertmanager to Uptime Kuma is broken. Never silence or inhibit it.",
      dashboard,
      tests: [
        {
          name: "always fires, with no labels but its own",
          series: [],
          evalTime: "1m",
          expect: [
            {
              labels: {},
              summary: "Watchdog heartbeat: the alerting pipeline is alive",
              description:
                "This alert always fires, by design. Alertmanager routes it only to the dead-man's switch (an " +
                "external Uptime Kuma push monitor), which pages when Watchdog stops arriving: then Prometheus, " +
                "Alertmanager or the path from Alertmanager to Uptime Kuma is broken. Never silence or inhibit it.",
            },
          ],
        },
      ],
    },
    {
      alert: "PrometheusTargetsDown",
      area: "monitoring",
      severity: "warning",
      expr:
        `(count by (job, namespace) (up == 0) / count by (job, namespace) (up)) > ${t.targetsDownRatio}` +
        ` unless on (job, namespace) (${hasOwnDownAlert})`,
      for: "15m",
      summary:
        "{{ $value | humanizePercentage }} of the targets of {{ $labels.job }} in {{ $labels.namespace }} are down",
      description:
        "{{ $value | humanizePercentage }} of the scrape targets of job {{ $labels.job }} in namespace " +
        "{{ $labels.namespace }} have failed their scrapes for 15 minutes " +
        `(threshold ${humanizePercentage(t.targetsDownRatio)}). Alerts and dashboards built on this job see ` +
        "only part of the picture.",
      dashboard,
      tests: [
        {
          name: "fires when node-exporters on several nodes stay unreachable",
          series: nodeExporters(20, downCount(20), "1 1 0x38"),
          evalTime: "30m",
          expect: [
            {
              labels: { job: jobs.nodeExporter, namespace: monitoringNs },
              summary:
                `${humanizePercentage(downCount(20) / 20)} of the targets of ${jobs.nodeExporter} in ` +
                `${monitoringNs} are down`,
              description: targetsDownDescription(
                jobs.nodeExporter,
                monitoringNs,
                humanizePercentage(downCount(20) / 20),
              ),
            },
          ],
        },
        ...(t.targetsDownRatio < 0.5
          ? [
              {
                name: "warns about one control-plane replica down, which ControlPlaneDown leaves alone",
                series: controlPlaneUp(["1 1 0x38", "1x40"]),
                evalTime: "30m" as const,
                expect: [
                  {
                    labels: { job: jobs.controlPlane, namespace: namespaces.controlPlane },
                    summary: `50% of the targets of ${jobs.controlPlane} in ${namespaces.controlPlane} are down`,
                    description: targetsDownDescription(jobs.controlPlane, namespaces.controlPlane, "50%"),
                  },
                ],
              },
            ]
          : []),
        {
          name: "a 10-minute node drain does not warn",
          series: nodeExporters(20, downCount(20), "1 1 0x10 1x28"),
          evalTime: "12m",
          expect: [],
        },
        {
          name: "the whole control plane down is left to ControlPlaneDown",
          series: controlPlaneUp(["1 1 0x38", "1 1 0x38"]),
          evalTime: "30m",
          expect: [],
        },
        {
          name: "a Prometheus replica down is left to PrometheusReplicaDown",
          series: [
            series("up", promTarget(0), "1 1 0x38"),
            series("up", promTarget(0, "reloader-web"), "1x40"),
            series("up", promTarget(1), "1x40"),
            series("up", promTarget(1, "reloader-web"), "1x40"),
          ],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    {
      alert: "PrometheusReplicaDown",
      area: "monitoring",
      severity: "warning",
      // A replica counts as up only when every endpoint of its pod answers: the chart scrapes the
      // server and its config-reloader sidecar under the same job, so a plain sum of `up` would
      // count a replica whose server is down as half up. A pod that does not exist (Pending) has no
      // target and lowers the sum as well.
      expr:
        `sum by (job, namespace) (min by (job, namespace, pod) (up{${sel.prometheus}}))` +
        ` < ${ctx.prometheusReplicas}`,
      for: "10m",
      summary: `{{ $value }} of ${ctx.prometheusReplicas} Prometheus replicas in {{ $labels.namespace }} are up`,
      description:
        `Only {{ $value }} of ${ctx.prometheusReplicas} Prometheus replicas in {{ $labels.namespace }} have had ` +
        "both the server and its config reloader answering scrapes for 10 minutes. The surviving replica " +
        "carries scraping and alerting alone: one more failure and nothing alerts.",
      dashboard,
      tests: [
        {
          name: "fires when a replica's server is down while its sidecar still answers",
          series: promReplicas.flatMap((n) => [
            series("up", promTarget(n), n === 0 ? "1 1 0x28" : "1x30"),
            series("up", promTarget(n, "reloader-web"), "1x30"),
          ]),
          evalTime: "20m",
          expect: [
            {
              labels: prom,
              summary: `${ctx.prometheusReplicas - 1} of ${ctx.prometheusReplicas} Prometheus replicas in ${monitoringNs} are up`,
              description: replicaDownDescription(monitoringNs, ctx.prometheusReplicas - 1),
            },
          ],
        },
        ...(ctx.prometheusReplicas > 1
          ? [
              {
                name: "fires when a replica's pod is gone (Pending, no target at all)",
                series: promReplicas
                  .filter((n) => n !== 0)
                  .flatMap((n) => [
                    series("up", promTarget(n), "1x30"),
                    series("up", promTarget(n, "reloader-web"), "1x30"),
                  ]),
                evalTime: "20m" as const,
                expect: [
                  {
                    labels: prom,
                    summary: `${ctx.prometheusReplicas - 1} of ${ctx.prometheusReplicas} Prometheus replicas in ${monitoringNs} are up`,
                    description: replicaDownDescription(monitoringNs, ctx.prometheusReplicas - 1),
                  },
                ],
              },
            ]
          : []),
        {
          name: "stays quiet with every replica up (also a single-replica stack)",
          series: promReplicas.flatMap((n) => [
            series("up", promTarget(n), "1x30"),
            series("up", promTarget(n, "reloader-web"), "1x30"),
          ]),
          evalTime: "20m",
          expect: [],
        },
        {
          name: "a restart replaying the WAL for 5 minutes does not warn",
          series: promReplicas.flatMap((n) => [
            series("up", promTarget(n), n === 0 ? "1 1 0x5 1x23" : "1x30"),
            series("up", promTarget(n, "reloader-web"), "1x30"),
          ]),
          evalTime: "7m",
          expect: [],
        },
      ],
    },
    {
      alert: "PrometheusRuleEvaluationFailures",
      area: "monitoring",
      severity: "critical",
      expr:
        `sum by (job, namespace, pod, rule_group) (increase(prometheus_rule_evaluation_failures_total{${sel.prometheus}}[5m]))` +
        " > 0",
      for: "15m",
      summary: "Prometheus {{ $labels.pod }} fails to evaluate rules of group {{ $labels.rule_group }}",
      description:
        "{{ $labels.pod }} in {{ $labels.namespace }} has failed {{ $value | humanize }} evaluations of rule " +
        "group {{ $labels.rule_group }} in 5 minutes, without pause for 15 minutes (threshold: any failure). " +
        "Alerts of this group may silently not fire.",
      dashboard,
      tests: [
        {
          name: "fires when a rule group fails every evaluation",
          series: [
            series(
              "prometheus_rule_evaluation_failures_total",
              { ...promTarget(0), rule_group: ruleGroup },
              counter(2, 40),
            ),
            series(
              "prometheus_rule_evaluation_failures_total",
              { ...promTarget(0), rule_group: ruleGroup.replace(/control-plane/g, "billing") },
              gauge(0, 40),
            ),
          ],
          evalTime: "30m",
          expect: [
            {
              labels: { ...prom, pod: promPod(0), rule_group: ruleGroup },
              summary: `Prometheus ${promPod(0)} fails to evaluate rules of group ${ruleGroup}`,
              description:
                `${promPod(0)} in ${monitoringNs} has failed ${goFormatG4(10)} evaluations of rule group ` +
                `${ruleGroup} in 5 minutes, without pause for 15 minutes (threshold: any failure). Alerts of ` +
                "this group may silently not fire.",
            },
          ],
        },
        {
          name: "one failed evaluation during a restart does not page",
          series: [
            series(
              "prometheus_rule_evaluation_failures_total",
              { ...promTarget(0), rule_group: ruleGroup },
              "0x10 1x30",
            ),
          ],
          evalTime: "14m",
          expect: [],
        },
      ],
    },
    {
      alert: "PrometheusNotConnectedToAlertmanagers",
      area: "monitoring",
      severity: "critical",
      expr: `max by (job, namespace, pod) (prometheus_notifications_alertmanagers_discovered{${sel.prometheus}}) < 1`,
      for: "10m",
      summary: "Prometheus {{ $labels.pod }} has discovered no Alertmanager",
      description:
        "{{ $labels.pod }} in {{ $labels.namespace }} has known no Alertmanager to send to for 10 minutes " +
        "(at least 1 needed). Its alerts are evaluated but delivered nowhere.",
      dashboard,
      tests: [
        {
          name: "fires when the Alertmanager endpoints disappear",
          series: [
            series("prometheus_notifications_alertmanagers_discovered", promTarget(0), "3 3 0x28"),
            series(
              "prometheus_notifications_alertmanagers_discovered",
              promTarget(1),
              gauge(ctx.alertmanagerReplicas, 30),
            ),
          ],
          evalTime: "20m",
          expect: [
            {
              labels: { ...prom, pod: promPod(0) },
              summary: `Prometheus ${promPod(0)} has discovered no Alertmanager`,
              description:
                `${promPod(0)} in ${monitoringNs} has known no Alertmanager to send to for 10 minutes ` +
                "(at least 1 needed). Its alerts are evaluated but delivered nowhere.",
            },
          ],
        },
        {
          name: "a rolling restart of the Alertmanagers does not page",
          series: [
            series("prometheus_notifications_alertmanagers_discovered", promTarget(0), "3 3 0x4 3x24"),
          ],
          evalTime: "6m",
          expect: [],
        },
      ],
    },
    {
      alert: "PrometheusNotificationErrors",
      area: "monitoring",
      severity: "critical",
      // Per Alertmanager first, then the best of them: while one Alertmanager still takes the
      // alerts they are delivered (AlertmanagerClusterMembersMissing and PrometheusTargetsDown
      // cover the one that is down); this pages when a replica can deliver to none.
      expr:
        "min by (job, namespace, pod) (" +
        `sum by (job, namespace, pod, alertmanager) (rate(prometheus_notifications_errors_total{${sel.prometheus}}[5m]))` +
        ` / sum by (job, namespace, pod, alertmanager) (rate(prometheus_notifications_sent_total{${sel.prometheus}}[5m]))` +
        `) > ${NOTIFICATION_ERROR_RATIO}`,
      for: "15m",
      summary: "Prometheus {{ $labels.pod }} fails to send {{ $value | humanizePercentage }} of alerts",
      description:
        "{{ $labels.pod }} in {{ $labels.namespace }} has failed to send at least {{ $value | humanizePercentage }} " +
        `of its alert notifications to every Alertmanager for 15 minutes (threshold ${humanizePercentage(NOTIFICATION_ERROR_RATIO)}). ` +
        "Alerts it evaluates may never reach anyone.",
      dashboard,
      tests: [
        {
          name: "fires when every Alertmanager rejects half of the alerts",
          series: notifications(0, 20, () => 10),
          evalTime: "30m",
          expect: [
            {
              labels: { ...prom, pod: promPod(0) },
              summary: `Prometheus ${promPod(0)} fails to send 50% of alerts`,
              description:
                `${promPod(0)} in ${monitoringNs} has failed to send at least 50% of its alert notifications to ` +
                `every Alertmanager for 15 minutes (threshold ${humanizePercentage(NOTIFICATION_ERROR_RATIO)}). ` +
                "Alerts it evaluates may never reach anyone.",
            },
          ],
        },
        ...(ctx.alertmanagerReplicas > 1
          ? [
              {
                name: "one Alertmanager down while the others accept does not page",
                series: notifications(0, 20, (n) => (n === 0 ? 20 : 0)),
                evalTime: "30m" as const,
                expect: [],
              },
            ]
          : []),
        {
          name: "a rare timeout below the threshold does not page",
          series: notifications(0, 1000, () => Math.floor(1000 * NOTIFICATION_ERROR_RATIO * 0.5)),
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    tsdbCounterAlert(ctx, {
      alert: "PrometheusTSDBCompactionsFailing",
      metric: "prometheus_tsdb_compactions_failed_total",
      summary: "Prometheus {{ $labels.pod }} fails to compact its TSDB",
      consequence:
        "Head blocks are not written to disk: memory use grows, restarts replay an ever longer WAL, " +
        "and retention cannot free space.",
      what: "compaction",
    }),
    tsdbCounterAlert(ctx, {
      alert: "PrometheusTSDBReloadsFailing",
      metric: "prometheus_tsdb_reloads_failures_total",
      summary: "Prometheus {{ $labels.pod }} fails to reload TSDB blocks from disk",
      consequence:
        "New blocks are not queryable and old blocks are not deleted: queries miss data and the " +
        "volume fills past retention.",
      what: "block reload",
    }),
    {
      alert: "PrometheusTSDBWALCorruptions",
      area: "monitoring",
      severity: "critical",
      // The counter is mostly incremented while the WAL is repaired at startup, before the first
      // scrape: a restarted pod (new instance label) starts its series at 1 and `increase` sees
      // nothing. The second branch catches a series that is above 0 and did not exist 3h ago.
      expr:
        `max by (job, namespace, pod) (increase(prometheus_tsdb_wal_corruptions_total{${sel.prometheus}}[3h])) > 0` +
        ` or max by (job, namespace, pod) (prometheus_tsdb_wal_corruptions_total{${sel.prometheus}} > 0` +
        ` unless prometheus_tsdb_wal_corruptions_total{${sel.prometheus}} offset 3h)`,
      for: "5m",
      summary: "Prometheus {{ $labels.pod }} found a corrupted write-ahead log",
      description:
        "{{ $labels.pod }} in {{ $labels.namespace }} repaired a corrupted write-ahead log in the last 3 " +
        "hours (threshold: any corruption). Samples after the corruption point were dropped: there is a " +
        "gap in its data, and the volume or the node may be failing.",
      dashboard,
      tests: [
        {
          name: "fires when a replica restarts and repairs its WAL",
          series: [
            series("prometheus_tsdb_wal_corruptions_total", promTarget(0), "0x60"),
            series(
              "prometheus_tsdb_wal_corruptions_total",
              { ...promTarget(0), instance: "10.0.2.99:9090" },
              "_x61 1x60",
            ),
          ],
          evalTime: "90m",
          expect: [
            {
              labels: { ...prom, pod: promPod(0) },
              summary: `Prometheus ${promPod(0)} found a corrupted write-ahead log`,
              description:
                `${promPod(0)} in ${monitoringNs} repaired a corrupted write-ahead log in the last 3 hours ` +
                "(threshold: any corruption). Samples after the corruption point were dropped: there is a gap " +
                "in its data, and the volume or the node may be failing.",
            },
          ],
        },
        {
          name: "fires when the counter rises on a running replica",
          series: [series("prometheus_tsdb_wal_corruptions_total", promTarget(1), "0x60 1x60")],
          evalTime: "90m",
          expect: [
            {
              labels: { ...prom, pod: promPod(1) },
              summary: `Prometheus ${promPod(1)} found a corrupted write-ahead log`,
              description:
                `${promPod(1)} in ${monitoringNs} repaired a corrupted write-ahead log in the last 3 hours ` +
                "(threshold: any corruption). Samples after the corruption point were dropped: there is a gap " +
                "in its data, and the volume or the node may be failing.",
            },
          ],
        },
        {
          name: "a repair more than 3 hours ago no longer pages",
          series: [series("prometheus_tsdb_wal_corruptions_total", promTarget(0), "1x300")],
          evalTime: "250m",
          evaluationInterval: "5m",
          expect: [],
        },
      ],
    },
    configReloadAlert(ctx, {
      alert: "PrometheusConfigReloadFailed",
      component: "Prometheus",
      metric: "prometheus_config_last_reload_successful",
      selector: sel.prometheus,
      target: (n) => promTarget(n),
      pod: promPod,
      consequence:
        "It keeps running the last good configuration: new scrape targets and rule changes are ignored.",
    }),
    {
      alert: "AlertmanagerNotificationsFailing",
      area: "monitoring",
      severity: "critical",
      expr:
        `sum by (job, namespace, integration) (rate(alertmanager_notifications_failed_total{${sel.alertmanager}}[5m]))` +
        ` / sum by (job, namespace, integration) (rate(alertmanager_notifications_total{${sel.alertmanager}}[5m]))` +
        ` > ${NOTIFICATION_ERROR_RATIO}`,
      for: "10m",
      summary:
        "Alertmanager fails {{ $value | humanizePercentage }} of {{ $labels.integration }} notifications",
      description:
        "{{ $value | humanizePercentage }} of notifications through the {{ $labels.integration }} integration of " +
        "{{ $labels.job }} in {{ $labels.namespace }} have failed for 10 minutes " +
        `(threshold ${humanizePercentage(NOTIFICATION_ERROR_RATIO)}). Alerts routed there do not reach anyone.`,
      dashboard,
      tests: [
        {
          name: "fires when every PagerDuty notification fails",
          series: [...integration("pagerduty", 4, 4), ...integration("slack", 10, 0)],
          evalTime: "30m",
          expect: [
            {
              labels: { ...am, integration: "pagerduty" },
              summary: "Alertmanager fails 100% of pagerduty notifications",
              description:
                `100% of notifications through the pagerduty integration of ${jobs.alertmanager} in ${monitoringNs} ` +
                `have failed for 10 minutes (threshold ${humanizePercentage(NOTIFICATION_ERROR_RATIO)}). Alerts ` +
                "routed there do not reach anyone.",
            },
          ],
        },
        {
          name: "a Slack hiccup of a few minutes does not page",
          series: amReplicas.flatMap((n) => [
            series(
              "alertmanager_notifications_total",
              { ...amTarget(n), integration: "slack" },
              counter(10, 40),
            ),
            series(
              "alertmanager_notifications_failed_total",
              { ...amTarget(n), integration: "slack", reason: "clientError" },
              "0x10 0+5x3 15x27",
            ),
          ]),
          evalTime: "16m",
          expect: [],
        },
        {
          name: "a quiet night with nothing sent does not page",
          series: integration("opsgenie", 0, 0),
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    configReloadAlert(ctx, {
      alert: "AlertmanagerConfigReloadFailed",
      component: "Alertmanager",
      metric: "alertmanager_config_last_reload_successful",
      selector: sel.alertmanager,
      target: amTarget,
      pod: amPod,
      consequence:
        "It keeps routing with the last good configuration: new receivers, routes and inhibition " +
        "rules are ignored.",
    }),
    {
      alert: "AlertmanagerClusterMembersMissing",
      area: "monitoring",
      severity: "warning",
      expr: `min by (job, namespace) (alertmanager_cluster_members{${sel.alertmanager}}) < ${ctx.alertmanagerReplicas}`,
      for: "10m",
      summary: `An Alertmanager in {{ $labels.namespace }} sees {{ $value }} of ${ctx.alertmanagerReplicas} cluster members`,
      description:
        "At least one Alertmanager of {{ $labels.job }} in {{ $labels.namespace }} has seen only {{ $value }} of " +
        `the ${ctx.alertmanagerReplicas} expected cluster members for 10 minutes. Silences and notification ` +
        "state are not shared: expect duplicate notifications, and one more loss stops delivery.",
      dashboard,
      tests: [
        {
          name: "fires when a replica is gone and the others see one member less",
          series: amReplicas
            .filter((n) => n !== 0 || ctx.alertmanagerReplicas === 1)
            .map((n) =>
              series(
                "alertmanager_cluster_members",
                amTarget(n),
                `${ctx.alertmanagerReplicas} ${ctx.alertmanagerReplicas} ${ctx.alertmanagerReplicas - 1}x28`,
              ),
            ),
          evalTime: "20m",
          expect: [
            {
              labels: am,
              summary: `An Alertmanager in ${monitoringNs} sees ${ctx.alertmanagerReplicas - 1} of ${ctx.alertmanagerReplicas} cluster members`,
              description:
                `At least one Alertmanager of ${jobs.alertmanager} in ${monitoringNs} has seen only ` +
                `${ctx.alertmanagerReplicas - 1} of the ${ctx.alertmanagerReplicas} expected cluster members for 10 ` +
                "minutes. Silences and notification state are not shared: expect duplicate notifications, and " +
                "one more loss stops delivery.",
            },
          ],
        },
        {
          name: "a rolling restart of one member does not warn",
          series: amReplicas.map((n) =>
            series(
              "alertmanager_cluster_members",
              amTarget(n),
              `${ctx.alertmanagerReplicas}x2 ${Math.max(ctx.alertmanagerReplicas - 1, 1)}x3 ${ctx.alertmanagerReplicas}x25`,
            ),
          ),
          evalTime: "6m",
          expect: [],
        },
      ],
    },
    {
      alert: "LokiDown",
      area: "monitoring",
      severity: "warning",
      expr:
        `(sum by (job) (up{${sel.loki}}) == 0)` +
        ` or label_replace(absent(up{${sel.loki}}), "job", "${lokiAbsentJob}", "", "")`,
      for: "10m",
      summary: "Loki {{ $labels.job }} is down",
      description:
        "No target of {{ $labels.job }} has answered a scrape for 10 minutes (threshold: every target down, or " +
        "none scraped at all). Platform logs are not ingested or cannot be queried, and the Loki ruler's " +
        "log alerts do not fire.",
      dashboard,
      tests: [
        {
          name: "fires when every write replica is down",
          series: [0, 1].map((n) =>
            series(
              "up",
              {
                job: lokiWrite,
                namespace: monitoringNs,
                pod: `loki-write-${n}`,
                instance: `10.0.4.${n}:3100`,
              },
              "1 1 0x28",
            ),
          ),
          evalTime: "20m",
          expect: [
            {
              labels: { job: lokiWrite },
              summary: `Loki ${lokiWrite} is down`,
              description:
                `No target of ${lokiWrite} has answered a scrape for 10 minutes (threshold: every target down, or ` +
                "none scraped at all). Platform logs are not ingested or cannot be queried, and the Loki ruler's " +
                "log alerts do not fire.",
            },
          ],
        },
        {
          name: "fires when Loki is not scraped at all",
          series: [series("up", { job: jobs.grafana, namespace: monitoringNs }, "1x30")],
          evalTime: "20m",
          expect: [
            {
              labels: { job: lokiAbsentJob },
              summary: `Loki ${lokiAbsentJob} is down`,
              description:
                `No target of ${lokiAbsentJob} has answered a scrape for 10 minutes (threshold: every target down, ` +
                "or none scraped at all). Platform logs are not ingested or cannot be queried, and the Loki " +
                "ruler's log alerts do not fire.",
            },
          ],
        },
        {
          name: "one write replica down of two is not an outage",
          series: [0, 1].map((n) =>
            series(
              "up",
              {
                job: lokiWrite,
                namespace: monitoringNs,
                pod: `loki-write-${n}`,
                instance: `10.0.4.${n}:3100`,
              },
              n === 0 ? "0x30" : "1x30",
            ),
          ),
          evalTime: "20m",
          expect: [],
        },
        {
          name: "a 5-minute restart does not warn",
          series: [
            series("up", { job: lokiWrite, namespace: monitoringNs, pod: "loki-write-0" }, "1 1 0x5 1x23"),
          ],
          evalTime: "7m",
          expect: [],
        },
      ],
    },
    {
      alert: "LokiRequestErrors",
      area: "monitoring",
      severity: "warning",
      expr:
        `(sum by (job, route) (rate(loki_request_duration_seconds_count{${sel.loki}, status_code=~"5.."}[5m]))` +
        ` / sum by (job, route) (rate(loki_request_duration_seconds_count{${sel.loki}}[5m]))) > ${LOKI_ERROR_RATIO}` +
        ` and sum by (job, route) (rate(loki_request_duration_seconds_count{${sel.loki}}[5m])) > ${t.endpointMinRequestRate}`,
      for: "15m",
      summary:
        "{{ $labels.job }} answers {{ $value | humanizePercentage }} of {{ $labels.route }} requests with 5xx",
      description:
        "{{ $value | humanizePercentage }} of requests to route {{ $labels.route }} of {{ $labels.job }} have failed " +
        `with a server error for 15 minutes (threshold ${humanizePercentage(LOKI_ERROR_RATIO)}). Logs may be ` +
        "lost (push) or dashboards and log alerts blind (query).",
      dashboard,
      tests: [
        {
          name: "fires when half of all pushes fail",
          series: [...lokiTraffic("loki_api_v1_push", 60, 60), ...lokiTraffic("api_prom_push", 60, 0)],
          evalTime: "30m",
          expect: [
            {
              labels: { job: lokiWrite, route: "loki_api_v1_push" },
              summary: `${lokiWrite} answers 50% of loki_api_v1_push requests with 5xx`,
              description:
                `50% of requests to route loki_api_v1_push of ${lokiWrite} have failed with a server error for 15 ` +
                `minutes (threshold ${humanizePercentage(LOKI_ERROR_RATIO)}). Logs may be lost (push) or ` +
                "dashboards and log alerts blind (query).",
            },
          ],
        },
        {
          name: "stays quiet below the threshold",
          series: lokiTraffic("loki_api_v1_push", 1000, Math.floor(1000 * LOKI_ERROR_RATIO * 0.5)),
          evalTime: "30m",
          expect: [],
        },
        {
          name: "one failed query on a quiet route does not warn",
          series: [
            lokiTraffic("loki_api_v1_query_range", 1, 0)[0],
            { ...lokiTraffic("loki_api_v1_query_range", 0, 0)[1], values: "0x10 1x30" },
          ],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    {
      alert: "GrafanaDown",
      area: "monitoring",
      severity: "warning",
      expr: `(sum by (job, namespace) (up{${sel.grafana}}) == 0) or absent(up{${sel.grafana}})`,
      for: "10m",
      summary: "Grafana {{ $labels.job }} is down",
      description:
        "No instance of {{ $labels.job }} in {{ $labels.namespace }} has answered a scrape for 10 minutes " +
        "(threshold: every instance down, or none scraped). Dashboards and the links in every alert are " +
        "unavailable; alerting itself is not affected.",
      dashboard,
      tests: [
        {
          name: "fires when every Grafana replica is down",
          series: [0, 1].map((n) =>
            series(
              "up",
              { ...grafana, pod: `${jobs.grafana}-6c9d7f-${n}`, instance: `10.0.5.${n}:3000` },
              "1 1 0x28",
            ),
          ),
          evalTime: "20m",
          expect: [
            {
              labels: grafana,
              summary: `Grafana ${jobs.grafana} is down`,
              description:
                `No instance of ${jobs.grafana} in ${monitoringNs} has answered a scrape for 10 minutes ` +
                "(threshold: every instance down, or none scraped). Dashboards and the links in every alert are " +
                "unavailable; alerting itself is not affected.",
            },
          ],
        },
        {
          name: "fires when Grafana is not scraped at all",
          series: [series("up", { job: jobs.prometheus, namespace: monitoringNs }, "1x30")],
          evalTime: "20m",
          expect: [
            {
              labels: grafana,
              summary: `Grafana ${jobs.grafana} is down`,
              description:
                `No instance of ${jobs.grafana} in ${monitoringNs} has answered a scrape for 10 minutes ` +
                "(threshold: every instance down, or none scraped). Dashboards and the links in every alert are " +
                "unavailable; alerting itself is not affected.",
            },
          ],
        },
        {
          name: "a 5-minute restart does not warn",
          series: [series("up", { ...grafana, pod: `${jobs.grafana}-6c9d7f-0` }, "1 1 0x5 1x23")],
          evalTime: "7m",
          expect: [],
        },
      ],
    },
    isolationCanaryBlindAlert(ctx),
  ];
  return { area: "monitoring", alerts };
}

/**
 * The isolation canary cannot see: while tenants exist, none of its scrapes succeed (its prober is
 * down or unreachable), so a broken NetworkPolicy would go unnoticed. A failing probe is the canary's
 * healthy state; a failing scrape is not.
 */
function isolationCanaryBlindAlert(ctx: RuleContext): AlertDefinition {
  const canary = ctx.selectors.isolationCanary;
  const ksm = ctx.selectors.kubeStateMetrics;
  const tenantNs = `${ctx.tenantPrefix}acme`;
  const target = {
    job: ctx.names.jobs.isolationCanary,
    namespace: tenantNs,
    source_namespace: ctx.names.jobs.isolationCanary,
    instance: `cameleer3-server.${tenantNs}.svc:8080`,
  };
  const tenantLabels = series(
    "kube_namespace_labels",
    {
      job: ctx.names.jobs.kubeStateMetrics,
      namespace: tenantNs,
      label_cameleer_io_tenant: "acme",
      label_cameleer_io_tier: "business",
    },
    gauge(1, 40),
  );
  const summary = "The tenant isolation canary is blind";
  const description =
    "Tenants exist, but no scrape through the isolation canary's prober has succeeded for 15 minutes: a " +
    "NetworkPolicy that stopped isolating tenants would not be noticed.";
  return {
    alert: "IsolationCanaryBlind",
    area: "monitoring",
    severity: "warning",
    expr:
      `(count(up{${canary}} == 1) or vector(0)) == 0` +
      ` and on () count(kube_namespace_labels{${ksm}, label_cameleer_io_tenant!=""}) > 0`,
    for: "15m",
    summary,
    description,
    dashboard: { dashboard: "security" },
    tests: [
      {
        name: "fires when the prober is down while tenants exist",
        series: [tenantLabels, series("up", target, "1x5 0x35")],
        evalTime: "30m",
        expect: [{ labels: {}, summary, description }],
      },
      {
        name: "fires when the canary scrapes nothing at all",
        series: [tenantLabels],
        evalTime: "30m",
        expect: [{ labels: {}, summary, description }],
      },
      {
        name: "a canary whose probes fail but whose scrapes succeed is healthy",
        series: [
          tenantLabels,
          series("up", target, gauge(1, 40)),
          series("probe_success", target, gauge(0, 40)),
        ],
        evalTime: "30m",
        expect: [],
      },
      {
        name: "no tenants, nothing to probe: quiet",
        series: [series("up", { job: ctx.names.jobs.kubeStateMetrics }, gauge(1, 40))],
        evalTime: "30m",
        expect: [],
      },
    ],
  };
}

/**
 * A TSDB failure counter of Prometheus that kept increasing: a 3h window held for 4h means failures
 * recur across several compaction cycles (every 2h), while one failure that the next retry fixed
 * stays quiet (the kube-prometheus mixin's choice).
 */
function tsdbCounterAlert(
  ctx: RuleContext,
  p: { alert: string; metric: string; summary: string; consequence: string; what: string },
): AlertDefinition {
  const prom = { job: ctx.names.jobs.prometheus, namespace: ctx.names.namespaces.monitoring };
  const pod = `prometheus-${ctx.names.jobs.prometheus}-0`;
  const labels = { ...prom, pod, instance: "10.0.2.10:9090", endpoint: "http-web" };
  const description = (podName: string, ns: string) =>
    `${podName} in ${ns} has had failed TSDB ${p.what}s in every 3-hour window for 4 hours (threshold: any ` +
    `failure). ${p.consequence}`;
  return {
    alert: p.alert,
    area: "monitoring",
    severity: "warning",
    expr: `max by (job, namespace, pod) (increase(${p.metric}{${ctx.selectors.prometheus}}[3h])) > 0`,
    for: "4h",
    summary: p.summary,
    description: description("{{ $labels.pod }}", "{{ $labels.namespace }}"),
    dashboard: { dashboard: "monitoringSelf" },
    tests: [
      {
        name: `fires when every ${p.what} retry fails`,
        series: [series(p.metric, labels, counter(1, 330))],
        evalTime: "300m",
        evaluationInterval: "5m",
        expect: [
          {
            labels: { ...prom, pod },
            summary: p.summary.replace("{{ $labels.pod }}", pod),
            description: description(pod, prom.namespace),
          },
        ],
      },
      {
        name: `one failed ${p.what} that the retry fixed does not warn`,
        series: [series(p.metric, labels, "0x60 1x270")],
        evalTime: "230m",
        evaluationInterval: "5m",
        expect: [],
      },
    ],
  };
}

/** A component whose last configuration reload failed: it keeps the previous configuration. */
function configReloadAlert(
  ctx: RuleContext,
  p: {
    alert: string;
    component: "Prometheus" | "Alertmanager";
    metric: string;
    selector: string;
    target: (n: number) => Record<string, string>;
    pod: (n: number) => string;
    consequence: string;
  },
): AlertDefinition {
  const ns = ctx.names.namespaces.monitoring;
  const job = p.component === "Prometheus" ? ctx.names.jobs.prometheus : ctx.names.jobs.alertmanager;
  const description = (pod: string, namespace: string) =>
    `The last configuration reload of ${pod} in ${namespace} failed and has not succeeded since, for 10 ` +
    `minutes (threshold: last reload unsuccessful). ${p.consequence}`;
  return {
    alert: p.alert,
    area: "monitoring",
    severity: "warning",
    expr: `max by (job, namespace, pod) (${p.metric}{${p.selector}}) == 0`,
    for: "10m",
    summary: `${p.component} {{ $labels.pod }} failed to reload its configuration`,
    description: description("{{ $labels.pod }}", "{{ $labels.namespace }}"),
    dashboard: { dashboard: "monitoringSelf" },
    tests: [
      {
        name: "fires when a broken configuration stays in place",
        series: [series(p.metric, p.target(0), "1 1 0x28"), series(p.metric, p.target(1), "1x30")],
        evalTime: "20m",
        expect: [
          {
            labels: { job, namespace: ns, pod: p.pod(0) },
            summary: `${p.component} ${p.pod(0)} failed to reload its configuration`,
            description: description(p.pod(0), ns),
          },
        ],
      },
      {
        name: "a bad configuration fixed within 5 minutes does not warn",
        series: [series(p.metric, p.target(0), "1x10 0x5 1x15")],
        evalTime: "16m",
        expect: [],
      },
    ],
  };
}
