/**
 * Platform overview: the first page an on-call engineer opens. How many tenants there are and in which
 * state, whether provisioning keeps up, whether the control plane answers, and which areas have
 * alerts firing.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../alerts/context";
import { humanizePercentage } from "../alerts/rule-files";
import {
  buildDashboard,
  statPanel,
  tablePanel,
  timeseriesPanel,
  UNITS,
  upperThresholds,
  type DashboardOptions,
} from "./common";

export function platformOverviewDashboard(ctx: RuleContext, options: DashboardOptions = {}): Dashboard {
  const cp = ctx.selectors.controlPlane;
  const t = ctx.thresholds;
  const requests = "http_server_requests_seconds";
  const provisioning = "cameleer_provisioning_requests_total";

  return buildDashboard(
    {
      key: "platformOverview",
      description: "Tenants, provisioning, control-plane health and firing alerts of the Cameleer platform.",
      tags: ["overview"],
      rows: [
        {
          title: "Tenants",
          panels: [
            statPanel(ctx, {
              title: "Active tenants",
              description: "Tenants in state active, as the control plane counts them.",
              queries: [{ expr: `sum(max by (tier, state) (cameleer_tenants{${cp}, state="active"}))` }],
              unit: UNITS.count,
            }),
            statPanel(ctx, {
              title: "Connected agents",
              description: "Cameleer agents connected to any tenant server, as the control plane sees them.",
              queries: [{ expr: `sum(max by (tenant) (cameleer_active_agents{${cp}}))` }],
              unit: UNITS.count,
              alerts: ["TenantAgentsAllDisconnected"],
            }),
            statPanel(ctx, {
              title: "Provisioning queue",
              description: `Provisioning requests waiting. Warns above ${t.provisioningQueueDepth} for 15 minutes.`,
              queries: [{ expr: `max(cameleer_provisioning_queue_depth{${cp}})` }],
              unit: UNITS.count,
              thresholds: upperThresholds(t.provisioningQueueDepth),
              alerts: ["ProvisioningQueueBacklog"],
            }),
            statPanel(ctx, {
              title: "Firing alerts",
              description: "Alerts firing now that notify someone (severity warning or critical).",
              queries: [{ expr: `count(ALERTS{alertstate="firing", severity!="info"}) or vector(0)` }],
              unit: UNITS.count,
              thresholds: upperThresholds(1),
            }),
            timeseriesPanel(ctx, {
              title: "Tenants by tier and state",
              description: "Tenant count per tier and state (active, suspended, provisioning).",
              queries: [
                {
                  expr: `max by (tier, state) (cameleer_tenants{${cp}})`,
                  legend: "{{tier}} / {{state}}",
                },
              ],
              unit: UNITS.count,
              stacked: true,
            }),
            timeseriesPanel(ctx, {
              title: "Connected agents, top 10 tenants",
              description: "Cameleer agents connected per tenant, for the ten tenants with the most.",
              queries: [
                { expr: `topk(10, max by (tenant) (cameleer_active_agents{${cp}}))`, legend: "{{tenant}}" },
              ],
              unit: UNITS.count,
              alerts: ["TenantAgentsAllDisconnected"],
            }),
          ],
        },
        {
          title: "Provisioning",
          panels: [
            timeseriesPanel(ctx, {
              title: "Provisioning failure ratio by tier",
              description:
                "Share of provisioning runs that failed over 30 minutes, per tier: the alert's own window. " +
                `Pages above ${humanizePercentage(t.provisioningFailureRatio)}.`,
              queries: [
                {
                  expr:
                    `sum by (tier) (rate(${provisioning}{${cp}, outcome="failure"}[30m]))` +
                    ` / sum by (tier) (rate(${provisioning}{${cp}}[30m]))`,
                  legend: "{{tier}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              thresholds: upperThresholds(t.provisioningFailureRatio),
              alerts: ["TenantProvisioningFailing"],
            }),
            timeseriesPanel(ctx, {
              title: "Provisioning runs by outcome",
              description: "Finished provisioning runs per second, by outcome and tier.",
              queries: [
                {
                  expr: `sum by (outcome, tier) (rate(${provisioning}{${cp}}[$__rate_interval]))`,
                  legend: "{{outcome}} ({{tier}})",
                },
              ],
              unit: UNITS.perSecond,
              stacked: true,
            }),
            timeseriesPanel(ctx, {
              title: "Provisioning duration p95",
              description:
                "95th percentile of the time from request to tenant ready, over 30 minutes. " +
                `Warns above ${t.provisioningP95Seconds} s.`,
              queries: [
                {
                  expr:
                    "histogram_quantile(0.95, sum by (le) " +
                    `(rate(cameleer_provisioning_duration_seconds_bucket{${cp}}[30m])))`,
                  legend: "p95",
                },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.provisioningP95Seconds),
              alerts: ["TenantProvisioningSlow"],
            }),
            timeseriesPanel(ctx, {
              title: "Provisioning queue depth",
              description: `Provisioning requests waiting. Warns above ${t.provisioningQueueDepth} for 15 minutes.`,
              queries: [{ expr: `max(cameleer_provisioning_queue_depth{${cp}})`, legend: "waiting" }],
              unit: UNITS.count,
              thresholds: upperThresholds(t.provisioningQueueDepth),
              alerts: ["ProvisioningQueueBacklog"],
            }),
          ],
        },
        {
          title: "Control plane",
          panels: [
            timeseriesPanel(ctx, {
              title: "Control-plane error ratio",
              description:
                "Share of control-plane requests answered with 5xx over 5 minutes. " +
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
              alerts: ["ControlPlaneHighErrorRate", "ControlPlaneDown"],
            }),
            timeseriesPanel(ctx, {
              title: "Control-plane latency",
              description:
                "Median and 99th percentile of control-plane request latency over 5 minutes. " +
                `Pages when p99 exceeds ${t.controlPlaneLatencyP99Seconds} s.`,
              queries: [
                {
                  expr: `histogram_quantile(0.99, sum by (le) (rate(${requests}_bucket{${cp}}[5m])))`,
                  legend: "p99",
                },
                {
                  expr: `histogram_quantile(0.5, sum by (le) (rate(${requests}_bucket{${cp}}[5m])))`,
                  legend: "p50",
                },
              ],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.controlPlaneLatencyP99Seconds),
              alerts: ["ControlPlaneHighLatency"],
            }),
          ],
        },
        {
          title: "Alerts",
          panels: [
            timeseriesPanel(ctx, {
              title: "Firing alerts by area",
              description:
                "Alerts firing per owning area and severity (the always-firing Watchdog is left out).",
              queries: [
                {
                  expr: 'count by (area, severity) (ALERTS{alertstate="firing", alertname!="Watchdog"})',
                  legend: "{{area}} ({{severity}})",
                },
              ],
              unit: UNITS.count,
              stacked: true,
            }),
            tablePanel(ctx, {
              title: "Firing alerts",
              description: "Every alert firing now, with its area and severity.",
              queries: [
                {
                  expr: 'max by (alertname, area, severity) (ALERTS{alertstate="firing", alertname!="Watchdog"})',
                },
              ],
              columns: { Value: "Firing" },
            }),
          ],
        },
      ],
    },
    options,
  );
}
