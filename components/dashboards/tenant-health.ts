/**
 * Tenant health: one tenant at a time (the `tenant` variable), everything that tells whether its
 * `cameleer3-server` and Camel apps serve it well, ending with its availability this month against
 * the SLO of its tier (the SLI of the SLO rules). Every alert of the tenants area links here with `?var-tenant=`.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../alerts/context";
import { humanizePercentage } from "../alerts/rule-files";
import { TIERS } from "../../stacks/config";
import { OBJECTIVES, TENANT_MONTH } from "../slo/sli";
import {
  buildDashboard,
  lowerThresholds,
  selectedTenantNamespace,
  statPanel,
  tablePanel,
  tenantVariable,
  timeseriesPanel,
  UNITS,
  upperThresholds,
  type DashboardOptions,
} from "./common";

export function tenantHealthDashboard(ctx: RuleContext, options: DashboardOptions = {}): Dashboard {
  const t = ctx.thresholds;
  const ns = selectedTenantNamespace(ctx);
  const server = `${ctx.selectors.tenantServer}, ${ns}`;
  const ksm = `${ctx.selectors.kubeStateMetrics}, ${ns}`;
  // Container-level cgroups only: cAdvisor also reports the pod's own (container="") and the pause
  // container's, which would count every container twice.
  const cadvisor = `${ctx.selectors.cadvisor}, ${ns}, container!="", container!="POD"`;
  // The tenant server's Deployment and container are named like its job (metrics contract).
  const serverName = ctx.names.jobs.tenantServer;
  const requests = "http_server_requests_seconds_count";
  const ingest = "cameleer3_server_ingest_events_total";

  return buildDashboard(
    {
      key: "tenantHealth",
      description:
        "One tenant's cameleer3-server and Camel apps: availability, restarts, resources, connections, " +
        "ingest and availability against its tier's SLO.",
      tags: ["tenants"],
      variables: [tenantVariable()],
      rows: [
        {
          title: "Server",
          panels: [
            statPanel(ctx, {
              title: "Server targets up",
              description: "cameleer3-server pods answering Prometheus's scrapes.",
              queries: [{ expr: `sum(up{${server}})` }],
              unit: UNITS.count,
              thresholds: lowerThresholds(1),
              alerts: ["TenantServerDown"],
            }),
            statPanel(ctx, {
              title: "Server replicas ready",
              description: "Available replicas of the cameleer3-server Deployment, and how many it wants.",
              queries: [
                {
                  expr: `max(kube_deployment_status_replicas_available{${ksm}, deployment="${serverName}"})`,
                  legend: "available",
                },
                {
                  expr: `max(kube_deployment_spec_replicas{${ksm}, deployment="${serverName}"})`,
                  legend: "desired",
                },
              ],
              unit: UNITS.count,
              alerts: ["TenantServerDown"],
            }),
            statPanel(ctx, {
              title: "Restarts in range",
              description: "Container restarts of the tenant's pods (server and Camel apps) over the range.",
              queries: [
                { expr: `sum(increase(kube_pod_container_status_restarts_total{${ksm}}[$__range]))` },
              ],
              unit: UNITS.count,
              decimals: 0,
              thresholds: upperThresholds(1),
              alerts: ["TenantPodRestartingFrequently", "TenantPodCrashLooping"],
            }),
            statPanel(ctx, {
              title: "OOM kills in range",
              description: "Containers of the tenant killed for exceeding their memory limit over the range.",
              queries: [
                { expr: `sum(increase(container_oom_events_total{${cadvisor}}[$__range])) or vector(0)` },
              ],
              unit: UNITS.count,
              decimals: 0,
              thresholds: upperThresholds(1),
              alerts: ["TenantPodOOMKilled"],
            }),
            timeseriesPanel(ctx, {
              title: "Container restarts per hour",
              description:
                "Restarts of each container over the last hour. " +
                `Warns at ${t.podRestartsPerHour} in an hour.`,
              queries: [
                {
                  expr:
                    "max by (pod, container) " +
                    `(increase(kube_pod_container_status_restarts_total{${ksm}}[1h]))`,
                  legend: "{{pod}} / {{container}}",
                },
              ],
              unit: UNITS.count,
              thresholds: upperThresholds(t.podRestartsPerHour),
              alerts: ["TenantPodRestartingFrequently", "TenantPodCrashLooping"],
            }),
            tablePanel(ctx, {
              title: "Last termination reasons",
              description:
                "Why each container last terminated, when it has; OOMKilled means it exceeded its memory limit.",
              queries: [
                {
                  expr:
                    "max by (pod, container, reason) " +
                    `(kube_pod_container_status_last_terminated_reason{${ksm}}) == 1`,
                },
              ],
              columns: { Value: "Last" },
              alerts: ["TenantPodOOMKilled"],
            }),
          ],
        },
        {
          title: "Resources",
          panels: [
            timeseriesPanel(ctx, {
              title: "CPU usage vs limit",
              description: "CPU cores used by each pod, and each pod's CPU limit (when it has one).",
              queries: [
                {
                  expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${cadvisor}}[$__rate_interval]))`,
                  legend: "{{pod}}",
                },
                {
                  expr: `sum by (pod) (kube_pod_container_resource_limits{${ksm}, resource="cpu"})`,
                  legend: "{{pod}} limit",
                },
              ],
              unit: UNITS.cores,
              min: 0,
            }),
            timeseriesPanel(ctx, {
              title: "Memory working set vs limit",
              description:
                "Memory each pod uses (working set, what the OOM killer judges) and its memory limit.",
              queries: [
                { expr: `sum by (pod) (container_memory_working_set_bytes{${cadvisor}})`, legend: "{{pod}}" },
                {
                  expr: `sum by (pod) (kube_pod_container_resource_limits{${ksm}, resource="memory"})`,
                  legend: "{{pod}} limit",
                },
              ],
              unit: UNITS.bytes,
              min: 0,
              alerts: ["TenantPodOOMKilled"],
            }),
            timeseriesPanel(ctx, {
              title: "ResourceQuota usage",
              description:
                "Used share of each resource of the tenant's ResourceQuotas. " +
                `Warns at ${humanizePercentage(t.quotaUsageRatio)}.`,
              queries: [
                {
                  expr:
                    `max by (resourcequota, resource) (kube_resourcequota{${ksm}, type="used"})` +
                    " / on (resourcequota, resource)" +
                    ` (max by (resourcequota, resource) (kube_resourcequota{${ksm}, type="hard"}) > 0)`,
                  legend: "{{resource}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
              thresholds: upperThresholds(t.quotaUsageRatio),
              alerts: ["TenantResourceQuotaNearlyFull"],
            }),
            timeseriesPanel(ctx, {
              title: "Server JVM heap",
              description: `Heap used over its maximum, per server pod. Warns above ${humanizePercentage(t.jvmHeapRatio)}.`,
              queries: [
                {
                  expr:
                    `sum by (pod) (jvm_memory_used_bytes{${server}, area="heap"})` +
                    ` / sum by (pod) (jvm_memory_max_bytes{${server}, area="heap"} > 0)`,
                  legend: "{{pod}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              max: 1,
              thresholds: upperThresholds(t.jvmHeapRatio),
              alerts: ["TenantServerJvmHeapHigh"],
            }),
            timeseriesPanel(ctx, {
              title: "Server database pool",
              description:
                "Connections of each HikariCP pool in use over its maximum, and threads waiting for one. " +
                "Waiting threads on a saturated pool, or timeouts, warn.",
              queries: [
                {
                  expr:
                    `max by (pod, pool) (hikaricp_connections_active{${server}})` +
                    ` / max by (pod, pool) (hikaricp_connections_max{${server}})`,
                  legend: "{{pod}} {{pool}} in use",
                },
                {
                  expr: `max by (pod, pool) (hikaricp_connections_pending{${server}})`,
                  legend: "{{pod}} {{pool}} waiting threads",
                },
              ],
              unit: UNITS.count,
              min: 0,
              alerts: ["TenantServerDatabasePoolExhausted"],
            }),
          ],
        },
        {
          title: "Traffic",
          panels: [
            timeseriesPanel(ctx, {
              title: "Connections by kind",
              description: "Open connections to the tenant server: agents, UI sessions and API clients.",
              queries: [
                { expr: `sum by (kind) (cameleer3_server_connections{${server}})`, legend: "{{kind}}" },
                {
                  expr: `max(cameleer_active_agents{${ctx.selectors.controlPlane}, tenant="$tenant"})`,
                  legend: "agents (control plane's view)",
                },
              ],
              unit: UNITS.count,
              min: 0,
              alerts: ["TenantAgentsAllDisconnected"],
            }),
            timeseriesPanel(ctx, {
              title: "Ingest rate by outcome",
              description: "Observability events ingested per second, by outcome.",
              queries: [
                {
                  expr: `sum by (outcome) (rate(${ingest}{${server}}[$__rate_interval]))`,
                  legend: "{{outcome}}",
                },
              ],
              unit: UNITS.perSecond,
              stacked: true,
              alerts: ["TenantIngestFailing"],
            }),
            timeseriesPanel(ctx, {
              title: "Ingest failure ratio",
              description:
                "Share of events not ingested over 10 minutes, the alert's window. " +
                `Warns above ${humanizePercentage(t.ingestFailureRatio)}.`,
              queries: [
                {
                  expr:
                    `(sum(rate(${ingest}{${server}, outcome!="success"}[10m])) or vector(0))` +
                    ` / sum(rate(${ingest}{${server}}[10m]))`,
                  legend: "failed",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              thresholds: upperThresholds(t.ingestFailureRatio),
              alerts: ["TenantIngestFailing"],
            }),
            timeseriesPanel(ctx, {
              title: "Requests by status",
              description: "Requests to the tenant server per second, by HTTP status.",
              queries: [
                {
                  expr: `sum by (status) (rate(${requests}{${server}}[$__rate_interval]))`,
                  legend: "{{status}}",
                },
              ],
              unit: UNITS.requestsPerSecond,
              stacked: true,
            }),
            timeseriesPanel(ctx, {
              title: "Server error ratio",
              description:
                "Share of requests answered with 5xx over 10 minutes, the alert's window. " +
                `Warns above ${humanizePercentage(t.endpointErrorRatio)}.`,
              queries: [
                {
                  expr:
                    `(sum(rate(${requests}{${server}, status=~"5.."}[10m])) or vector(0))` +
                    ` / sum(rate(${requests}{${server}}[10m]))`,
                  legend: "5xx ratio",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              thresholds: upperThresholds(t.endpointErrorRatio),
              alerts: ["TenantServerHighErrorRate"],
            }),
          ],
        },
        {
          title: "Availability",
          panels: [
            statPanel(ctx, {
              title: "Availability this month vs SLO",
              description:
                "The tenant's availability this calendar month (UTC): time up and requests served without " +
                "a 5xx (docs/slo.md), and the SLO of its tier " +
                `(${TIERS.map((tier) => `${tier} ${humanizePercentage(ctx.tiers[tier].slo)}`).join(", ")}). ` +
                "The Tenant SLOs dashboard has the burn rates.",
              queries: [
                { expr: `${TENANT_MONTH.availability}{${ns}}`, legend: "availability" },
                { expr: `${OBJECTIVES.tenantSlo}{${ns}}`, legend: "SLO ({{tier}})" },
              ],
              unit: UNITS.ratio,
              decimals: 3,
              width: 12,
            }),
            statPanel(ctx, {
              title: "Error budget left this month",
              description:
                "Share of the month's error budget (1 - SLO) not yet spent: below 0 the tenant's SLO is missed " +
                "this month.",
              queries: [{ expr: `${TENANT_MONTH.budgetRemaining}{${ns}}`, legend: "budget left" }],
              unit: UNITS.ratio,
              decimals: 1,
              thresholds: lowerThresholds(0, 0.25),
              width: 12,
            }),
          ],
        },
      ],
    },
    options,
  );
}
