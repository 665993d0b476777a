/**
 * Control plane (`cameleer-saas`): the API tenants sign in to and provision through. Down or
 * degraded here is visible to every customer at once, so the availability alerts page.
 */
import type { RuleContext } from "../context";
import { humanizeDuration, humanizePercentage, goFormatG4 } from "../rule-files";
import { counter, gauge, histogram, series } from "../testing";
import type { AlertDefinition, AreaRules } from "../types";

export function controlPlaneRules(ctx: RuleContext): AreaRules {
  const cp = ctx.selectors.controlPlane;
  const t = ctx.thresholds;
  const target = { job: ctx.names.jobs.controlPlane, namespace: ctx.names.namespaces.controlPlane };
  const pod = (n: number) => ({ ...target, pod: `cameleer-saas-${n}`, instance: `10.0.1.${n}:8081` });
  const requests = "http_server_requests_seconds";
  const minRate = t.endpointMinRequestRate;

  /** Request counters of one pod: `ok` and `errors` requests per minute, for 30 minutes. */
  const traffic = (okPerMin: number, errorsPerMin: number, extra: Record<string, string> = {}) => [
    series(
      `${requests}_count`,
      { ...pod(0), ...extra, method: "GET", status: "200", outcome: "SUCCESS" },
      counter(okPerMin, 30),
    ),
    series(
      `${requests}_count`,
      { ...pod(0), ...extra, method: "GET", status: "503", outcome: "SERVER_ERROR" },
      counter(errorsPerMin, 30),
    ),
  ];
  /** Latency buckets around a threshold: requests either well under it or well over it. */
  const latency = (threshold: number, slowShare: number, extra: Record<string, string> = {}) =>
    histogram(
      requests,
      { ...pod(0), ...extra, method: "GET", status: "200", outcome: "SUCCESS" },
      [
        { le: threshold / 4, perStep: 100 * (1 - slowShare) },
        { le: threshold / 2, perStep: 0 },
        { le: threshold * 2, perStep: 0 },
        { le: threshold * 4, perStep: 100 * slowShare },
        { le: "+Inf", perStep: 0 },
      ],
      30,
    );

  const alerts: AlertDefinition[] = [
    {
      alert: "ControlPlaneDown",
      area: "control-plane",
      severity: "critical",
      expr: `(sum by (job, namespace) (up{${cp}}) == 0) or absent(up{${cp}})`,
      for: "3m",
      summary: "Control plane {{ $labels.job }} is down",
      description:
        "No instance of {{ $labels.job }} in {{ $labels.namespace }} has answered a scrape for 3 minutes. " +
        "Tenants cannot sign in, provision or call the API.",
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires when every replica is down for 3 minutes",
          series: [series("up", pod(0), "1 1 0x10"), series("up", pod(1), "1 1 0x10")],
          evalTime: "8m",
          expect: [
            {
              labels: target,
              summary: "Control plane cameleer-saas is down",
              description:
                `No instance of cameleer-saas in ${target.namespace} has answered a scrape for 3 minutes. ` +
                "Tenants cannot sign in, provision or call the API.",
            },
          ],
        },
        {
          name: "fires when the control plane is not scraped at all",
          series: [series("up", { job: "some-other-job", namespace: "default" }, "1x10")],
          evalTime: "8m",
          expect: [
            {
              labels: target,
              summary: "Control plane cameleer-saas is down",
              description:
                `No instance of cameleer-saas in ${target.namespace} has answered a scrape for 3 minutes. ` +
                "Tenants cannot sign in, provision or call the API.",
            },
          ],
        },
        {
          name: "a 2-minute blip does not page",
          series: [series("up", pod(0), "1 1 0 0 1x10"), series("up", pod(1), "1 1 0 0 1x10")],
          evalTime: "5m",
          expect: [],
        },
        {
          name: "one replica down is not an outage",
          series: [series("up", pod(0), "0x10"), series("up", pod(1), "1x10")],
          evalTime: "8m",
          expect: [],
        },
      ],
    },
    {
      alert: "ControlPlaneHighErrorRate",
      area: "control-plane",
      severity: "critical",
      expr:
        `(sum by (job, namespace) (rate(${requests}_count{${cp}, status=~"5.."}[5m]))` +
        ` / sum by (job, namespace) (rate(${requests}_count{${cp}}[5m]))) > ${t.controlPlaneErrorRatio}` +
        ` and sum by (job, namespace) (rate(${requests}_count{${cp}}[5m])) > ${minRate}`,
      for: "5m",
      summary:
        "Control plane {{ $labels.job }} answers {{ $value | humanizePercentage }} of requests with 5xx",
      description:
        "{{ $value | humanizePercentage }} of requests to {{ $labels.job }} in {{ $labels.namespace }} failed " +
        `with a server error over the last 5 minutes (threshold ${humanizePercentage(t.controlPlaneErrorRatio)}).`,
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires when half of all requests fail",
          series: traffic(60, 60),
          evalTime: "15m",
          expect: [
            {
              labels: target,
              summary: "Control plane cameleer-saas answers 50% of requests with 5xx",
              description:
                `50% of requests to cameleer-saas in ${target.namespace} failed with a server error over the last ` +
                `5 minutes (threshold ${humanizePercentage(t.controlPlaneErrorRatio)}).`,
            },
          ],
        },
        {
          name: "stays quiet below the threshold",
          series: traffic(1000, Math.floor(1000 * t.controlPlaneErrorRatio * 0.5)),
          evalTime: "15m",
          expect: [],
        },
        {
          name: "one failed request in a quiet night does not page",
          series: [
            series(
              `${requests}_count`,
              { ...pod(0), method: "GET", status: "200", outcome: "SUCCESS" },
              "0+1x30",
            ),
            series(
              `${requests}_count`,
              { ...pod(0), method: "GET", status: "500", outcome: "SERVER_ERROR" },
              "0x10 1x20",
            ),
          ],
          evalTime: "15m",
          expect: [],
        },
      ],
    },
    {
      alert: "ControlPlaneHighLatency",
      area: "control-plane",
      severity: "critical",
      expr:
        `histogram_quantile(0.99, sum by (job, namespace, le) (rate(${requests}_bucket{${cp}}[5m])))` +
        ` > ${t.controlPlaneLatencyP99Seconds}`,
      for: "10m",
      summary: "Control plane {{ $labels.job }} p99 latency is {{ $value | humanizeDuration }}",
      description:
        "The 99th percentile of request latency of {{ $labels.job }} in {{ $labels.namespace }} has been " +
        `{{ $value | humanizeDuration }} for 10 minutes (threshold ${humanizeDuration(t.controlPlaneLatencyP99Seconds)}).`,
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires when the slowest requests take four times the threshold",
          series: latency(t.controlPlaneLatencyP99Seconds, 0.2),
          evalTime: "20m",
          expect: [
            {
              labels: target,
              summary: `Control plane cameleer-saas p99 latency is ${humanizeDuration(p99(t.controlPlaneLatencyP99Seconds, 0.2))}`,
              description:
                `The 99th percentile of request latency of cameleer-saas in ${target.namespace} has been ` +
                `${humanizeDuration(p99(t.controlPlaneLatencyP99Seconds, 0.2))} for 10 minutes ` +
                `(threshold ${humanizeDuration(t.controlPlaneLatencyP99Seconds)}).`,
            },
          ],
        },
        {
          name: "stays quiet when requests are fast",
          series: latency(t.controlPlaneLatencyP99Seconds, 0),
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "ControlPlaneEndpointErrorRateHigh",
      area: "control-plane",
      severity: "warning",
      expr:
        `(sum by (job, namespace, method, uri) (rate(${requests}_count{${cp}, status=~"5.."}[10m]))` +
        ` / sum by (job, namespace, method, uri) (rate(${requests}_count{${cp}}[10m]))) > ${t.endpointErrorRatio}` +
        ` and sum by (job, namespace, method, uri) (rate(${requests}_count{${cp}}[10m])) > ${minRate}`,
      for: "10m",
      summary: "{{ $labels.method }} {{ $labels.uri }} fails {{ $value | humanizePercentage }} of requests",
      description:
        "{{ $value | humanizePercentage }} of {{ $labels.method }} {{ $labels.uri }} requests to {{ $labels.job }} " +
        `failed with a server error over 10 minutes (threshold ${humanizePercentage(t.endpointErrorRatio)}).`,
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires for the one endpoint that fails",
          series: [
            ...traffic(600, 0, { uri: "/api/tenants" }),
            ...traffic(30, 30, { uri: "/api/tenants/{id}/agents" }),
          ],
          evalTime: "25m",
          expect: [
            {
              labels: { ...target, method: "GET", uri: "/api/tenants/{id}/agents" },
              summary: "GET /api/tenants/{id}/agents fails 50% of requests",
              description:
                "50% of GET /api/tenants/{id}/agents requests to cameleer-saas failed with a server error over " +
                `10 minutes (threshold ${humanizePercentage(t.endpointErrorRatio)}).`,
            },
          ],
        },
        {
          name: "stays quiet on an endpoint too quiet to judge",
          series: traffic(0, 0.5 * minRate * 60, { uri: "/api/rarely" }),
          evalTime: "25m",
          expect: [],
        },
      ],
    },
    {
      alert: "ControlPlaneEndpointLatencyHigh",
      area: "control-plane",
      severity: "warning",
      expr:
        `histogram_quantile(0.99, sum by (job, namespace, method, uri, le) (rate(${requests}_bucket{${cp}}[10m])))` +
        ` > ${t.endpointLatencyP99Seconds}` +
        ` and sum by (job, namespace, method, uri) (rate(${requests}_count{${cp}}[10m])) > ${minRate}`,
      for: "15m",
      summary: "{{ $labels.method }} {{ $labels.uri }} p99 latency is {{ $value | humanizeDuration }}",
      description:
        "The 99th percentile latency of {{ $labels.method }} {{ $labels.uri }} on {{ $labels.job }} has been " +
        `{{ $value | humanizeDuration }} for 15 minutes (threshold ${humanizeDuration(t.endpointLatencyP99Seconds)}).`,
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires for a slow endpoint",
          series: [
            ...latency(t.endpointLatencyP99Seconds, 0.5, { uri: "/api/reports" }),
            series(
              `${requests}_count`,
              { ...pod(0), uri: "/api/reports", method: "GET", status: "200", outcome: "SUCCESS" },
              counter(100, 30),
            ),
          ],
          evalTime: "30m",
          expect: [
            {
              labels: { ...target, method: "GET", uri: "/api/reports" },
              summary: `GET /api/reports p99 latency is ${humanizeDuration(p99(t.endpointLatencyP99Seconds, 0.5))}`,
              description:
                "The 99th percentile latency of GET /api/reports on cameleer-saas has been " +
                `${humanizeDuration(p99(t.endpointLatencyP99Seconds, 0.5))} for 15 minutes ` +
                `(threshold ${humanizeDuration(t.endpointLatencyP99Seconds)}).`,
            },
          ],
        },
        {
          name: "stays quiet for a fast endpoint",
          series: [
            ...latency(t.endpointLatencyP99Seconds, 0, { uri: "/api/reports" }),
            series(
              `${requests}_count`,
              { ...pod(0), uri: "/api/reports", method: "GET", status: "200", outcome: "SUCCESS" },
              counter(100, 30),
            ),
          ],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    probeAlert(ctx, {
      alert: "ControlPlaneLivenessProbeFailing",
      severity: "critical",
      probe: "liveness",
      for: "3m",
      meaning: "The JVM is wedged or shutting down; Kubernetes is restarting it and requests fail meanwhile.",
    }),
    probeAlert(ctx, {
      alert: "ControlPlaneReadinessProbeFailing",
      severity: "warning",
      probe: "readiness",
      for: "5m",
      meaning: "It is running but reports a dependency (database, OpenSearch) as down and takes no traffic.",
    }),
    {
      alert: "PublicEndpointDown",
      area: "control-plane",
      severity: "critical",
      expr: `max by (job, target, instance) (probe_success{${ctx.selectors.blackbox}, probe="public"}) == 0`,
      for: "3m",
      summary: "Public endpoint {{ $labels.target }} is unreachable",
      description:
        "Every probe of {{ $labels.instance }} has failed for 3 minutes (connection, TLS or a non-2xx answer): " +
        "customers cannot reach it, whatever the pods report.",
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires when the login page stops answering",
          series: [
            series(
              "probe_success",
              {
                job: ctx.names.jobs.blackbox,
                probe: "public",
                target: "login",
                instance: "https://app.cameleer.io/login",
              },
              "1 1 0x15",
            ),
          ],
          evalTime: "12m",
          expect: [
            {
              labels: {
                job: ctx.names.jobs.blackbox,
                target: "login",
                instance: "https://app.cameleer.io/login",
              },
              summary: "Public endpoint login is unreachable",
              description:
                "Every probe of https://app.cameleer.io/login has failed for 3 minutes (connection, TLS or a non-2xx " +
                "answer): customers cannot reach it, whatever the pods report.",
            },
          ],
        },
        {
          name: "a probe that fails twice does not page",
          series: [
            series(
              "probe_success",
              {
                job: ctx.names.jobs.blackbox,
                probe: "public",
                target: "login",
                instance: "https://app.cameleer.io/login",
              },
              "1 0 0 1x15",
            ),
          ],
          evalTime: "12m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantProvisioningFailing",
      area: "control-plane",
      severity: "critical",
      expr:
        `(sum by (job, namespace, tier) (rate(cameleer_provisioning_requests_total{${cp}, outcome="failure"}[30m]))` +
        ` / sum by (job, namespace, tier) (rate(cameleer_provisioning_requests_total{${cp}}[30m])))` +
        ` > ${t.provisioningFailureRatio}` +
        ` and sum by (job, namespace, tier) (increase(cameleer_provisioning_requests_total{${cp}, outcome="failure"}[30m])) > 1`,
      for: "5m",
      summary:
        "Tenant provisioning fails for {{ $value | humanizePercentage }} of {{ $labels.tier }} tenants",
      description:
        "{{ $value | humanizePercentage }} of {{ $labels.tier }}-tier provisioning runs failed over the last " +
        `30 minutes (threshold ${humanizePercentage(t.provisioningFailureRatio)}): new customers are not getting their tenant.`,
      dashboard: { dashboard: "platformOverview" },
      tests: [
        {
          name: "fires when most business-tier provisioning runs fail",
          series: [
            series(
              "cameleer_provisioning_requests_total",
              { ...pod(0), outcome: "success", tier: "business" },
              counter(1, 40),
            ),
            series(
              "cameleer_provisioning_requests_total",
              { ...pod(0), outcome: "failure", tier: "business" },
              counter(3, 40),
            ),
            series(
              "cameleer_provisioning_requests_total",
              { ...pod(0), outcome: "success", tier: "standard" },
              counter(5, 40),
            ),
          ],
          evalTime: "40m",
          expect: [
            {
              labels: { ...target, tier: "business" },
              summary: "Tenant provisioning fails for 75% of business tenants",
              description:
                "75% of business-tier provisioning runs failed over the last 30 minutes " +
                `(threshold ${humanizePercentage(t.provisioningFailureRatio)}): new customers are not getting their tenant.`,
            },
          ],
        },
        {
          name: "a single failure among few runs does not page",
          series: [
            series(
              "cameleer_provisioning_requests_total",
              { ...pod(0), outcome: "success", tier: "high" },
              "0x20 1x20",
            ),
            series(
              "cameleer_provisioning_requests_total",
              { ...pod(0), outcome: "failure", tier: "high" },
              "0x25 1x15",
            ),
          ],
          evalTime: "40m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantProvisioningSlow",
      area: "control-plane",
      severity: "warning",
      expr:
        `histogram_quantile(0.95, sum by (job, namespace, le) (rate(cameleer_provisioning_duration_seconds_bucket{${cp}}[30m])))` +
        ` > ${t.provisioningP95Seconds}`,
      for: "15m",
      summary: "Tenant provisioning p95 takes {{ $value | humanizeDuration }}",
      description:
        "95% of tenants became ready within {{ $value | humanizeDuration }} over the last 30 minutes " +
        `(threshold ${humanizeDuration(t.provisioningP95Seconds)}). Look for a slow step: namespace, database, Flux.`,
      dashboard: { dashboard: "platformOverview" },
      tests: [
        {
          name: "fires when provisioning takes four times the threshold",
          series: histogram(
            "cameleer_provisioning_duration_seconds",
            { ...pod(0), outcome: "success" },
            [
              { le: t.provisioningP95Seconds / 2, perStep: 0 },
              { le: t.provisioningP95Seconds * 2, perStep: 0 },
              { le: t.provisioningP95Seconds * 4, perStep: 2 },
              { le: "+Inf", perStep: 0 },
            ],
            60,
          ),
          evalTime: "50m",
          expect: [
            {
              labels: target,
              summary: `Tenant provisioning p95 takes ${humanizeDuration(p95InBucket(t.provisioningP95Seconds))}`,
              description:
                `95% of tenants became ready within ${humanizeDuration(p95InBucket(t.provisioningP95Seconds))} over the ` +
                `last 30 minutes (threshold ${humanizeDuration(t.provisioningP95Seconds)}). Look for a slow step: ` +
                "namespace, database, Flux.",
            },
          ],
        },
        {
          name: "stays quiet when provisioning is fast",
          series: histogram(
            "cameleer_provisioning_duration_seconds",
            { ...pod(0), outcome: "success" },
            [
              { le: t.provisioningP95Seconds / 2, perStep: 2 },
              { le: t.provisioningP95Seconds * 2, perStep: 0 },
              { le: "+Inf", perStep: 0 },
            ],
            60,
          ),
          evalTime: "50m",
          expect: [],
        },
      ],
    },
    {
      alert: "ProvisioningQueueBacklog",
      area: "control-plane",
      severity: "warning",
      expr: `max by (job, namespace) (cameleer_provisioning_queue_depth{${cp}}) > ${t.provisioningQueueDepth}`,
      for: "15m",
      summary: "{{ $value }} tenant provisioning requests are waiting",
      description:
        `The provisioning queue has held more than ${t.provisioningQueueDepth} requests for 15 minutes: ` +
        "provisioning workers are stuck or too few.",
      dashboard: { dashboard: "platformOverview" },
      tests: [
        {
          name: "fires on a queue that stays long",
          series: [
            series("cameleer_provisioning_queue_depth", pod(0), gauge(t.provisioningQueueDepth * 2, 30)),
          ],
          evalTime: "20m",
          expect: [
            {
              labels: target,
              summary: `${t.provisioningQueueDepth * 2} tenant provisioning requests are waiting`,
              description:
                `The provisioning queue has held more than ${t.provisioningQueueDepth} requests for 15 minutes: ` +
                "provisioning workers are stuck or too few.",
            },
          ],
        },
        {
          name: "a short burst does not warn",
          series: [
            series("cameleer_provisioning_queue_depth", pod(0), `${t.provisioningQueueDepth * 2}x10 1x20`),
          ],
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "ControlPlaneJvmHeapHigh",
      area: "control-plane",
      severity: "warning",
      // Pools without a maximum report -1; the heap's maximum is the sum of those that have one.
      expr:
        `sum by (job, namespace, pod) (jvm_memory_used_bytes{${cp}, area="heap"})` +
        ` / sum by (job, namespace, pod) (jvm_memory_max_bytes{${cp}, area="heap"} > 0) > ${t.jvmHeapRatio}`,
      for: "15m",
      summary: "{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its heap",
      description:
        "The heap of {{ $labels.pod }} has been above " +
        `${humanizePercentage(t.jvmHeapRatio)} of its maximum for 15 minutes: garbage collection will ` +
        "dominate, then the JVM runs out of memory.",
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires when the old generation is nearly full",
          series: [
            series("jvm_memory_used_bytes", { ...pod(0), area: "heap", id: "G1 Old Gen" }, gauge(990, 30)),
            series("jvm_memory_max_bytes", { ...pod(0), area: "heap", id: "G1 Old Gen" }, gauge(1000, 30)),
            series("jvm_memory_used_bytes", { ...pod(0), area: "heap", id: "G1 Eden Space" }, gauge(2, 30)),
            series("jvm_memory_max_bytes", { ...pod(0), area: "heap", id: "G1 Eden Space" }, gauge(-1, 30)),
          ],
          evalTime: "20m",
          expect: [
            {
              labels: { ...target, pod: "cameleer-saas-0" },
              summary: "cameleer-saas-0 uses 99.2% of its heap",
              description:
                `The heap of cameleer-saas-0 has been above ${humanizePercentage(t.jvmHeapRatio)} of its maximum ` +
                "for 15 minutes: garbage collection will dominate, then the JVM runs out of memory.",
            },
          ],
        },
        {
          name: "stays quiet at half the heap",
          series: [
            series("jvm_memory_used_bytes", { ...pod(0), area: "heap", id: "G1 Old Gen" }, gauge(500, 30)),
            series("jvm_memory_max_bytes", { ...pod(0), area: "heap", id: "G1 Old Gen" }, gauge(1000, 30)),
          ],
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "ControlPlaneGcPressure",
      area: "control-plane",
      severity: "warning",
      expr: `sum by (job, namespace, pod) (rate(jvm_gc_pause_seconds_sum{${cp}}[5m])) > ${t.jvmGcTimeRatio}`,
      for: "15m",
      summary: "{{ $labels.pod }} spends {{ $value | humanizePercentage }} of its time in GC pauses",
      description:
        "{{ $labels.pod }} has spent more than " +
        `${humanizePercentage(t.jvmGcTimeRatio)} of wall time in garbage-collection pauses for 15 minutes; ` +
        "requests stall during pauses.",
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires when a third of each minute is paused",
          series: [
            series(
              "jvm_gc_pause_seconds_sum",
              { ...pod(0), action: "end of major GC", cause: "G1 Evacuation Pause" },
              counter(20, 40),
            ),
          ],
          evalTime: "30m",
          expect: [
            {
              labels: { ...target, pod: "cameleer-saas-0" },
              summary: `cameleer-saas-0 spends ${humanizePercentage(20 / 60)} of its time in GC pauses`,
              description:
                `cameleer-saas-0 has spent more than ${humanizePercentage(t.jvmGcTimeRatio)} of wall time in ` +
                "garbage-collection pauses for 15 minutes; requests stall during pauses.",
            },
          ],
        },
        {
          name: "stays quiet with normal GC",
          series: [
            series(
              "jvm_gc_pause_seconds_sum",
              { ...pod(0), action: "end of minor GC", cause: "G1 Evacuation Pause" },
              counter(0.3, 40),
            ),
          ],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    {
      alert: "ControlPlaneDatabasePoolExhausted",
      area: "control-plane",
      severity: "critical",
      expr:
        `(max by (job, namespace, pod, pool) (hikaricp_connections_pending{${cp}}) > 0` +
        ` and on (job, namespace, pod, pool) (max by (job, namespace, pod, pool) (hikaricp_connections_active{${cp}})` +
        ` / max by (job, namespace, pod, pool) (hikaricp_connections_max{${cp}})) >= ${t.hikariSaturationRatio})` +
        ` or (sum by (job, namespace, pod, pool) (increase(hikaricp_connections_timeout_total{${cp}}[5m])) > 0)`,
      for: "5m",
      summary: "Database connection pool {{ $labels.pool }} of {{ $labels.pod }} is exhausted",
      description:
        "Threads of {{ $labels.pod }} wait for a connection of pool {{ $labels.pool }}, which is saturated, or " +
        "give up waiting: requests needing the database fail or hang.",
      dashboard: { dashboard: "controlPlane" },
      tests: [
        {
          name: "fires when every connection is busy and threads queue",
          series: [
            series("hikaricp_connections_pending", { ...pod(0), pool: "HikariPool-1" }, gauge(12, 20)),
            series("hikaricp_connections_active", { ...pod(0), pool: "HikariPool-1" }, gauge(20, 20)),
            series("hikaricp_connections_max", { ...pod(0), pool: "HikariPool-1" }, gauge(20, 20)),
          ],
          evalTime: "10m",
          expect: [
            {
              labels: { ...target, pod: "cameleer-saas-0", pool: "HikariPool-1" },
              summary: "Database connection pool HikariPool-1 of cameleer-saas-0 is exhausted",
              description:
                "Threads of cameleer-saas-0 wait for a connection of pool HikariPool-1, which is saturated, or give " +
                "up waiting: requests needing the database fail or hang.",
            },
          ],
        },
        {
          name: "fires when connection requests time out",
          series: [
            series("hikaricp_connections_timeout_total", { ...pod(0), pool: "HikariPool-1" }, counter(3, 20)),
          ],
          evalTime: "12m",
          expect: [
            {
              labels: { ...target, pod: "cameleer-saas-0", pool: "HikariPool-1" },
              summary: "Database connection pool HikariPool-1 of cameleer-saas-0 is exhausted",
              description:
                "Threads of cameleer-saas-0 wait for a connection of pool HikariPool-1, which is saturated, or give " +
                "up waiting: requests needing the database fail or hang.",
            },
          ],
        },
        {
          name: "a busy pool with spare connections is fine",
          series: [
            series("hikaricp_connections_pending", { ...pod(0), pool: "HikariPool-1" }, gauge(1, 20)),
            series("hikaricp_connections_active", { ...pod(0), pool: "HikariPool-1" }, gauge(10, 20)),
            series("hikaricp_connections_max", { ...pod(0), pool: "HikariPool-1" }, gauge(20, 20)),
            series("hikaricp_connections_timeout_total", { ...pod(0), pool: "HikariPool-1" }, gauge(4, 20)),
          ],
          evalTime: "10m",
          expect: [],
        },
      ],
    },
    jwtExpiryAlert(ctx, "JwtSigningKeyExpiringSoon", "warning", t.jwtKeyExpiryWarningDays),
    jwtExpiryAlert(ctx, "JwtSigningKeyExpiryImminent", "critical", 2),
    {
      alert: "AuthFailureSpike",
      area: "control-plane",
      severity: "warning",
      expr: `sum by (job, namespace, reason) (rate(cameleer_auth_failures_total{${cp}}[5m])) > ${t.authFailureRate}`,
      for: "10m",
      summary: '{{ $value | printf "%.1f" }} authentication failures per second ({{ $labels.reason }})',
      description:
        "Logins or tokens rejected for reason {{ $labels.reason }} have exceeded " +
        `${goFormatG4(t.authFailureRate)}/s for 10 minutes: credential stuffing, a broken client release, or ` +
        "an expired key.",
      dashboard: { dashboard: "security" },
      tests: [
        {
          name: "fires on a sustained burst of bad passwords",
          series: [
            series(
              "cameleer_auth_failures_total",
              { ...pod(0), reason: "bad_credentials" },
              counter(t.authFailureRate * 120, 40),
            ),
            series("cameleer_auth_failures_total", { ...pod(0), reason: "expired_token" }, counter(1, 40)),
          ],
          evalTime: "30m",
          expect: [
            {
              labels: { ...target, reason: "bad_credentials" },
              summary: `${(t.authFailureRate * 2).toFixed(1)} authentication failures per second (bad_credentials)`,
              description:
                `Logins or tokens rejected for reason bad_credentials have exceeded ${goFormatG4(t.authFailureRate)}/s ` +
                "for 10 minutes: credential stuffing, a broken client release, or an expired key.",
            },
          ],
        },
        {
          name: "normal typos do not warn",
          series: [
            series("cameleer_auth_failures_total", { ...pod(0), reason: "bad_credentials" }, counter(10, 40)),
          ],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
  ];
  return { area: "control-plane", alerts };

  /** histogram_quantile's estimate when the slow share sits in (4×threshold/2, 4×threshold]: linear. */
  function p99(threshold: number, slowShare: number): number {
    if (slowShare === 0) return (threshold / 4) * 0.99;
    const rank = 0.99;
    const below = 1 - slowShare;
    // Position inside the bucket (2×threshold, 4×threshold].
    return threshold * 2 + (threshold * 4 - threshold * 2) * ((rank - below) / slowShare);
  }
  /** All observations in (2×, 4×]: p95 lies 95 % of the way through that bucket. */
  function p95InBucket(threshold: number): number {
    return threshold * 2 + (threshold * 4 - threshold * 2) * 0.95;
  }
}

/** A failing blackbox probe of the control plane's actuator health group. */
function probeAlert(
  ctx: RuleContext,
  p: {
    alert: string;
    severity: "critical" | "warning";
    probe: "liveness" | "readiness";
    for: "3m" | "5m";
    meaning: string;
  },
): AlertDefinition {
  const labels = {
    job: ctx.names.jobs.blackbox,
    probe: p.probe,
    service: "cameleer-saas",
    instance: `http://cameleer-saas.${ctx.names.namespaces.controlPlane}.svc.cluster.local:8081/actuator/health/${p.probe}`,
  };
  const minutes = p.for.replace("m", "");
  return {
    alert: p.alert,
    area: "control-plane",
    severity: p.severity,
    expr: `max by (job, probe, service, instance) (probe_success{${ctx.selectors.blackbox}, probe="${p.probe}", service="cameleer-saas"}) == 0`,
    for: p.for,
    summary: `Control plane ${p.probe} probe is failing`,
    description: `{{ $labels.instance }} has failed every probe for ${minutes} minutes. ${p.meaning}`,
    dashboard: { dashboard: "controlPlane" },
    tests: [
      {
        name: `fires when the ${p.probe} endpoint answers 503`,
        series: [series("probe_success", labels, "1 1 0x15")],
        evalTime: "12m",
        expect: [
          {
            labels,
            summary: `Control plane ${p.probe} probe is failing`,
            description: `${labels.instance} has failed every probe for ${minutes} minutes. ${p.meaning}`,
          },
        ],
      },
      {
        name: "a single failed probe does not alert",
        series: [series("probe_success", labels, "1 1 0 1x15")],
        evalTime: "12m",
        expect: [],
      },
    ],
  };
}

/** A JWT signing key that expires within `days`: tokens signed with it stop validating. */
function jwtExpiryAlert(
  ctx: RuleContext,
  alert: string,
  severity: "critical" | "warning",
  days: number,
): AlertDefinition {
  const target = { job: ctx.names.jobs.controlPlane, namespace: ctx.names.namespaces.controlPlane };
  const now = 0;
  const expiresIn = (d: number) => now + d * 86400;
  return {
    alert,
    area: "control-plane",
    severity,
    expr:
      `min by (job, namespace, kid) (cameleer_jwt_signing_key_expiry_timestamp_seconds{${ctx.selectors.controlPlane}})` +
      ` - time() < ${days * 86400}`,
    for: "10m",
    summary: "JWT signing key {{ $labels.kid }} expires in {{ $value | humanizeDuration }}",
    description:
      `Signing key {{ $labels.kid }} of {{ $labels.job }} expires in less than ${days} days. Rotate it before ` +
      "then, or every session and API token it signed stops validating.",
    dashboard: { dashboard: "security" },
    tests: [
      {
        name: `fires for a key that expires within ${days} days`,
        series: [
          series(
            "cameleer_jwt_signing_key_expiry_timestamp_seconds",
            { ...target, pod: "cameleer-saas-0", kid: "2026-11" },
            gauge(expiresIn(days / 2), 60),
          ),
        ],
        evalTime: "30m",
        expect: [
          {
            labels: { ...target, kid: "2026-11" },
            summary: `JWT signing key 2026-11 expires in ${humanizeDuration(expiresIn(days / 2) - 1800)}`,
            description:
              `Signing key 2026-11 of cameleer-saas expires in less than ${days} days. Rotate it before then, or ` +
              "every session and API token it signed stops validating.",
          },
        ],
      },
      {
        name: "a key 60 days out is fine",
        series: [
          series(
            "cameleer_jwt_signing_key_expiry_timestamp_seconds",
            { ...target, pod: "cameleer-saas-0", kid: "2027-01" },
            gauge(expiresIn(60), 60),
          ),
        ],
        evalTime: "30m",
        expect: [],
      },
    ],
  };
}
