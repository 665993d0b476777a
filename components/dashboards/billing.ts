/**
 * Billing: revenue, the usage that is billed, and the pipeline that bills it (metering runs, usage
 * reports to Stripe, Stripe's webhooks). A broken pipeline is invisible to customers until the
 * invoices are wrong, so the freshness panels are at the top.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../alerts/context";
import { humanizePercentage } from "../alerts/rule-files";
import {
  buildDashboard,
  statPanel,
  timeseriesPanel,
  UNITS,
  upperThresholds,
  type DashboardOptions,
} from "./common";

/** The tier label kube-state-metrics copies from the namespace label `cameleer.io/tier`. */
const TIER_LABEL = "label_cameleer_io_tier";

export function billingDashboard(ctx: RuleContext, options: DashboardOptions = {}): Dashboard {
  const cp = ctx.selectors.controlPlane;
  const t = ctx.thresholds;
  const webhooks = "cameleer_stripe_webhook_deliveries_total";
  const metering = "cameleer_metering_last_success_timestamp_seconds";
  const lag = "cameleer_usage_report_lag_seconds";
  // Every control-plane replica reports the same revenue: max, never sum.
  const mrr = `max by (currency) (cameleer_billing_mrr{${cp}})`;
  const tenantTier =
    `max by (namespace, ${TIER_LABEL}) (kube_namespace_labels{${ctx.selectors.kubeStateMetrics}, ` +
    `${ctx.selectors.tenantNamespaces}, ${TIER_LABEL}!=""})`;

  return buildDashboard(
    {
      key: "billing",
      description:
        "Revenue, usage trends and the billing pipeline: metering runs, usage reports to Stripe and Stripe " +
        "webhooks.",
      tags: ["billing"],
      rows: [
        {
          title: "Pipeline freshness",
          panels: [
            statPanel(ctx, {
              title: "Since last metering success",
              description:
                `Time since the last successful metering run. Pages above ${t.meteringStaleSeconds} s; no value ` +
                "at all means the gauge is missing, which warns on its own.",
              queries: [{ expr: `time() - max(${metering}{${cp}})` }],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.meteringStaleSeconds / 2, t.meteringStaleSeconds),
              alerts: ["MeteringPipelineStale", "MeteringMetricAbsent"],
            }),
            statPanel(ctx, {
              title: "Usage report lag",
              description:
                "Age of the newest usage record reported to Stripe. " +
                `Warns above ${t.usageReportLagSeconds} s and pages when a day of usage is about to go unbilled.`,
              queries: [{ expr: `max(${lag}{${cp}})` }],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.usageReportLagSeconds),
              alerts: ["UsageReportLagHigh", "UsageReportLagCritical"],
            }),
            statPanel(ctx, {
              title: "Webhook failures (1h)",
              description: "Stripe webhook deliveries that failed in the last hour, all event types.",
              queries: [{ expr: `sum(increase(${webhooks}{${cp}, outcome="failure"}[1h])) or vector(0)` }],
              unit: UNITS.count,
              decimals: 0,
              thresholds: upperThresholds(1),
              alerts: ["StripeWebhooksAllFailing"],
            }),
            statPanel(ctx, {
              title: "MRR",
              description: "Monthly recurring revenue per currency, in the currency's main unit.",
              queries: [{ expr: mrr, legend: "{{currency}}" }],
              unit: UNITS.count,
              alerts: ["BillingMrrDropped"],
            }),
            timeseriesPanel(ctx, {
              title: "Metering freshness",
              description: `Time since the last successful metering run. Pages above ${t.meteringStaleSeconds} s.`,
              queries: [{ expr: `time() - max(${metering}{${cp}})`, legend: "since last success" }],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.meteringStaleSeconds),
              alerts: ["MeteringPipelineStale", "MeteringMetricAbsent"],
            }),
            timeseriesPanel(ctx, {
              title: "Usage report lag",
              description: `Age of the newest usage record Stripe has received. Warns above ${t.usageReportLagSeconds} s.`,
              queries: [{ expr: `max(${lag}{${cp}})`, legend: "lag" }],
              unit: UNITS.seconds,
              thresholds: upperThresholds(t.usageReportLagSeconds),
              alerts: ["UsageReportLagHigh", "UsageReportLagCritical"],
            }),
          ],
        },
        {
          title: "Stripe webhooks",
          panels: [
            timeseriesPanel(ctx, {
              title: "Webhook deliveries by event type and outcome",
              description: "Stripe webhook events received and processed per second.",
              queries: [
                {
                  expr: `sum by (event_type, outcome) (rate(${webhooks}{${cp}}[$__rate_interval]))`,
                  legend: "{{event_type}} {{outcome}}",
                },
              ],
              unit: UNITS.perSecond,
              stacked: true,
              alerts: ["StripeWebhooksAllFailing"],
            }),
            timeseriesPanel(ctx, {
              title: "Webhook failure ratio by event type",
              description:
                "Share of deliveries of each event type that failed over 30 minutes, the alert's window. " +
                `Warns above ${humanizePercentage(t.stripeWebhookFailureRatio)}.`,
              queries: [
                {
                  expr:
                    `sum by (event_type) (rate(${webhooks}{${cp}, outcome="failure"}[30m]))` +
                    ` / sum by (event_type) (rate(${webhooks}{${cp}}[30m]))`,
                  legend: "{{event_type}}",
                },
              ],
              unit: UNITS.ratio,
              min: 0,
              thresholds: upperThresholds(t.stripeWebhookFailureRatio),
              alerts: ["StripeWebhookFailureRatioHigh"],
            }),
          ],
        },
        {
          title: "Revenue and usage",
          panels: [
            timeseriesPanel(ctx, {
              title: "MRR by currency",
              description: "Monthly recurring revenue per currency, in the currency's main unit.",
              queries: [{ expr: mrr, legend: "{{currency}}" }],
              unit: UNITS.count,
              alerts: ["BillingMrrDropped"],
            }),
            timeseriesPanel(ctx, {
              title: "MRR change over a day",
              description:
                "Relative change of MRR against the same time a day earlier: the drop BillingMrrDropped " +
                "reports on.",
              queries: [
                {
                  expr: `${mrr} / max by (currency) (cameleer_billing_mrr{${cp}} offset 1d) - 1`,
                  legend: "{{currency}}",
                },
              ],
              unit: UNITS.ratio,
              alerts: ["BillingMrrDropped"],
            }),
            timeseriesPanel(ctx, {
              title: "Active tenants by tier",
              description: "Tenants in state active per tier: what is billed.",
              queries: [
                { expr: `max by (tier) (cameleer_tenants{${cp}, state="active"})`, legend: "{{tier}}" },
              ],
              unit: UNITS.count,
              stacked: true,
            }),
            timeseriesPanel(ctx, {
              title: "Ingested events by tier",
              description:
                "Observability events ingested per second by the tenant servers, by the tenants' tier " +
                "(from the namespace label).",
              queries: [
                {
                  expr:
                    `sum by (${TIER_LABEL}) (sum by (namespace) ` +
                    `(rate(cameleer3_server_ingest_events_total{${ctx.selectors.tenantServer}, outcome="success"}[$__rate_interval]))` +
                    ` * on (namespace) group_left (${TIER_LABEL}) ${tenantTier})`,
                  legend: `{{${TIER_LABEL}}}`,
                },
              ],
              unit: UNITS.perSecond,
              stacked: true,
            }),
            timeseriesPanel(ctx, {
              title: "Connected agents",
              description: "Cameleer agents connected across all tenants.",
              queries: [{ expr: `sum(max by (tenant) (cameleer_active_agents{${cp}}))`, legend: "agents" }],
              unit: UNITS.count,
            }),
          ],
        },
      ],
    },
    options,
  );
}
