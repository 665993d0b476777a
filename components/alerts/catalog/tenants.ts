/**
 * Tenants: each tenant's `cameleer3-server` and Camel apps in namespace `<tenantPrefix><id>`. Tenants
 * come and go without a deploy, so every rule selects them by namespace pattern and every alert names
 * its tenant twice: `namespace` and a `tenant` label derived from it (never joined from
 * kube-state-metrics, so it is there even when kube-state-metrics is what is down).
 */
import { withTenantLabel, type RuleContext } from "../context";
import { humanizePercentage } from "../rule-files";
import { counter, gauge, series } from "../testing";
import type { AlertDefinition, AreaRules, DashboardLink, TestSeries } from "../types";

/**
 * Name of the tenant server's Deployment in every tenant namespace (the same as its
 * `app.kubernetes.io/name`, per the metrics contract); only its replica counts are read here.
 */
export const TENANT_SERVER_DEPLOYMENT = "cameleer3-server";

/**
 * Failed ingest events in 10 minutes below which a tenant is too quiet to judge: one malformed batch
 * from a single agent is the customer's problem, not a failing pipeline. Not in the stack config
 * because it does not differ between environments.
 */
const MIN_FAILED_INGEST_EVENTS = 10;

/** How long after an OOM kill the alert keeps showing it: long enough to be read in chat. */
const OOM_WINDOW = "15m";

export function tenantRules(ctx: RuleContext): AreaRules {
  const t = ctx.thresholds;
  const jobs = ctx.names.jobs;
  const server = ctx.selectors.tenantServer;
  const ksm = `${ctx.selectors.kubeStateMetrics}, ${ctx.selectors.tenantNamespaces}`;
  /**
   * Adds the pod's `node` (from kube_pod_info), so that Alertmanager can let a NodeNotReady explain
   * the alerts of the pods that ran there. A pod without kube_pod_info still alerts, without `node`.
   */
  const withNode = (expr: string) =>
    `(${expr}) * on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info{${ksm}})` +
    ` or on (namespace, pod, container) (${expr})`;
  const NODE = "ip-10-0-1-17.eu-central-1.compute.internal";
  const podInfo = (labels: Record<string, string>, steps: number) =>
    series(
      "kube_pod_info",
      { job: labels.job, namespace: labels.namespace, pod: labels.pod, node: NODE },
      gauge(1, steps),
    );
  const dashboard: DashboardLink = { dashboard: "tenantHealth", vars: { tenant: "{{ $labels.tenant }}" } };

  const serverSpec = `kube_deployment_spec_replicas{${ksm}, deployment="${TENANT_SERVER_DEPLOYMENT}"}`;
  const serverAvailable = `kube_deployment_status_replicas_available{${ksm}, deployment="${TENANT_SERVER_DEPLOYMENT}"}`;
  const requests = "http_server_requests_seconds_count";
  const ingest = "cameleer3_server_ingest_events_total";

  // Test fixtures: the labels each source really puts on its series.
  const ns = (id: string) => `${ctx.tenantPrefix}${id}`;
  /** The labels every tenant alert identifies its tenant with. */
  const tenant = (id: string) => ({ namespace: ns(id), tenant: id });
  const serverPodName = (n: number) => `cameleer3-server-6f7c9d8b5-${["x7k2p", "m4q9z"][n]}`;
  /** A tenant server target; the ServiceMonitor adds `tenant` itself. */
  const serverPod = (id: string, n = 0) => ({
    job: jobs.tenantServer,
    namespace: ns(id),
    tenant: id,
    pod: serverPodName(n),
    instance: `10.2.${n}.17:8081`,
  });
  const ksmTarget = { job: jobs.kubeStateMetrics, instance: "10.0.3.12:8080" };
  const containerOf = (id: string, pod: string, container: string) => ({
    ...ksmTarget,
    namespace: ns(id),
    pod,
    container,
  });
  /** A Camel app of the tenant: kube-state-metrics and cAdvisor are all that see it. */
  const camelApp = (id: string) => containerOf(id, "order-routes-7b9c5d6f4-q8w2n", "order-routes");
  const serverDeployment = (id: string, spec: string, available?: string): TestSeries[] => {
    const labels = { ...ksmTarget, namespace: ns(id), deployment: TENANT_SERVER_DEPLOYMENT };
    return [
      series("kube_deployment_spec_replicas", labels, spec),
      ...(available === undefined
        ? []
        : [series("kube_deployment_status_replicas_available", labels, available)]),
    ];
  };
  /** Request counters of one tenant server pod: `ok` and `errors` requests per sample, 30 samples. */
  const traffic = (id: string, ok: number, errors: number) => [
    series(
      requests,
      { ...serverPod(id), method: "POST", uri: "/api/v1/routes/{id}", status: "200", outcome: "SUCCESS" },
      counter(ok, 30),
    ),
    series(
      requests,
      {
        ...serverPod(id),
        method: "POST",
        uri: "/api/v1/routes/{id}",
        status: "500",
        outcome: "SERVER_ERROR",
      },
      counter(errors, 30),
    ),
  ];
  /** A failing share clearly above a ratio threshold, whatever the stack sets it to. */
  const above = (threshold: number) => (threshold < 0.5 ? 0.5 : (1 + threshold) / 2);

  const errorShare = above(t.endpointErrorRatio);
  /** Requests per 5 minutes of a tenant too quiet to judge: 40 % of the minimum rate. */
  const quietPer5m = t.endpointMinRequestRate * 0.4 * 300;
  const ingestShare = above(t.ingestFailureRatio);
  const quotaHard = 200;
  const quotaUsedFiring = Math.ceil(quotaHard * ((1 + t.quotaUsageRatio) / 2));
  // Restarts every 5 minutes, k at a time: 12k in any hour, at least twice the threshold.
  const restartsPerStep = Math.ceil((2 * t.podRestartsPerHour) / 12);
  const canaryProbe = (id: string) => ({
    job: jobs.isolationCanary,
    namespace: ns(id),
    // The canary's namespace is named after the component, like its job.
    source_namespace: jobs.isolationCanary,
    instance: `cameleer3-server.${ns(id)}.svc:8080`,
  });
  const agents = (id: string, values: string) =>
    series(
      "cameleer_active_agents",
      {
        job: jobs.controlPlane,
        namespace: ctx.names.namespaces.controlPlane,
        pod: "cameleer-saas-0",
        instance: "10.0.1.0:8081",
        tenant: id,
      },
      values,
    );

  const alerts: AlertDefinition[] = [
    {
      alert: "TenantServerDown",
      area: "tenants",
      severity: "critical",
      // Either side alone: scrapes fail while pods exist, or no pod is available at all (and then
      // there may be no scrape target left). A suspended tenant (0 replicas) has neither.
      expr: withTenantLabel(
        ctx,
        `(sum by (namespace) (up{${server}}) == 0)` +
          ` or (max by (namespace) (${serverSpec}) > 0` +
          ` and on (namespace) max by (namespace) (${serverAvailable}) == 0)`,
      ),
      for: "5m",
      summary: "Tenant {{ $labels.tenant }}: cameleer3-server is down",
      description:
        "No replica of cameleer3-server in {{ $labels.namespace }} has answered a scrape, or none is available " +
        "although its Deployment wants replicas, for 5 minutes. Tenant {{ $labels.tenant }} cannot use the " +
        "Cameleer UI or API, and its agents' data is not ingested.",
      dashboard,
      tests: [
        {
          name: "fires when every replica fails its scrape for 5 minutes",
          series: [
            series("up", serverPod("acme", 0), "1 1 0x15"),
            series("up", serverPod("acme", 1), "1 1 0x15"),
            series("up", serverPod("globex", 0), "1x17"),
          ],
          evalTime: "10m",
          expect: [
            {
              labels: tenant("acme"),
              summary: "Tenant acme: cameleer3-server is down",
              description:
                `No replica of cameleer3-server in ${ns("acme")} has answered a scrape, or none is available ` +
                "although its Deployment wants replicas, for 5 minutes. Tenant acme cannot use the Cameleer UI or " +
                "API, and its agents' data is not ingested.",
            },
          ],
        },
        {
          name: "fires when the Deployment wants a replica and none is available (no scrape target left)",
          series: [
            ...serverDeployment("acme", "1x20", "1 1 0x18"),
            series("up", serverPod("acme"), "1 1 stale"),
            ...serverDeployment("globex", "1x20", "1x20"),
            series("up", serverPod("globex"), "1x20"),
          ],
          evalTime: "10m",
          expect: [
            {
              labels: tenant("acme"),
              summary: "Tenant acme: cameleer3-server is down",
              description:
                `No replica of cameleer3-server in ${ns("acme")} has answered a scrape, or none is available ` +
                "although its Deployment wants replicas, for 5 minutes. Tenant acme cannot use the Cameleer UI or " +
                "API, and its agents' data is not ingested.",
            },
          ],
        },
        {
          name: "a suspended tenant scaled to zero does not page",
          series: [
            ...serverDeployment("acme", "1 1 0x18", "1 1 0x18"),
            series("up", serverPod("acme"), "1 1 0 stale"),
          ],
          evalTime: "10m",
          expect: [],
        },
        {
          name: "a 3-minute restart of the only replica does not page",
          series: [
            ...serverDeployment("acme", "1x10", "1 1 0 0 0 1x5"),
            series("up", serverPod("acme"), "1 1 0 0 0 1x5"),
          ],
          evalTime: "6m",
          expect: [],
        },
        {
          name: "one of two replicas down is not an outage",
          series: [
            ...serverDeployment("acme", "2x15", "1x15"),
            series("up", serverPod("acme", 0), "0x15"),
            series("up", serverPod("acme", 1), "1x15"),
          ],
          evalTime: "10m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantServerHighErrorRate",
      area: "tenants",
      severity: "warning",
      expr: withTenantLabel(
        ctx,
        `(sum by (namespace) (rate(${requests}{${server}, status=~"5.."}[10m]))` +
          ` / sum by (namespace) (rate(${requests}{${server}}[10m]))) > ${t.endpointErrorRatio}` +
          ` and sum by (namespace) (rate(${requests}{${server}}[10m])) > ${t.endpointMinRequestRate}`,
      ),
      for: "10m",
      summary:
        "Tenant {{ $labels.tenant }}: cameleer3-server answers {{ $value | humanizePercentage }} of requests with 5xx",
      description:
        "{{ $value | humanizePercentage }} of requests to cameleer3-server in {{ $labels.namespace }} failed with a " +
        `server error over the last 10 minutes (threshold ${humanizePercentage(t.endpointErrorRatio)}): ` +
        "tenant {{ $labels.tenant }}'s users see errors in the UI and API.",
      dashboard,
      tests: [
        {
          name: "fires for the tenant whose server fails",
          series: [
            ...traffic("acme", 100 * (1 - errorShare), 100 * errorShare),
            ...traffic("globex", 600, 0),
          ],
          evalTime: "25m",
          expect: [
            {
              labels: tenant("acme"),
              summary: `Tenant acme: cameleer3-server answers ${humanizePercentage(errorShare)} of requests with 5xx`,
              description:
                `${humanizePercentage(errorShare)} of requests to cameleer3-server in ${ns("acme")} failed with a ` +
                `server error over the last 10 minutes (threshold ${humanizePercentage(t.endpointErrorRatio)}): ` +
                "tenant acme's users see errors in the UI and API.",
            },
          ],
        },
        {
          name: "stays quiet just below the threshold",
          series: traffic("acme", 1000, Math.floor(1000 * t.endpointErrorRatio * 0.8)),
          evalTime: "25m",
          expect: [],
        },
        {
          name: "a quiet night where every other request fails does not warn",
          // Samples every 5 minutes: the tenant sends fewer requests than can be judged.
          interval: "5m",
          series: traffic("acme", quietPer5m * (1 - errorShare), quietPer5m * errorShare),
          evalTime: "50m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantIngestFailing",
      area: "tenants",
      severity: "warning",
      expr: withTenantLabel(
        ctx,
        `(sum by (namespace) (rate(${ingest}{${server}, outcome!="success"}[10m]))` +
          ` / sum by (namespace) (rate(${ingest}{${server}}[10m]))) > ${t.ingestFailureRatio}` +
          ` and sum by (namespace) (increase(${ingest}{${server}, outcome!="success"}[10m])) >= ${MIN_FAILED_INGEST_EVENTS}`,
      ),
      for: "10m",
      summary: "Tenant {{ $labels.tenant }}: {{ $value | humanizePercentage }} of ingested events fail",
      description:
        "{{ $value | humanizePercentage }} of the observability events sent to cameleer3-server in " +
        "{{ $labels.namespace }} were not ingested over the last 10 minutes " +
        `(threshold ${humanizePercentage(t.ingestFailureRatio)}): tenant {{ $labels.tenant }} is losing ` +
        "monitoring data and will see gaps in its traces and statistics.",
      dashboard,
      tests: [
        {
          name: "fires when a tenant's events fail to be stored",
          series: [
            series(
              ingest,
              { ...serverPod("acme"), outcome: "success" },
              counter(1000 * (1 - ingestShare), 30),
            ),
            series(ingest, { ...serverPod("acme"), outcome: "failure" }, counter(1000 * ingestShare, 30)),
            series(ingest, { ...serverPod("globex"), outcome: "success" }, counter(500, 30)),
          ],
          evalTime: "25m",
          expect: [
            {
              labels: tenant("acme"),
              summary: `Tenant acme: ${humanizePercentage(ingestShare)} of ingested events fail`,
              description:
                `${humanizePercentage(ingestShare)} of the observability events sent to cameleer3-server in ` +
                `${ns("acme")} were not ingested over the last 10 minutes ` +
                `(threshold ${humanizePercentage(t.ingestFailureRatio)}): tenant acme is losing monitoring data ` +
                "and will see gaps in its traces and statistics.",
            },
          ],
        },
        {
          name: "stays quiet just below the threshold",
          series: [
            series(ingest, { ...serverPod("acme"), outcome: "success" }, counter(1000, 30)),
            series(
              ingest,
              { ...serverPod("acme"), outcome: "failure" },
              counter(Math.floor(1000 * t.ingestFailureRatio * 0.8), 30),
            ),
          ],
          evalTime: "25m",
          expect: [],
        },
        {
          name: "a quiet tenant rejecting one event every 2 minutes does not warn",
          interval: "2m",
          series: [
            series(ingest, { ...serverPod("acme"), outcome: "success" }, counter(2, 30)),
            series(ingest, { ...serverPod("acme"), outcome: "failure" }, counter(1, 30)),
          ],
          evalTime: "40m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantPodOOMKilled",
      area: "tenants",
      severity: "warning",
      // The last termination reason stays OOMKilled until the next one: only a restart in the window
      // makes it news.
      expr: withTenantLabel(
        ctx,
        withNode(
          `max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{${ksm}, reason="OOMKilled"}) == 1` +
            ` and on (namespace, pod, container)` +
            ` max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${ksm}}[${OOM_WINDOW}])) > 0`,
        ),
      ),
      for: "3m",
      summary:
        "Tenant {{ $labels.tenant }}: container {{ $labels.container }} of {{ $labels.pod }} was OOM-killed",
      description:
        "Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} exceeded its memory " +
        `limit and was killed and restarted within the last ${OOM_WINDOW}. Work in flight was lost; repeated kills ` +
        "turn into a crash loop.",
      dashboard,
      tests: [
        {
          name: "fires when a Camel app is OOM-killed and restarted",
          series: [
            series("kube_pod_container_status_restarts_total", camelApp("acme"), "0x5 1x20"),
            series(
              "kube_pod_container_status_last_terminated_reason",
              { ...camelApp("acme"), reason: "OOMKilled" },
              "_x6 1x20",
            ),
            podInfo(camelApp("acme"), 25),
            series(
              "kube_pod_container_status_restarts_total",
              containerOf("globex", serverPodName(0), "cameleer3-server"),
              "0x25",
            ),
          ],
          evalTime: "10m",
          expect: [
            {
              labels: {
                ...tenant("acme"),
                pod: "order-routes-7b9c5d6f4-q8w2n",
                container: "order-routes",
                node: NODE,
              },
              summary: "Tenant acme: container order-routes of order-routes-7b9c5d6f4-q8w2n was OOM-killed",
              description:
                `Container order-routes of pod order-routes-7b9c5d6f4-q8w2n in ${ns("acme")} exceeded its memory ` +
                `limit and was killed and restarted within the last ${OOM_WINDOW}. Work in flight was lost; ` +
                "repeated kills turn into a crash loop.",
            },
          ],
        },
        {
          name: "yesterday's OOM kill without a new restart does not warn",
          series: [
            series("kube_pod_container_status_restarts_total", camelApp("acme"), "3x40"),
            series(
              "kube_pod_container_status_last_terminated_reason",
              { ...camelApp("acme"), reason: "OOMKilled" },
              "1x40",
            ),
          ],
          evalTime: "30m",
          expect: [],
        },
        {
          name: "a restart for another reason does not warn",
          series: [
            series("kube_pod_container_status_restarts_total", camelApp("acme"), "0x5 1x20"),
            series(
              "kube_pod_container_status_last_terminated_reason",
              { ...camelApp("acme"), reason: "Error" },
              "_x6 1x20",
            ),
          ],
          evalTime: "10m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantPodCrashLooping",
      area: "tenants",
      severity: "warning",
      // Between back-offs the container runs briefly and the waiting series disappears: look back 5m.
      expr: withTenantLabel(
        ctx,
        withNode(
          `max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{${ksm}, reason="CrashLoopBackOff"}[5m])) >= 1`,
        ),
      ),
      for: "15m",
      summary:
        "Tenant {{ $labels.tenant }}: container {{ $labels.container }} of {{ $labels.pod }} is crash-looping",
      description:
        "Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} has been in " +
        "CrashLoopBackOff for 15 minutes: it exits soon after every start and Kubernetes waits ever longer " +
        "before the next try.",
      dashboard,
      tests: [
        {
          name: "fires for a server that keeps crashing",
          series: [
            series(
              "kube_pod_container_status_waiting_reason",
              { ...containerOf("acme", serverPodName(0), "cameleer3-server"), reason: "CrashLoopBackOff" },
              Array.from({ length: 40 }, (_, i) => (i % 5 === 4 ? "_" : "1")).join(" "),
            ),
          ],
          evalTime: "25m",
          expect: [
            {
              // No kube_pod_info for this pod: the alert still fires, without a node.
              labels: { ...tenant("acme"), pod: serverPodName(0), container: "cameleer3-server" },
              summary: `Tenant acme: container cameleer3-server of ${serverPodName(0)} is crash-looping`,
              description:
                `Container cameleer3-server of pod ${serverPodName(0)} in ${ns("acme")} has been in CrashLoopBackOff ` +
                "for 15 minutes: it exits soon after every start and Kubernetes waits ever longer before the next try.",
            },
          ],
        },
        {
          name: "a few back-offs while a dependency starts do not warn",
          series: [
            series(
              "kube_pod_container_status_waiting_reason",
              { ...camelApp("acme"), reason: "CrashLoopBackOff" },
              "1x7 _x32",
            ),
          ],
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantPodRestartingFrequently",
      area: "tenants",
      severity: "warning",
      expr: withTenantLabel(
        ctx,
        withNode(
          `max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${ksm}}[1h]))` +
            ` >= ${t.podRestartsPerHour}`,
        ),
      ),
      for: "5m",
      summary:
        'Tenant {{ $labels.tenant }}: container {{ $labels.container }} of {{ $labels.pod }} restarted {{ $value | printf "%.0f" }} times in an hour',
      description:
        "Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} has restarted at " +
        `least ${t.podRestartsPerHour} times in the last hour: every restart drops its work in flight and its ` +
        "connections.",
      dashboard,
      tests: [
        {
          name: "fires for a container that restarts every 5 minutes",
          interval: "5m",
          series: [
            series(
              "kube_pod_container_status_restarts_total",
              camelApp("acme"),
              counter(restartsPerStep, 30),
            ),
            podInfo(camelApp("acme"), 30),
          ],
          evalTime: "90m",
          expect: [
            {
              labels: {
                ...tenant("acme"),
                pod: "order-routes-7b9c5d6f4-q8w2n",
                container: "order-routes",
                node: NODE,
              },
              summary: `Tenant acme: container order-routes of order-routes-7b9c5d6f4-q8w2n restarted ${12 * restartsPerStep} times in an hour`,
              description:
                `Container order-routes of pod order-routes-7b9c5d6f4-q8w2n in ${ns("acme")} has restarted at least ` +
                `${t.podRestartsPerHour} times in the last hour: every restart drops its work in flight and its ` +
                "connections.",
            },
          ],
        },
        {
          name: "one restart fewer than the threshold in an hour does not warn",
          series: [
            series(
              "kube_pod_container_status_restarts_total",
              camelApp("acme"),
              restartsSpreadOverAnHour(t.podRestartsPerHour - 1),
            ),
          ],
          evalTime: "70m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantResourceQuotaNearlyFull",
      area: "tenants",
      severity: "warning",
      // A hard limit of 0 forbids a resource outright; it is full by design, not nearly full.
      expr: withTenantLabel(
        ctx,
        `max by (namespace, resourcequota, resource) (kube_resourcequota{${ksm}, type="used"})` +
          ` / on (namespace, resourcequota, resource)` +
          ` (max by (namespace, resourcequota, resource) (kube_resourcequota{${ksm}, type="hard"}) > 0)` +
          ` >= ${t.quotaUsageRatio}`,
      ),
      for: "15m",
      summary:
        "Tenant {{ $labels.tenant }} uses {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota",
      description:
        "ResourceQuota {{ $labels.resourcequota }} in {{ $labels.namespace }} has had {{ $labels.resource }} at or " +
        `above ${humanizePercentage(t.quotaUsageRatio)} of its hard limit for 15 minutes: new pods (a scale-up, a ` +
        "rolling update's surge pod, a new Camel app) of tenant {{ $labels.tenant }} will soon be rejected.",
      dashboard,
      tests: [
        {
          name: "fires for the quota that is nearly used up",
          series: [
            ...quota("acme", "pods", quotaUsedFiring, quotaHard),
            ...quota("acme", "requests.cpu", quotaHard / 4, quotaHard),
          ],
          evalTime: "20m",
          expect: [
            {
              labels: { ...tenant("acme"), resourcequota: "tenant-quota", resource: "pods" },
              summary: `Tenant acme uses ${humanizePercentage(quotaUsedFiring / quotaHard)} of its pods quota`,
              description:
                `ResourceQuota tenant-quota in ${ns("acme")} has had pods at or above ` +
                `${humanizePercentage(t.quotaUsageRatio)} of its hard limit for 15 minutes: new pods (a scale-up, a ` +
                "rolling update's surge pod, a new Camel app) of tenant acme will soon be rejected.",
            },
          ],
        },
        {
          name: "stays quiet just below the threshold",
          series: quota("acme", "pods", Math.floor(quotaHard * t.quotaUsageRatio) - 1, quotaHard),
          evalTime: "20m",
          expect: [],
        },
        {
          name: "a zero quota (resource forbidden to tenants) does not warn, even with an object predating it",
          series: quota("acme", "services.loadbalancers", 1, 0),
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantServerJvmHeapHigh",
      area: "tenants",
      severity: "warning",
      // Pools without a maximum report -1; the heap's maximum is the sum of those that have one.
      expr: withTenantLabel(
        ctx,
        `sum by (namespace, pod) (jvm_memory_used_bytes{${server}, area="heap"})` +
          ` / sum by (namespace, pod) (jvm_memory_max_bytes{${server}, area="heap"} > 0) > ${t.jvmHeapRatio}`,
      ),
      for: "15m",
      summary:
        "Tenant {{ $labels.tenant }}: {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its heap",
      description:
        "The heap of cameleer3-server pod {{ $labels.pod }} in {{ $labels.namespace }} has been above " +
        `${humanizePercentage(t.jvmHeapRatio)} of its maximum for 15 minutes: garbage collection will dominate, ` +
        "then the JVM runs out of memory.",
      dashboard,
      tests: [
        {
          name: "fires when the old generation is nearly full",
          series: heap("acme", gauge(990, 30)),
          evalTime: "20m",
          expect: [
            {
              labels: { ...tenant("acme"), pod: serverPodName(0) },
              summary: `Tenant acme: ${serverPodName(0)} uses 99.2% of its heap`,
              description:
                `The heap of cameleer3-server pod ${serverPodName(0)} in ${ns("acme")} has been above ` +
                `${humanizePercentage(t.jvmHeapRatio)} of its maximum for 15 minutes: garbage collection will ` +
                "dominate, then the JVM runs out of memory.",
            },
          ],
        },
        {
          name: "a heap that fills up for 5 minutes before a major GC does not warn",
          series: heap("acme", "500x10 990x5 500x15"),
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantServerDatabasePoolExhausted",
      area: "tenants",
      severity: "warning",
      expr: withTenantLabel(
        ctx,
        `(max by (namespace, pod, pool) (hikaricp_connections_pending{${server}}) > 0` +
          ` and on (namespace, pod, pool) (max by (namespace, pod, pool) (hikaricp_connections_active{${server}})` +
          ` / max by (namespace, pod, pool) (hikaricp_connections_max{${server}})) >= ${t.hikariSaturationRatio})` +
          ` or (sum by (namespace, pod, pool) (increase(hikaricp_connections_timeout_total{${server}}[5m])) > 0)`,
      ),
      for: "5m",
      summary:
        "Tenant {{ $labels.tenant }}: database pool {{ $labels.pool }} of {{ $labels.pod }} is exhausted",
      description:
        "Threads of cameleer3-server pod {{ $labels.pod }} in {{ $labels.namespace }} wait for a connection of pool " +
        `{{ $labels.pool }}, which is at least ${humanizePercentage(t.hikariSaturationRatio)} busy, or give up ` +
        "waiting: tenant {{ $labels.tenant }}'s requests and ingestion that need the database fail or hang.",
      dashboard,
      tests: [
        {
          name: "fires when every connection is busy and threads queue",
          series: pool("acme", { pending: gauge(12, 20), active: gauge(20, 20), max: gauge(20, 20) }),
          evalTime: "10m",
          expect: [poolExhausted("acme")],
        },
        {
          name: "fires when connection requests time out",
          series: pool("acme", { timeouts: counter(3, 20) }),
          evalTime: "12m",
          expect: [poolExhausted("acme")],
        },
        {
          name: "a busy pool with spare connections and old timeouts is fine",
          series: pool("acme", {
            pending: gauge(1, 20),
            active: gauge(10, 20),
            max: gauge(20, 20),
            timeouts: gauge(4, 20),
          }),
          evalTime: "10m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantIsolationBreached",
      area: "tenants",
      severity: "critical",
      // Every canary probe must fail; one that succeeds is a NetworkPolicy that is not enforced.
      expr: withTenantLabel(
        ctx,
        `max by (namespace, source_namespace, instance) (probe_success{${ctx.selectors.isolationCanary}, ${ctx.selectors.tenantNamespaces}}) == 1`,
      ),
      for: "3m",
      summary:
        "Tenant {{ $labels.tenant }}: cameleer3-server is reachable from foreign namespace {{ $labels.source_namespace }}",
      description:
        "The isolation canary in {{ $labels.source_namespace }} has connected to {{ $labels.instance }} for 3 minutes. " +
        "The NetworkPolicies of {{ $labels.namespace }} must refuse it: tenant {{ $labels.tenant }}'s server is " +
        "probably reachable from every other tenant's workloads.",
      dashboard: { dashboard: "security" },
      tests: [
        {
          name: "fires when one tenant's server accepts the canary's connection",
          series: [
            series("probe_success", canaryProbe("acme"), "0 0 1x10"),
            series("probe_success", canaryProbe("globex"), "0x12"),
          ],
          evalTime: "8m",
          expect: [
            {
              labels: {
                ...tenant("acme"),
                source_namespace: jobs.isolationCanary,
                instance: `cameleer3-server.${ns("acme")}.svc:8080`,
              },
              summary: `Tenant acme: cameleer3-server is reachable from foreign namespace ${jobs.isolationCanary}`,
              description:
                `The isolation canary in ${jobs.isolationCanary} has connected to cameleer3-server.${ns("acme")}.svc:8080 ` +
                `for 3 minutes. The NetworkPolicies of ${ns("acme")} must refuse it: tenant acme's server is ` +
                "probably reachable from every other tenant's workloads.",
            },
          ],
        },
        {
          name: "every probe failing is the healthy state",
          series: [
            series("probe_success", canaryProbe("acme"), "0x12"),
            series("probe_success", canaryProbe("globex"), "0x12"),
          ],
          evalTime: "8m",
          expect: [],
        },
        {
          name: "a new tenant reachable for 2 minutes before its policy is applied does not page",
          series: [series("probe_success", canaryProbe("initech"), "1 1 0x10")],
          evalTime: "8m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantAgentsAllDisconnected",
      area: "tenants",
      severity: "warning",
      // max, not sum, over control-plane replicas: both are 0 exactly when every replica says 0. A
      // tenant suspended on purpose (server scaled to 0) loses its agents by design.
      expr:
        `label_replace(max by (tenant) (cameleer_active_agents{${ctx.selectors.controlPlane}}) == 0` +
        ` and on (tenant) max by (tenant) (cameleer_active_agents{${ctx.selectors.controlPlane}} offset 1h) > 0,` +
        ` "namespace", "${ctx.tenantPrefix}$1", "tenant", "(.+)")` +
        ` unless on (namespace) max by (namespace) (${serverSpec}) == 0`,
      for: "15m",
      summary: "Tenant {{ $labels.tenant }}: all Cameleer agents have disconnected",
      description:
        "Tenant {{ $labels.tenant }} ({{ $labels.namespace }}) had Cameleer agents connected an hour ago and has had " +
        "none for 15 minutes: no observability data reaches its cameleer3-server.",
      dashboard,
      tests: [
        {
          name: "fires when a tenant's agents all drop off",
          series: [
            agents("acme", "3x60 0x30"),
            agents("globex", "2x90"),
            ...serverDeployment("acme", "1x90"),
          ],
          evalTime: "80m",
          expect: [
            {
              labels: tenant("acme"),
              summary: "Tenant acme: all Cameleer agents have disconnected",
              description:
                `Tenant acme (${ns("acme")}) had Cameleer agents connected an hour ago and has had none for ` +
                "15 minutes: no observability data reaches its cameleer3-server.",
            },
          ],
        },
        {
          name: "agents reconnecting after a 5-minute server rollout do not warn",
          series: [agents("acme", "3x60 0x5 3x25")],
          evalTime: "80m",
          expect: [],
        },
        {
          name: "a suspended tenant, or one that never had agents, does not warn",
          series: [
            agents("acme", "3x60 0x30"),
            ...serverDeployment("acme", "1x60 0x30"),
            agents("initech", "0x90"),
          ],
          evalTime: "80m",
          expect: [],
        },
      ],
    },
  ];
  return { area: "tenants", alerts };

  /** `used` and `hard` of one resource of the tenant's ResourceQuota, for 30 minutes. */
  function quota(id: string, resource: string, used: number, hard: number): TestSeries[] {
    const labels = { ...ksmTarget, namespace: ns(id), resourcequota: "tenant-quota", resource };
    return [
      series("kube_resourcequota", { ...labels, type: "used" }, gauge(used, 30)),
      series("kube_resourcequota", { ...labels, type: "hard" }, gauge(hard, 30)),
    ];
  }

  /** Heap pools of the tenant's server: the old generation at `oldGenUsed` of 1000, eden without a max. */
  function heap(id: string, oldGenUsed: string): TestSeries[] {
    const pod = serverPod(id);
    return [
      series("jvm_memory_used_bytes", { ...pod, area: "heap", id: "G1 Old Gen" }, oldGenUsed),
      series("jvm_memory_max_bytes", { ...pod, area: "heap", id: "G1 Old Gen" }, gauge(1000, 30)),
      series("jvm_memory_used_bytes", { ...pod, area: "heap", id: "G1 Eden Space" }, gauge(2, 30)),
      series("jvm_memory_max_bytes", { ...pod, area: "heap", id: "G1 Eden Space" }, gauge(-1, 30)),
    ];
  }

  /** HikariCP gauges and the timeout counter of the tenant server's pool, those given only. */
  function pool(
    id: string,
    values: { pending?: string; active?: string; max?: string; timeouts?: string },
  ): TestSeries[] {
    const labels = { ...serverPod(id), pool: "HikariPool-1" };
    const metrics = {
      pending: "hikaricp_connections_pending",
      active: "hikaricp_connections_active",
      max: "hikaricp_connections_max",
      timeouts: "hikaricp_connections_timeout_total",
    } as const;
    return (Object.keys(metrics) as (keyof typeof metrics)[]).flatMap((k) => {
      const v = values[k];
      return v === undefined ? [] : [series(metrics[k], labels, v)];
    });
  }

  function poolExhausted(id: string) {
    return {
      labels: { ...tenant(id), pod: serverPodName(0), pool: "HikariPool-1" },
      summary: `Tenant ${id}: database pool HikariPool-1 of ${serverPodName(0)} is exhausted`,
      description:
        `Threads of cameleer3-server pod ${serverPodName(0)} in ${ns(id)} wait for a connection of pool ` +
        `HikariPool-1, which is at least ${humanizePercentage(t.hikariSaturationRatio)} busy, or give up ` +
        `waiting: tenant ${id}'s requests and ingestion that need the database fail or hang.`,
    };
  }
}

/**
 * A restart counter sampled every minute for 80 minutes, with `restarts` restarts spread over
 * minutes 12 to 60: all of them inside the hour before minute 70, none at its edges.
 */
function restartsSpreadOverAnHour(restarts: number): string {
  const at = Array.from({ length: restarts }, (_, i) => 12 + Math.floor((i * 48) / Math.max(1, restarts)));
  return Array.from({ length: 81 }, (_, minute) => at.filter((m) => m <= minute).length).join(" ");
}
