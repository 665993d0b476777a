/**
 * Tenant SLOs: every tenant's availability this month against its tier's SLO and SLA, the error
 * budget left, the burn rates the SLO alerts page and ticket on, and the control plane's API SLOs.
 * Every number is a recorded series of the SLO rules (`components/alerts/catalog/slo.ts`), the same
 * the monthly SLA report reads, so the dashboard, the alerts and the report agree.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../alerts/context";
import { BURN_RATE_ALERTS, type BurnWindow } from "../alerts/catalog/slo";
import { humanizePercentage } from "../alerts/rule-files";
import { micrometerLe } from "../shared/micrometer";
import {
  CONTROL_PLANE_SLI,
  OBJECTIVES,
  TENANT_LABELS,
  TENANT_MONTH,
  controlPlaneErrorRatioRecord,
  tenantErrorRatioRecord,
  type SloWindow,
} from "../slo/sli";
import { TIERS } from "../../stacks/config";
import {
  buildDashboard,
  lowerThresholds,
  statPanel,
  tablePanel,
  tenantVariable,
  timeseriesPanel,
  UNITS,
  upperThresholds,
  type DashboardOptions,
} from "./common";

/** The tier label kube-state-metrics copies from the namespace label `cameleer.io/tier`. */
const TIER_LABEL = "label_cameleer_io_tier";

export function sloDashboard(ctx: RuleContext, options: DashboardOptions = {}): Dashboard {
  const picked = 'tenant=~"$tenant"';
  /** A tenant series with its tier added (from the tenant's objective), for tables and legends. */
  const withTier = (expr: string) =>
    `${expr} + on (${TENANT_LABELS}) group_left (tier) (0 * ${OBJECTIVES.tenantSlo}{${picked}})`;
  const burn = (w: SloWindow) =>
    `${tenantErrorRatioRecord(w)}{${picked}} / on (${TENANT_LABELS}) group_left (tier) (1 - ${OBJECTIVES.tenantSlo})`;
  const burnPanel = (w: BurnWindow, alert: string) =>
    timeseriesPanel(ctx, {
      title: `Burn rate over ${w.long}`,
      description:
        `Each tenant's error ratio over ${w.long} as a multiple of its budget (1 - SLO): 1 spends the ` +
        `budget exactly by the month's end. Above ${w.factor} here and over ${w.short}, ${alert} fires.`,
      queries: [{ expr: burn(w.long), legend: "{{tenant}} ({{tier}})" }],
      unit: UNITS.count,
      min: 0,
      thresholds: upperThresholds(w.factor),
      alerts: [alert],
    });
  /** How many tenants' availability this month is below an objective. */
  const belowPanel = (what: string, objective: string, meaning: string, alerts: string[]) =>
    statPanel(ctx, {
      title: `Tenants below their ${what}`,
      description: `Tenants whose availability this calendar month is ${meaning}.`,
      queries: [
        {
          expr: `count(${TENANT_MONTH.availability}{${picked}} < on (${TENANT_LABELS}) ${objective}) or vector(0)`,
        },
      ],
      unit: UNITS.count,
      thresholds: upperThresholds(1),
      alerts,
    });
  const cp = ctx.slo.controlPlane;
  const cpBurn = (sli: "availability" | "latency", w: SloWindow) =>
    `${controlPlaneErrorRatioRecord(sli, w)} / ${sli === "availability" ? 1 - cp.availability : 1 - cp.latency}`;
  const tierSlos = TIERS.map(
    (tier) =>
      `${tier} ${humanizePercentage(ctx.tiers[tier].slo)} (SLA ${humanizePercentage(ctx.tiers[tier].sla)})`,
  ).join(", ");

  return buildDashboard(
    {
      key: "slo",
      description:
        `Tenants' availability this month against their tier's SLO and SLA (${tierSlos}), the error ` +
        "budget left, burn rates, and the control plane's API SLOs. The same recorded series as the SLO " +
        "alerts and the monthly SLA report.",
      tags: ["tenants", "slo"],
      variables: [tenantVariable({ multi: true })],
      rows: [
        {
          title: "This month (UTC)",
          panels: [
            belowPanel(
              "SLA",
              OBJECTIVES.tenantSla,
              "below their tier's SLA: owed service credits if the month ended now",
              ["TenantSlaBreached"],
            ),
            belowPanel("SLO", OBJECTIVES.tenantSlo, "below their tier's objective", []),
            statPanel(ctx, {
              title: "Tenant namespaces by tier",
              description:
                "Tenant namespaces by their cameleer.io/tier label. A tier not in the config " +
                `(${TIERS.join(", ")}) has no SLO: TenantTierUnknown warns.`,
              queries: [
                {
                  expr: `count by (${TIER_LABEL}) (kube_namespace_labels{${ctx.selectors.kubeStateMetrics}, ${ctx.selectors.tenantNamespaces}})`,
                  legend: `{{${TIER_LABEL}}}`,
                },
              ],
              unit: UNITS.count,
              width: 12,
              alerts: ["TenantTierUnknown"],
            }),
            tablePanel(ctx, {
              title: "Month to date by tenant",
              description:
                "Each tenant's availability this month (downtime and failed requests, see docs/slo.md), its " +
                "objectives, and the share of the month's error budget left (below 0: the SLO is missed).",
              queries: [
                { expr: withTier(`${TENANT_MONTH.availability}{${picked}}`) },
                { expr: `${OBJECTIVES.tenantSlo}{${picked}}` },
                { expr: `${OBJECTIVES.tenantSla}{${picked}}` },
                { expr: `${TENANT_MONTH.budgetRemaining}{${picked}}` },
              ],
              columns: {
                "Value #A": "Availability",
                "Value #B": "SLO",
                "Value #C": "SLA",
                "Value #D": "Budget left",
              },
              unit: UNITS.ratio,
              decimals: 3,
              width: 24,
              height: 10,
              alerts: ["TenantSlaBreached"],
            }),
            timeseriesPanel(ctx, {
              title: "Availability this month",
              description: "Each tenant's month-to-date availability; it starts again on the 1st.",
              queries: [
                {
                  expr: withTier(`${TENANT_MONTH.availability}{${picked}}`),
                  legend: "{{tenant}} ({{tier}})",
                },
              ],
              unit: UNITS.ratio,
              decimals: 3,
              max: 1,
            }),
            timeseriesPanel(ctx, {
              title: "Error budget left this month",
              description:
                "Share of each tenant's monthly error budget not spent yet. It falls with every failure " +
                "and, between failures, stays put; below 0 the SLO is missed this month.",
              queries: [
                { expr: `${TENANT_MONTH.budgetRemaining}{${picked}}`, legend: "{{tenant}} ({{tier}})" },
              ],
              unit: UNITS.ratio,
              thresholds: lowerThresholds(0, 0.25),
              alerts: ["TenantErrorBudgetSlowBurn"],
            }),
          ],
        },
        {
          title: "Burn rates",
          panels: [
            ...BURN_RATE_ALERTS.page.map((w) => burnPanel(w, "TenantErrorBudgetFastBurn")),
            ...BURN_RATE_ALERTS.ticket.map((w) => burnPanel(w, "TenantErrorBudgetSlowBurn")),
          ],
        },
        {
          title: "Control plane API",
          panels: [
            statPanel(ctx, {
              title: "API availability, 3 days",
              description:
                "Share of the last 3 days' API requests answered without a 5xx, counting the time the " +
                `control plane was down. SLO ${humanizePercentage(cp.availability)}.`,
              queries: [{ expr: `1 - ${controlPlaneErrorRatioRecord("availability", "3d")}` }],
              unit: UNITS.ratio,
              decimals: 3,
              thresholds: lowerThresholds(cp.availability),
              width: 6,
              alerts: ["ControlPlaneErrorBudgetSlowBurn"],
            }),
            statPanel(ctx, {
              title: `API requests within ${micrometerLe(cp.latencyThresholdSeconds)} s, 3 days`,
              description: `Share of the last 3 days' API requests answered within the latency SLI's threshold. SLO ${humanizePercentage(cp.latency)}.`,
              queries: [{ expr: `1 - ${controlPlaneErrorRatioRecord("latency", "3d")}` }],
              unit: UNITS.ratio,
              decimals: 3,
              thresholds: lowerThresholds(cp.latency),
              width: 6,
              alerts: ["ControlPlaneLatencyBudgetSlowBurn"],
            }),
            ...(["availability", "latency"] as const).map((sli) =>
              timeseriesPanel(ctx, {
                title: `API ${sli} burn rate`,
                description:
                  `The ${sli} SLI's error ratio as a multiple of its budget over 1 h and 6 h; the fast-burn ` +
                  `page needs ${BURN_RATE_ALERTS.page.map((w) => `${w.factor} over ${w.long}`).join(" or ")} (and the short window).`,
                queries: BURN_RATE_ALERTS.page.map((w) => ({ expr: cpBurn(sli, w.long), legend: w.long })),
                unit: UNITS.count,
                min: 0,
                thresholds: upperThresholds(BURN_RATE_ALERTS.page[1].factor, BURN_RATE_ALERTS.page[0].factor),
                width: 6,
                alerts: [
                  sli === "availability"
                    ? "ControlPlaneErrorBudgetFastBurn"
                    : "ControlPlaneLatencyBudgetFastBurn",
                ],
              }),
            ),
            timeseriesPanel(ctx, {
              title: "API down",
              description:
                "1 while no control-plane replica answered two scrapes in a row: downtime the SLI counts.",
              queries: [{ expr: CONTROL_PLANE_SLI.down, legend: "down" }],
              unit: UNITS.count,
              min: 0,
              max: 1,
              width: 24,
              height: 5,
            }),
          ],
        },
      ],
    },
    options,
  );
}
