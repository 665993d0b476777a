/**
 * Billing: metering of tenant usage, usage reports to Stripe, Stripe webhooks and revenue. Every
 * billing metric comes from the control plane (`cameleer-saas`). A broken pipeline here is invisible
 * to customers at first and turns into wrong invoices later, so the alerts that page are those where
 * usage is about to go unbilled or customers' payments and plan changes are not recorded.
 */
import type { RuleContext } from "../context";
import { goFormatG4, humanizeDuration, humanizePercentage } from "../rule-files";
import { counter, gauge, series } from "../testing";
import type { AlertDefinition, AreaRules } from "../types";

/**
 * Usage-report lag that pages: a day behind means the usage of a billing period's last day misses
 * its invoice, which Stripe finalizes shortly after the period ends, and is never billed.
 */
const USAGE_REPORT_LAG_CRITICAL_SECONDS = 24 * 3600;
/**
 * Window of the webhook failure ratio. Stripe traffic is bursty (invoice runs at period boundaries,
 * silence in between); 30 minutes smooths a burst without hiding an hour-long outage.
 */
const WEBHOOK_RATIO_WINDOW_MINUTES = 30;
/**
 * Deliveries of one event type, within {@link WEBHOOK_RATIO_WINDOW_MINUTES}, below which the ratio is
 * not judged: with fewer, a single failure (one malformed event, retried by Stripe) is already 5 % or more.
 */
const WEBHOOK_MIN_DELIVERIES = 20;
/** Window in which not one webhook delivery succeeded, for the all-failing page. */
const WEBHOOK_ALL_FAILING_WINDOW_MINUTES = 10;
/**
 * Failures without a success, within {@link WEBHOOK_ALL_FAILING_WINDOW_MINUTES}, that mean "everything
 * fails": Stripe spreads its retries of one bad event over hours, so three failures are several events.
 */
const WEBHOOK_ALL_FAILING_MIN_FAILURES = 3;
/**
 * Day-over-day MRR drop that shows on the billing dashboard: daily churn moves MRR by a percent or
 * two; a tenth gone in a day is a mass cancellation, a pricing bug or a broken MRR computation.
 */
const MRR_DROP_RATIO = 0.1;

/** A duration in hours for descriptions (`7200` → `2 h`): billing thresholds are hours, not seconds. */
function hours(seconds: number): string {
  return `${goFormatG4(seconds / 3600)} h`;
}

export function billingRules(ctx: RuleContext): AreaRules {
  const cp = ctx.selectors.controlPlane;
  const t = ctx.thresholds;
  const target = { job: ctx.names.jobs.controlPlane, namespace: ctx.names.namespaces.controlPlane };
  const pod = { ...target, pod: "cameleer-saas-0", instance: "10.0.1.0:8081" };
  const job = target.job;

  const metering = "cameleer_metering_last_success_timestamp_seconds";
  const stale = t.meteringStaleSeconds;
  const staleMinutes = Math.ceil(stale / 60);
  const staleText = (labels: { job: string; namespace: string }, value: string) => ({
    summary: `Metering of ${labels.job} has not succeeded for ${value}`,
    description:
      `The last successful metering run of ${labels.job} in ${labels.namespace} was ${value} ago ` +
      `(threshold ${hours(stale)}): tenant usage is not being collected, so it cannot be reported to ` +
      "Stripe and invoices will under-bill.",
  });

  const absentText = (labels: { job: string; namespace: string }) => ({
    summary: `${labels.job} does not report when metering last succeeded`,
    description:
      `${metering} of ${labels.job} in ${labels.namespace} has been missing or NaN for 15 minutes: the ` +
      "metering job is not registered or the control plane is not scraped, so MeteringPipelineStale " +
      "cannot fire however long metering has been broken.",
  });

  const lag = "cameleer_usage_report_lag_seconds";
  const lagWarning = t.usageReportLagSeconds;
  // A stack whose warning threshold exceeds a day must not page before it warns.
  const lagCritical = Math.max(USAGE_REPORT_LAG_CRITICAL_SECONDS, lagWarning);
  const lagText = (
    labels: { job: string; namespace: string },
    value: string,
    threshold: number,
    consequence: string,
  ) =>
    `Usage reported to Stripe by ${labels.job} in ${labels.namespace} is ${value} behind (the newest ` +
    `record Stripe has received is that old), more than ${hours(threshold)} for 15 minutes: ${consequence}`;
  const lagWarningConsequence =
    "reporting is falling behind; if it keeps growing, invoices close without the latest usage.";
  const lagCriticalConsequence =
    "usage of the last day is about to miss the invoices Stripe closes at the end of a billing period, " +
    "and would never be billed.";

  const webhooks = "cameleer_stripe_webhook_deliveries_total";
  const byType = "job, namespace, event_type";
  const ratioWindow = `${WEBHOOK_RATIO_WINDOW_MINUTES}m`;
  const allFailingWindow = `${WEBHOOK_ALL_FAILING_WINDOW_MINUTES}m`;
  /** Deliveries of one event type per minute, for 60 minutes. */
  const deliveries = (eventType: string, okPerMin: number, failedPerMin: number) => [
    series(webhooks, { ...pod, outcome: "success", event_type: eventType }, counter(okPerMin, 60)),
    series(webhooks, { ...pod, outcome: "failure", event_type: eventType }, counter(failedPerMin, 60)),
  ];
  // Failures per minute, out of 20 deliveries, that make twice the threshold (or all of them).
  const failedOf20 = Math.min(20, Math.ceil(40 * t.stripeWebhookFailureRatio));
  const ratioText = (labels: { job: string; namespace: string; event_type: string }, value: string) => ({
    summary: `Stripe webhook ${labels.event_type} fails ${value} of deliveries to ${labels.job}`,
    description:
      `${value} of Stripe ${labels.event_type} webhook deliveries to ${labels.job} in ${labels.namespace} ` +
      `failed over the last ${WEBHOOK_RATIO_WINDOW_MINUTES} minutes (threshold ` +
      `${humanizePercentage(t.stripeWebhookFailureRatio)}, with at least ${WEBHOOK_MIN_DELIVERIES} ` +
      "deliveries): those events are not recorded until a Stripe retry succeeds.",
  });
  const allFailingText = (labels: { job: string; namespace: string }) => ({
    summary: `Every Stripe webhook delivery to ${labels.job} fails`,
    description:
      `Not one Stripe webhook delivery to ${labels.job} in ${labels.namespace} has been processed for 15 ` +
      `minutes (at least ${WEBHOOK_ALL_FAILING_MIN_FAILURES} failed in ${WEBHOOK_ALL_FAILING_WINDOW_MINUTES} ` +
      "minutes, none succeeded): payments, failed payments and subscription changes are not recorded.",
  });

  const mrr = "cameleer_billing_mrr";
  const mrrBy = "job, namespace, currency";
  /** An MRR gauge sampled every 5 minutes: `before` for a day (289 samples), then the samples `after`. */
  const mrrSeries = (currency: string, before: number, after: string) =>
    series(mrr, { ...pod, currency }, `${gauge(before, 288)} ${after}`);
  const mrrText = (labels: { job: string; currency: string }, value: string) => ({
    summary: `MRR in ${labels.currency} fell ${value} in a day`,
    description:
      `Monthly recurring revenue in ${labels.currency} reported by ${labels.job} is ${value} lower than a ` +
      `day earlier (threshold ${humanizePercentage(MRR_DROP_RATIO)}), for an hour: a mass cancellation, a ` +
      "pricing or plan change, or a broken MRR computation.",
  });

  /** Go templates of the annotations: the same sentences as the expected ones, over `$labels`/`$value`. */
  const tpl = {
    labels: {
      job: "{{ $labels.job }}",
      namespace: "{{ $labels.namespace }}",
      event_type: "{{ $labels.event_type }}",
      currency: "{{ $labels.currency }}",
    },
    duration: "{{ $value | humanizeDuration }}",
    percentage: "{{ $value | humanizePercentage }}",
  };

  const alerts: AlertDefinition[] = [
    {
      alert: "MeteringPipelineStale",
      area: "billing",
      severity: "critical",
      expr: `time() - max by (job, namespace) (${metering}{${cp}}) > ${stale}`,
      for: "5m",
      ...staleText(tpl.labels, tpl.duration),
      dashboard: { dashboard: "billing" },
      tests: [
        {
          name: "fires when metering ran every 5 minutes, then stopped for longer than the threshold",
          interval: "5m",
          // Runs at 0, 5, ..., 30 minutes, each recording its own time; then none.
          series: [series(metering, pod, `0+300x6 1800x${Math.ceil((stale + 600) / 300) + 2}`)],
          evalTime: `${1800 + stale + 600}s`,
          expect: [{ labels: target, ...staleText(target, humanizeDuration(stale + 600)) }],
        },
        {
          name: "a run that succeeds 4 minutes past the threshold does not page",
          series: [
            series(metering, pod, `${gauge(0, staleMinutes + 3)} ${gauge((staleMinutes + 4) * 60, 10)}`),
          ],
          evalTime: `${staleMinutes + 10}m`,
          expect: [],
        },
      ],
    },
    {
      alert: "MeteringMetricAbsent",
      area: "billing",
      severity: "warning",
      // Micrometer reports NaN once a gauge's state object is garbage-collected: as blind as no series.
      expr:
        `absent(${metering}{${cp}})` +
        ` or (max by (job, namespace) (${metering}{${cp}}) != max by (job, namespace) (${metering}{${cp}}))`,
      for: "15m",
      ...absentText(tpl.labels),
      dashboard: { dashboard: "billing" },
      tests: [
        {
          name: "fires when the control plane is scraped but has no metering gauge",
          series: [series("up", pod, gauge(1, 30))],
          evalTime: "20m",
          expect: [{ labels: target, ...absentText(target) }],
        },
        {
          name: "fires when the gauge reports NaN",
          // promtool reads NaN only as a lone value, not in `NaNx30`.
          series: [series(metering, pod, Array(31).fill("NaN").join(" "))],
          evalTime: "20m",
          expect: [{ labels: target, ...absentText(target) }],
        },
        {
          name: "a control-plane restart that hides the gauge for 10 minutes does not warn",
          series: [series(metering, pod, "0x10 _x10 1200x15")],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    {
      alert: "UsageReportLagHigh",
      area: "billing",
      severity: "warning",
      expr: `max by (job, namespace) (${lag}{${cp}}) > ${lagWarning}`,
      for: "15m",
      summary: `Usage reports of ${tpl.labels.job} to Stripe lag ${tpl.duration} behind`,
      description: lagText(tpl.labels, tpl.duration, lagWarning, lagWarningConsequence),
      dashboard: { dashboard: "billing" },
      tests: [
        {
          name: "fires when reporting stops and the lag keeps growing",
          series: [series(lag, pod, counter(60, 40, lagWarning - 300))],
          evalTime: "30m",
          expect: [
            {
              labels: target,
              summary: `Usage reports of ${job} to Stripe lag ${humanizeDuration(lagWarning + 1500)} behind`,
              description: lagText(
                target,
                humanizeDuration(lagWarning + 1500),
                lagWarning,
                lagWarningConsequence,
              ),
            },
          ],
        },
        {
          name: "a 10-minute Stripe API slowdown that catches up does not warn",
          series: [series(lag, pod, `${counter(60, 15, lagWarning - 300)} ${gauge(600, 20)}`)],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    {
      alert: "UsageReportLagCritical",
      area: "billing",
      severity: "critical",
      expr: `max by (job, namespace) (${lag}{${cp}}) > ${lagCritical}`,
      for: "15m",
      summary: `Usage reports of ${tpl.labels.job} to Stripe lag ${tpl.duration} behind: invoices will miss it`,
      description: lagText(tpl.labels, tpl.duration, lagCritical, lagCriticalConsequence),
      dashboard: { dashboard: "billing" },
      tests: [
        {
          name: "fires when the lag passes a day and keeps growing",
          series: [series(lag, pod, counter(60, 40, lagCritical - 300))],
          evalTime: "30m",
          expect: [
            {
              labels: target,
              summary:
                `Usage reports of ${job} to Stripe lag ${humanizeDuration(lagCritical + 1500)} behind: ` +
                "invoices will miss it",
              description: lagText(
                target,
                humanizeDuration(lagCritical + 1500),
                lagCritical,
                lagCriticalConsequence,
              ),
            },
          ],
        },
        {
          name: "a lag above the warning but under a day does not page",
          series: [series(lag, pod, gauge(Math.floor((lagWarning + lagCritical) / 2), 60))],
          evalTime: "50m",
          expect: [],
        },
      ],
    },
    {
      alert: "StripeWebhookFailureRatioHigh",
      area: "billing",
      severity: "warning",
      // By event type: one broken handler (say customer.subscription.deleted) is a small share of all
      // deliveries and would hide in an overall ratio; the label names the handler to look at. A
      // failure of every type shows up for each type here and pages as StripeWebhooksAllFailing.
      expr:
        `(sum by (${byType}) (rate(${webhooks}{${cp}, outcome="failure"}[${ratioWindow}]))` +
        ` / sum by (${byType}) (rate(${webhooks}{${cp}}[${ratioWindow}])))` +
        ` > ${t.stripeWebhookFailureRatio}` +
        ` and sum by (${byType}) (increase(${webhooks}{${cp}}[${ratioWindow}])) >= ${WEBHOOK_MIN_DELIVERIES}`,
      for: "15m",
      ...ratioText(tpl.labels, tpl.percentage),
      dashboard: { dashboard: "billing" },
      tests: [
        {
          name: "fires for the one event type whose handler fails",
          series: [
            ...deliveries("invoice.paid", 20 - failedOf20, failedOf20),
            ...deliveries("customer.subscription.updated", 20, 0),
          ],
          evalTime: "50m",
          expect: [
            {
              labels: { ...target, event_type: "invoice.paid" },
              ...ratioText({ ...target, event_type: "invoice.paid" }, humanizePercentage(failedOf20 / 20)),
            },
          ],
        },
        {
          name: "one failure among three deliveries on a quiet night does not warn",
          series: [
            series(webhooks, { ...pod, outcome: "success", event_type: "invoice.paid" }, "0x20 1x20 2x20"),
            series(webhooks, { ...pod, outcome: "failure", event_type: "invoice.paid" }, "0x30 1x30"),
          ],
          evalTime: "45m",
          expect: [],
        },
        {
          name: "a busy hour with failures under the threshold does not warn",
          series: deliveries("invoice.paid", 100, Math.floor(100 * t.stripeWebhookFailureRatio * 0.5)),
          evalTime: "50m",
          expect: [],
        },
      ],
    },
    {
      alert: "StripeWebhooksAllFailing",
      area: "billing",
      severity: "critical",
      // Overall, not by event type: this pages for the endpoint being broken as a whole (signing
      // secret, database, the handler chain); one broken event type is the warning's job. `unless`
      // also fires when no success series exists at all (a pod that never processed one).
      expr:
        `sum by (job, namespace) (increase(${webhooks}{${cp}, outcome="failure"}[${allFailingWindow}]))` +
        ` >= ${WEBHOOK_ALL_FAILING_MIN_FAILURES}` +
        ` unless sum by (job, namespace) (increase(${webhooks}{${cp}, outcome="success"}[${allFailingWindow}])) > 0`,
      for: "15m",
      ...allFailingText(tpl.labels),
      dashboard: { dashboard: "billing" },
      tests: [
        {
          name: "fires when every event type starts failing",
          series: [
            series(
              webhooks,
              { ...pod, outcome: "success", event_type: "invoice.paid" },
              `${counter(2, 10)} ${gauge(20, 40)}`,
            ),
            series(
              webhooks,
              { ...pod, outcome: "failure", event_type: "invoice.paid" },
              `${gauge(0, 10)} ${counter(2, 40, 2)}`,
            ),
            series(
              webhooks,
              { ...pod, outcome: "success", event_type: "customer.subscription.updated" },
              `${counter(1, 10)} ${gauge(10, 40)}`,
            ),
            series(
              webhooks,
              { ...pod, outcome: "failure", event_type: "customer.subscription.updated" },
              `${gauge(0, 10)} ${counter(1, 40, 1)}`,
            ),
          ],
          evalTime: "40m",
          expect: [{ labels: target, ...allFailingText(target) }],
        },
        {
          name: "one event type failing while others succeed does not page",
          series: [...deliveries("invoice.paid", 5, 0), ...deliveries("customer.subscription.deleted", 0, 2)],
          evalTime: "40m",
          expect: [],
        },
        {
          name: "a single failed delivery on a quiet night does not page",
          series: [
            series(webhooks, { ...pod, outcome: "success", event_type: "invoice.paid" }, gauge(4, 60)),
            series(webhooks, { ...pod, outcome: "failure", event_type: "invoice.paid" }, "0x20 1x40"),
          ],
          evalTime: "40m",
          expect: [],
        },
      ],
    },
    {
      alert: "BillingMrrDropped",
      area: "billing",
      severity: "info",
      expr:
        `1 - max by (${mrrBy}) (${mrr}{${cp}}) / max by (${mrrBy}) (${mrr}{${cp}} offset 1d)` +
        ` > ${MRR_DROP_RATIO}`,
      for: "1h",
      ...mrrText(tpl.labels, tpl.percentage),
      dashboard: { dashboard: "billing" },
      tests: [
        {
          name: "fires when a fifth of EUR revenue is gone for two hours",
          interval: "5m",
          series: [mrrSeries("EUR", 100000, gauge(80000, 30)), mrrSeries("USD", 50000, gauge(50000, 30))],
          evalTime: "26h",
          evaluationInterval: "5m",
          expect: [
            {
              labels: { ...target, currency: "EUR" },
              ...mrrText({ job, currency: "EUR" }, humanizePercentage(1 - 80000 / 100000)),
            },
          ],
        },
        {
          name: "a 30-minute dip while MRR is recomputed does not show",
          interval: "5m",
          series: [mrrSeries("EUR", 100000, `${gauge(80000, 5)} ${gauge(100000, 24)}`)],
          evalTime: "26h",
          evaluationInterval: "5m",
          expect: [],
        },
        {
          name: "ordinary daily churn does not show",
          interval: "5m",
          series: [mrrSeries("EUR", 100000, gauge(98000, 30))],
          evalTime: "26h",
          evaluationInterval: "5m",
          expect: [],
        },
      ],
    },
  ];
  return { area: "billing", alerts };
}
