/**
 * SLOs: each tenant's availability against its tier's objective, and the control plane's API
 * availability and latency. The SLIs are defined once in `../../slo/sli.ts`; here they are recorded
 * (cheaply enough for 1,000 tenants: short windows from 30-second samples, long windows and the month
 * from 5-minute tiles) and alerted on with the multiwindow, multi-burn-rate alerts of the Google SRE
 * workbook (chapter 5, "Alerting on SLOs"). docs/slo.md explains the design.
 *
 * Tenants and tiers are never listed here: a tenant's tier is its namespace's `cameleer.io/tier`
 * label, read from kube-state-metrics at query time, and its objective is its tier's, from config.
 */
import { TIERS, type Tier } from "../../../stacks/config";
import { micrometerLe } from "../../shared/micrometer";
import {
  CONTROL_PLANE_SLI,
  CONTROL_PLANE_SLOW_REQUESTS,
  CURRENT_MONTH,
  LONG_WINDOWS,
  MONTH_ELAPSED_FRACTION,
  OBJECTIVES,
  SHORT_WINDOWS,
  TENANT_LABELS,
  TENANT_MONTH,
  TENANT_MONTH_SUMS,
  TENANT_SLI,
  TENANT_TILES,
  controlPlaneErrorRatioRecord,
  errorRatioExpr,
  requestRatioExpr,
  tenantErrorRatioFromTilesExpr,
  tenantErrorRatioRecord,
  tenantMonthSumExpr,
  tenantMonthToDateAvailabilityExpr,
  type SloWindow,
} from "../../slo/sli";
import { withTenantLabel, type RuleContext } from "../context";
import { durationSeconds, humanizePercentage } from "../rule-files";
import { counter, counterOf, gauge, series } from "../testing";
import type {
  AlertDefinition,
  AlertTestCase,
  AreaRules,
  DashboardLink,
  Duration,
  RecordingDefinition,
  RecordingTestCase,
  TestSeries,
} from "../types";
import { TENANT_SERVER_DEPLOYMENT } from "./tenants";

/** One condition of a multiwindow alert: the burn rate over both windows above `factor`. */
export interface BurnWindow {
  readonly long: SloWindow;
  readonly short: SloWindow;
  /** How many times faster than the objective allows the budget burns. */
  readonly factor: number;
}

/**
 * The SRE workbook's recommendation for a 30-day budget: page on 2 % of it spent in an hour or 5 % in
 * six; open a ticket on 10 % in a day or 10 % in three days. The short window (1/12 of the long one)
 * makes the alert stop soon after the burn stops.
 */
export const BURN_RATE_ALERTS: Readonly<Record<"page" | "ticket", readonly BurnWindow[]>> = {
  page: [
    { long: "1h", short: "5m", factor: 14.4 },
    { long: "6h", short: "30m", factor: 6 },
  ],
  ticket: [
    { long: "1d", short: "2h", factor: 3 },
    { long: "3d", short: "6h", factor: 1 },
  ],
};

/** Actuator endpoints (probes, scrapes) are not the API: they would dilute every ratio. */
const API_ONLY = 'uri!~"/actuator.*"';
const REQUESTS = "http_server_requests_seconds_count";

/** `(a > f and on (by) b > f) or (...)`: the burn-rate condition of a set of windows. */
function burnCondition(windows: readonly BurnWindow[], burn: (w: SloWindow) => string, by: string): string {
  return windows
    .map((w) => `(${burn(w.long)} > ${w.factor} and on (${by}) ${burn(w.short)} > ${w.factor})`)
    .join(" or ");
}

function describeWindows(windows: readonly BurnWindow[]): string {
  return windows.map((w) => `${w.factor} times over ${w.long} and ${w.short}`).join(", or ");
}

/** Groups of a 5-minute rhythm run no slower than the global interval and no faster than 1 minute. */
function atLeast(interval: Duration, floor: Duration): Duration {
  return durationSeconds(interval) >= durationSeconds(floor) ? interval : floor;
}

export function sloRules(ctx: RuleContext): AreaRules[] {
  return [tenantSloRules(ctx), controlPlaneSloRules(ctx)];
}

/** Two scrapes: one failed scrape is not downtime. */
function twoScrapes(ctx: RuleContext): string {
  return `${2 * durationSeconds(ctx.scrapeInterval)}s`;
}

function tenantSloRules(ctx: RuleContext): AreaRules {
  const ksm = `${ctx.selectors.kubeStateMetrics}, ${ctx.selectors.tenantNamespaces}`;
  const server = ctx.selectors.tenantServer;
  const min = ctx.slo.minRequestRate;
  const deployment = (metric: string) =>
    `max by (namespace) (${metric}{${ksm}, deployment="${TENANT_SERVER_DEPLOYMENT}"})`;
  const spec = deployment("kube_deployment_spec_replicas");
  const available = deployment("kube_deployment_status_replicas_available");
  const tierOf = (objective: string) =>
    withTenantLabel(
      ctx,
      `max by (namespace, tier) (label_replace(kube_namespace_labels{${ksm}}, "tier", "$1", "label_cameleer_io_tier", "(.+)"))`,
    ) + ` * 0 + on (tier) group_left () ${objective}`;
  const tiles = atLeast(ctx.evaluationInterval, "5m");
  const withMonth = (expr: string) => `${expr} * on () group_left (month) ${CURRENT_MONTH}`;

  const recordings: AreaRules["recordings"] = [
    {
      group: "slo-sli",
      rules: [
        ...TIERS.flatMap((tier): RecordingDefinition[] => [
          { record: OBJECTIVES.tierSlo, expr: `vector(${ctx.tiers[tier].slo})`, labels: { tier } },
          { record: OBJECTIVES.tierSla, expr: `vector(${ctx.tiers[tier].sla})`, labels: { tier } },
        ]),
        { record: OBJECTIVES.tenantSlo, expr: tierOf(OBJECTIVES.tierSlo) },
        { record: OBJECTIVES.tenantSla, expr: tierOf(OBJECTIVES.tierSla) },
        {
          // Down: no replica answered the last two scrapes, or (no target left to scrape) the
          // Deployment wants replicas and has none available. A tenant scaled to zero is suspended.
          record: TENANT_SLI.down,
          expr: withTenantLabel(
            ctx,
            `((max by (namespace) (max_over_time(up{${server}}[${twoScrapes(ctx)}])) == bool 0)` +
              ` unless on (namespace) (${spec} == 0))` +
              ` or on (namespace) ((${available} == bool 0) and on (namespace) (${spec} > 0))`,
          ),
        },
        {
          record: TENANT_SLI.requests,
          expr:
            `clamp_min(${withTenantLabel(ctx, `sum by (namespace) (rate(${REQUESTS}{${server}, ${API_ONLY}}[5m]))`)}, ${min})` +
            ` or on (${TENANT_LABELS}) (0 * ${TENANT_SLI.down} + ${min})`,
        },
        {
          record: TENANT_SLI.errors,
          expr:
            withTenantLabel(
              ctx,
              `sum by (namespace) (rate(${REQUESTS}{${server}, ${API_ONLY}, status=~"5.."}[5m]))`,
            ) + ` or on (${TENANT_LABELS}) 0 * ${TENANT_SLI.requests}`,
        },
        ...SHORT_WINDOWS.map((w) => ({
          record: tenantErrorRatioRecord(w),
          expr: errorRatioExpr(TENANT_SLI, w),
        })),
      ],
    },
    {
      group: "slo-tiles",
      interval: tiles,
      rules: [
        {
          // The samples of the last 5 minutes, not the one exactly 5 minutes back: where evaluations
          // align, consecutive tiles must not share a sample.
          record: TENANT_TILES.down,
          expr: withMonth(`avg_over_time(${TENANT_SLI.down}[4m59s])`),
        },
        { record: TENANT_TILES.requests, expr: withMonth(TENANT_SLI.requests) },
        { record: TENANT_TILES.errors, expr: withMonth(TENANT_SLI.errors) },
      ],
    },
    {
      // Read by paging alerts: evaluated well within Prometheus's 5-minute lookback.
      group: "slo-long",
      interval: atLeast(ctx.evaluationInterval, "1m"),
      rules: LONG_WINDOWS.map((w) => ({
        record: tenantErrorRatioRecord(w),
        expr: tenantErrorRatioFromTilesExpr(w),
      })),
    },
    {
      group: "slo-month",
      interval: atLeast(ctx.evaluationInterval, "4m"),
      rules: [
        {
          record: TENANT_MONTH_SUMS.downTiles,
          expr: tenantMonthSumExpr("sum_over_time", TENANT_TILES.down),
        },
        { record: TENANT_MONTH_SUMS.tiles, expr: tenantMonthSumExpr("count_over_time", TENANT_TILES.down) },
        { record: TENANT_MONTH_SUMS.errors, expr: tenantMonthSumExpr("sum_over_time", TENANT_TILES.errors) },
        {
          record: TENANT_MONTH_SUMS.requests,
          expr: tenantMonthSumExpr("sum_over_time", TENANT_TILES.requests),
        },
        { record: TENANT_MONTH.availability, expr: tenantMonthToDateAvailabilityExpr() },
        {
          // Spent: the month-to-date error ratio over the part of the month gone; the budget: 1 - SLO.
          record: TENANT_MONTH.budgetRemaining,
          expr:
            `1 - ((1 - ${TENANT_MONTH.availability}) * ${MONTH_ELAPSED_FRACTION})` +
            ` / on (${TENANT_LABELS}) group_left (tier) (1 - ${OBJECTIVES.tenantSlo})`,
        },
      ],
    },
  ];

  const burn = (w: SloWindow) =>
    `(${tenantErrorRatioRecord(w)} / on (${TENANT_LABELS}) group_left (tier) (1 - ${OBJECTIVES.tenantSlo}))`;
  const dashboard: DashboardLink = { dashboard: "slo", vars: { tenant: "{{ $labels.tenant }}" } };
  const f = tenantFixtures(ctx);
  const slo = (tier: Tier) => humanizePercentage(ctx.tiers[tier].slo);
  const budget = (tier: Tier) => 1 - ctx.tiers[tier].slo;

  const tierSlos = TIERS.map((tier) => `${tier} ${slo(tier)}`).join(", ");
  /** The alerts' texts, as templates (`{{ $labels.x }}`) or, for tests, expanded for a tenant. */
  const texts = (tenant: string, tier: string, namespace: string) => ({
    fastSummary: `Tenant ${tenant} (${tier}): error budget burning fast`,
    fastDescription:
      `Tenant ${tenant} (tier ${tier}) is spending its error budget faster than its SLO allows ` +
      `(${describeWindows(BURN_RATE_ALERTS.page)}; SLOs: ${tierSlos}): at this pace a month's budget is ` +
      `gone within days. Its cameleer3-server in ${namespace} is down or failing requests now.`,
    slowSummary: `Tenant ${tenant} (${tier}): error budget burning`,
    slowDescription:
      `Tenant ${tenant} (tier ${tier}) is spending its error budget faster than its SLO allows ` +
      `(${describeWindows(BURN_RATE_ALERTS.ticket)}; SLOs: ${tierSlos}): left alone, it misses its ` +
      `objective this month. Look at ${namespace} during working hours.`,
  });
  const template = texts("{{ $labels.tenant }}", "{{ $labels.tier }}", "{{ $labels.namespace }}");
  const expected = (id: string, tier: Tier) => texts(id, tier, f.ns(id));

  // A request error share that pages a high tenant (14.4 × its budget over the hour) but not a
  // standard one (below 6 × its budget): tiers are judged by their own objectives.
  const pagesHigh = 14.4 * budget("high");
  const sparesStandard = 6 * budget("standard");
  const tierDividingShare = Math.sqrt(pagesHigh * sparesStandard);
  if (!(tierDividingShare > pagesHigh * 1.2 && tierDividingShare < sparesStandard / 1.2)) {
    throw new Error("slo tests: the tiers' objectives leave no error share between their page thresholds");
  }

  /** acme (business) failing `burn` × its budget's share of requests for `hours`; fires above 1. */
  const slowBurnCase = (name: string, burn: number, hours: number): AlertTestCase => ({
    name,
    interval: "5m",
    evaluationInterval: "5m",
    series: f.tenant("acme", "business", {
      traffic: f.steady(burn * budget("business"), { perSample: 3000 }),
      steps: hours * 12,
    }),
    evalTime: `${hours}h`,
    expect:
      burn > 1
        ? [
            {
              labels: f.labels("acme", "business"),
              summary: expected("acme", "business").slowSummary,
              description: expected("acme", "business").slowDescription,
            },
          ]
        : [],
  });

  const alerts: AlertDefinition[] = [
    {
      alert: "TenantErrorBudgetFastBurn",
      area: "tenants",
      severity: "critical",
      expr: burnCondition(BURN_RATE_ALERTS.page, burn, TENANT_LABELS),
      for: "3m",
      summary: template.fastSummary,
      description: template.fastDescription,
      dashboard,
      tests: [
        {
          name: "pages for a business tenant down for 10 minutes and a high tenant failing requests, not a standard one",
          interval: "30s",
          series: [
            ...f.tenant("acme", "business", { up: "1x60 0x20", traffic: f.steady(0, { until: 60 }) }),
            ...f.tenant("initech", "high", { traffic: f.steady(tierDividingShare) }),
            ...f.tenant("globex", "standard", { traffic: f.steady(tierDividingShare) }),
          ],
          evalTime: "40m",
          expect: [
            {
              labels: f.labels("acme", "business"),
              summary: expected("acme", "business").fastSummary,
              description: expected("acme", "business").fastDescription,
            },
            {
              labels: f.labels("initech", "high"),
              summary: expected("initech", "high").fastSummary,
              description: expected("initech", "high").fastDescription,
            },
          ],
        },
        {
          name: "a single failed scrape of a high tenant is not downtime",
          interval: "30s",
          series: f.tenant("initech", "high", { up: "1x40 0 1x40", traffic: f.steady(0) }),
          evalTime: "40m",
          expect: [],
        },
        {
          name: "a 2-minute burst of 5 % errors does not page a high tenant (the hour's burn stays low)",
          interval: "30s",
          series: f.tenant("initech", "high", { traffic: f.burst(0.05, 71, 4) }),
          evalTime: "40m",
          expect: [],
        },
        {
          name: "a quiet tenant whose few requests fail for 3 minutes does not page (the traffic floor)",
          interval: "30s",
          series: f.tenant("initech", "high", { traffic: f.quiet(0.5, 71, 6) }),
          evalTime: "40m",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantErrorBudgetSlowBurn",
      area: "tenants",
      severity: "warning",
      expr: burnCondition(BURN_RATE_ALERTS.ticket, burn, TENANT_LABELS),
      for: "15m",
      summary: template.slowSummary,
      description: template.slowDescription,
      dashboard,
      tests: [
        slowBurnCase("opens a ticket for a business tenant failing 5 × its budget's share for 3 hours", 5, 3),
        slowBurnCase("opens a ticket on a 1.5 × burn held for 7 hours (1 × over 3 days and 6 hours)", 1.5, 7),
        slowBurnCase("stays quiet while the tenant spends half its budget's share", 0.5, 7),
      ],
    },
    {
      alert: "TenantSlaBreached",
      area: "tenants",
      severity: "warning",
      expr:
        `${TENANT_MONTH.availability}` + ` < on (${TENANT_LABELS}) group_left (tier) ${OBJECTIVES.tenantSla}`,
      for: "15m",
      summary:
        "Tenant {{ $labels.tenant }} ({{ $labels.tier }}) is below its SLA this month: {{ $value | humanizePercentage }}",
      description:
        "Tenant {{ $labels.tenant }}'s availability this calendar month (UTC) is {{ $value | humanizePercentage }}, " +
        "below the SLA of its tier {{ $labels.tier }}. If the month ended now, the tenant would be owed the " +
        "contract's service credits; tell the account owner, and see the monthly SLA report.",
      dashboard,
      tests: [
        {
          name: "fires when 2 hours down on the first day bring a business tenant below its SLA",
          interval: "5m",
          evaluationInterval: "5m",
          series: f.tenant("acme", "business", { available: "0x23 1x265", steps: 288 }),
          evalTime: "1d",
          expect: [
            {
              labels: f.labels("acme", "business"),
              summary: `Tenant acme (business) is below its SLA this month: ${humanizePercentage(1 - 24 / 289)}`,
              description:
                `Tenant acme's availability this calendar month (UTC) is ${humanizePercentage(1 - 24 / 289)}, ` +
                "below the SLA of its tier business. If the month ended now, the tenant would be owed the " +
                "contract's service credits; tell the account owner, and see the monthly SLA report.",
            },
          ],
        },
        {
          name: "five minutes down in a day stays within a business tenant's SLA",
          interval: "5m",
          evaluationInterval: "5m",
          series: f.tenant("acme", "business", { available: "1x100 0 1x187", steps: 288 }),
          evalTime: "1d",
          expect: [],
        },
      ],
    },
    {
      alert: "TenantTierUnknown",
      area: "tenants",
      severity: "warning",
      expr:
        withTenantLabel(
          ctx,
          `max by (namespace, label_cameleer_io_tier) (kube_namespace_labels{${ksm}})` +
            ` unless on (namespace) ${OBJECTIVES.tenantSlo}`,
        ) + ` and on (${TENANT_LABELS}) ${TENANT_SLI.down}`,
      for: "30m",
      summary: "Tenant {{ $labels.tenant }} has no known tier: its SLO is not measured",
      description:
        "Namespace {{ $labels.namespace }} runs cameleer3-server but its cameleer.io/tier label is " +
        `"{{ $labels.label_cameleer_io_tier }}", none of ${TIERS.join(", ")}: no SLO, SLA or burn-rate alert ` +
        "covers tenant {{ $labels.tenant }}. Fix the label (provisioning sets it) or add the tier to the stack config.",
      dashboard,
      tests: [
        {
          name: "fires for a running tenant labelled with a tier the config does not know",
          interval: "1m",
          series: f.tenant("hooli", "premium" as Tier, { steps: 40 }),
          evalTime: "35m",
          expect: [
            {
              labels: { ...f.labels("hooli"), label_cameleer_io_tier: "premium" },
              summary: "Tenant hooli has no known tier: its SLO is not measured",
              description:
                `Namespace ${f.ns("hooli")} runs cameleer3-server but its cameleer.io/tier label is "premium", ` +
                `none of ${TIERS.join(", ")}: no SLO, SLA or burn-rate alert covers tenant hooli. Fix the label ` +
                "(provisioning sets it) or add the tier to the stack config.",
            },
          ],
        },
        {
          name: "stays quiet for a tenant of a known tier",
          interval: "1m",
          series: f.tenant("acme", "business", { steps: 40 }),
          evalTime: "35m",
          expect: [],
        },
      ],
    },
  ];

  return { area: "tenants", part: "slo", alerts, recordings, recordingTests: tenantRecordingTests(ctx, f) };
}

/** Requests of one sample: how many succeeded and how many failed with a 5xx. */
type Traffic = (sample: number) => { readonly ok: number; readonly errors: number };

/** Test series of tenants as kube-state-metrics, the ServiceMonitor and Micrometer label them. */
function tenantFixtures(ctx: RuleContext) {
  const jobs = ctx.names.jobs;
  const ns = (id: string) => `${ctx.tenantPrefix}${id}`;
  const ksmTarget = { job: jobs.kubeStateMetrics, instance: "10.0.3.12:8080" };
  const pod = (id: string) => ({
    job: jobs.tenantServer,
    namespace: ns(id),
    tenant: id,
    pod: "cameleer3-server-6f7c9d8b5-x7k2p",
    instance: "10.2.0.17:8081",
  });
  const request = (id: string, status: string, uri: string, values: string) =>
    series(
      REQUESTS,
      {
        ...pod(id),
        method: "POST",
        uri,
        status,
        outcome: status === "200" ? "SUCCESS" : "SERVER_ERROR",
        exception: status === "200" ? "none" : "DataAccessResourceFailureException",
      },
      values,
    );
  /** Requests per 30-second sample of a busy tenant: 10 a second. */
  const BUSY = 300;
  return {
    ns,
    labels: (id: string, tier?: Tier) => ({ namespace: ns(id), tenant: id, ...(tier ? { tier } : {}) }),
    /**
     * A tenant, `steps` samples long: its namespace's labels with its tier, its Deployment (one replica
     * wanted, `available` as given), its scrape target's `up` (none once `available` is given: the
     * pods are gone) and its request counters.
     */
    tenant(
      id: string,
      tier: Tier,
      opts: { up?: string; available?: string; traffic?: Traffic; steps?: number },
    ): TestSeries[] {
      const steps = opts.steps ?? 80;
      const deploymentLabels = { ...ksmTarget, namespace: ns(id), deployment: TENANT_SERVER_DEPLOYMENT };
      const traffic = opts.traffic;
      return [
        series(
          "kube_namespace_labels",
          { ...ksmTarget, namespace: ns(id), label_cameleer_io_tenant: id, label_cameleer_io_tier: tier },
          gauge(1, steps),
        ),
        series("kube_deployment_spec_replicas", deploymentLabels, gauge(1, steps)),
        series(
          "kube_deployment_status_replicas_available",
          deploymentLabels,
          opts.available ?? gauge(1, steps),
        ),
        ...(opts.available === undefined ? [series("up", pod(id), opts.up ?? gauge(1, steps))] : []),
        ...(traffic
          ? [
              request(
                id,
                "200",
                "/api/v1/routes/{id}",
                counterOf(steps, (i) => traffic(i).ok),
              ),
              request(
                id,
                "500",
                "/api/v1/routes/{id}",
                counterOf(steps, (i) => traffic(i).errors),
              ),
              // Prometheus's own scrapes: never part of the SLI.
              request(id, "200", "/actuator/prometheus", counter(2, steps)),
            ]
          : []),
      ];
    },
    /** Busy traffic, `errorShare` failing, up to sample `until` (then none). */
    steady(errorShare: number, opts: { perSample?: number; until?: number } = {}): Traffic {
      const n = opts.perSample ?? BUSY;
      return (i) =>
        i <= (opts.until ?? Infinity)
          ? { ok: n * (1 - errorShare), errors: n * errorShare }
          : { ok: 0, errors: 0 };
    },
    /** Busy traffic, `errorShare` of it failing for `length` samples from sample `from`. */
    burst(errorShare: number, from: number, length: number): Traffic {
      return (i) =>
        i >= from && i < from + length
          ? { ok: BUSY * (1 - errorShare), errors: BUSY * errorShare }
          : { ok: BUSY, errors: 0 };
    },
    /** A quiet tenant, `perSample` requests a sample, all failing for `length` samples from `from`. */
    quiet(perSample: number, from: number, length: number): Traffic {
      return (i) =>
        i >= from && i < from + length ? { ok: 0, errors: perSample } : { ok: perSample, errors: 0 };
    },
  };
}

function tenantRecordingTests(ctx: RuleContext, f: ReturnType<typeof tenantFixtures>): RecordingTestCase[] {
  const min = ctx.slo.minRequestRate;
  const t = (id: string, tier?: Tier) =>
    `{${Object.entries(f.labels(id, tier))
      .map(([k, v]) => `${k}="${v}"`)
      .join(", ")}}`;
  // A day of 5-minute samples, evaluated every 5 minutes: 289 tiles from 00:00 to 24:00 on January 1,
  // 1970. acme (business) is down for the first hour (12 tiles) and serves nothing; from then on 10
  // requests a second, 1 % failing. Tiles: down 12 × 1 and 277 × 0; requests 12 × the floor and
  // 277 × 10; errors 277 × 0.1.
  const dayTiles = 289;
  const dayDown = 12 / dayTiles;
  const dayErrors = (277 * 0.1) / (12 * min + 277 * 10);
  const dayAvailability = (1 - dayDown) * (1 - dayErrors);
  /** The SLI's error ratio from its parts, in the rules' floating-point order. */
  const errorRatio = (down: number, errors: number) => 1 - (1 - down) * (1 - errors);
  /** At the end of January 1st, 1 day of January's 31 has passed. */
  const monthElapsed = 1 / 31;

  return [
    {
      name: "each tier's SLO and SLA come from the stack config",
      series: [series("up", { job: "anything" }, "1")],
      evalTime: "0m",
      expr: anyOf(OBJECTIVES.tierSlo, OBJECTIVES.tierSla),
      expect: TIERS.flatMap((tier) => [
        { labels: `${OBJECTIVES.tierSlo}{tier="${tier}"}`, value: ctx.tiers[tier].slo },
        { labels: `${OBJECTIVES.tierSla}{tier="${tier}"}`, value: ctx.tiers[tier].sla },
      ]),
    },
    {
      name: "a tenant's objective is its namespace tier's; an unknown tier has none",
      series: [
        ...f.tenant("acme", "business", { steps: 5 }),
        ...f.tenant("hooli", "premium" as Tier, { steps: 5 }),
        ...f.tenant("initech", "high", { steps: 5 }),
      ],
      evalTime: "2m",
      expr: anyOf(OBJECTIVES.tenantSlo, OBJECTIVES.tenantSla),
      expect: [
        { labels: `${OBJECTIVES.tenantSlo}${t("acme", "business")}`, value: ctx.tiers.business.slo },
        { labels: `${OBJECTIVES.tenantSla}${t("acme", "business")}`, value: ctx.tiers.business.sla },
        { labels: `${OBJECTIVES.tenantSlo}${t("initech", "high")}`, value: ctx.tiers.high.slo },
        { labels: `${OBJECTIVES.tenantSla}${t("initech", "high")}`, value: ctx.tiers.high.sla },
      ],
    },
    {
      name: "down: two failed scrapes in a row, or nothing available though wanted; not one failed scrape, not a suspended tenant",
      interval: "30s",
      series: [
        // acme: one failed scrape, at 3m. globex: every scrape fails from 2m on.
        ...f.tenant("acme", "business", { up: "1x5 0 1x4" }),
        ...f.tenant("globex", "standard", { up: "1x3 0x6" }),
        // initech: its pods are gone, no target is left; the Deployment wants one and has none.
        ...f.tenant("initech", "high", { available: "1x3 0x6" }),
        // hooli: suspended, scaled to zero.
        series(
          "kube_deployment_spec_replicas",
          {
            job: ctx.names.jobs.kubeStateMetrics,
            namespace: f.ns("hooli"),
            deployment: TENANT_SERVER_DEPLOYMENT,
          },
          "0x9",
        ),
      ],
      evalTime: "3m",
      expr: TENANT_SLI.down,
      expect: [
        { labels: `${TENANT_SLI.down}${t("acme")}`, value: 0 },
        { labels: `${TENANT_SLI.down}${t("globex")}`, value: 1 },
        { labels: `${TENANT_SLI.down}${t("initech")}`, value: 1 },
      ],
    },
    {
      name: "requests and 5xx per second over 5 minutes, API only, at least the floor; a tenant serving nothing counts the floor",
      interval: "30s",
      series: [
        // acme: 10 requests a second, 1 % failing, plus actuator scrapes that do not count.
        ...f.tenant("acme", "business", { traffic: f.steady(0.01), steps: 20 }),
        // globex: one request a minute, below the floor. initech: down, serving nothing.
        ...f.tenant("globex", "standard", { traffic: f.quiet(0.5, 99, 0), steps: 20 }),
        ...f.tenant("initech", "high", { available: "0x20", steps: 20 }),
      ],
      evalTime: "10m",
      expr: anyOf(TENANT_SLI.requests, TENANT_SLI.errors),
      expect: [
        { labels: `${TENANT_SLI.requests}${t("acme")}`, value: 10 },
        { labels: `${TENANT_SLI.errors}${t("acme")}`, value: 0.1 },
        { labels: `${TENANT_SLI.requests}${t("globex")}`, value: Math.max(1 / 60, min) },
        { labels: `${TENANT_SLI.errors}${t("globex")}`, value: 0 },
        { labels: `${TENANT_SLI.requests}${t("initech")}`, value: min },
        { labels: `${TENANT_SLI.errors}${t("initech")}`, value: 0 },
      ],
    },
    {
      name: "the hour's error ratio: the failed share of requests, or the share of samples down",
      interval: "30s",
      series: [
        // acme: 1 % of requests fail. globex: down (nothing available) for the last 12 of the hour's
        // 121 samples, serving nothing. The hour from 30m to 90m, past the rates' first 5 minutes.
        ...f.tenant("acme", "business", { traffic: f.steady(0.01), steps: 180 }),
        ...f.tenant("globex", "standard", { available: "1x168 0x12", steps: 181 }),
      ],
      evalTime: "90m",
      expr: tenantErrorRatioRecord("1h"),
      expect: [
        { labels: `${tenantErrorRatioRecord("1h")}${t("acme")}`, value: errorRatio(0, 0.01) },
        { labels: `${tenantErrorRatioRecord("1h")}${t("globex")}`, value: 12 / 121 },
      ],
    },
    {
      name: "a day of 5-minute tiles: an hour down, then 1 % failing; month to date and budget left",
      interval: "5m",
      evaluationInterval: "5m",
      series: f.tenant("acme", "business", {
        available: "0x11 1x277",
        traffic: (i) => (i < 12 ? { ok: 0, errors: 0 } : { ok: 2970, errors: 30 }),
        steps: 288,
      }),
      evalTime: "1d",
      expr: anyOf(
        tenantErrorRatioRecord("1d"),
        tenantErrorRatioRecord("6h"),
        TENANT_MONTH.availability,
        TENANT_MONTH.budgetRemaining,
      ),
      expect: [
        { labels: `${tenantErrorRatioRecord("1d")}${t("acme")}`, value: 1 - dayAvailability },
        // The last 6 hours: 73 tiles, all up, 1 % failing.
        { labels: `${tenantErrorRatioRecord("6h")}${t("acme")}`, value: errorRatio(0, 0.01) },
        { labels: `${TENANT_MONTH.availability}${t("acme")}`, value: dayAvailability },
        {
          labels: `${TENANT_MONTH.budgetRemaining}${t("acme", "business")}`,
          value: 1 - ((1 - dayAvailability) * monthElapsed) / budgetOf(ctx, "business"),
        },
      ],
    },
    {
      name: "month to date starts again on the 1st; the day's window spans both months",
      interval: "1h",
      evaluationInterval: "1h",
      // Down (nothing available) for the last 12 hours of January (hours 732 to 743), up since.
      series: f.tenant("acme", "business", { available: "1x731 0x11 1x2", steps: 746 }),
      evalTime: "746h",
      expr: anyOf(TENANT_MONTH.availability, tenantErrorRatioRecord("1d")),
      expect: [
        // February's tiles: 00:00, 01:00 and 02:00, all up.
        { labels: `${TENANT_MONTH.availability}${t("acme")}`, value: 1 },
        // The day from January 31, 02:00 to February 1, 02:00: 25 hourly tiles, 12 down.
        { labels: `${tenantErrorRatioRecord("1d")}${t("acme")}`, value: 12 / 25 },
      ],
    },
  ];
}

/** Several recorded series in one test query (`a or b` would drop b's samples with a's labels). */
function anyOf(...records: string[]): string {
  return `{__name__=~"${records.join("|")}"}`;
}

function budgetOf(ctx: RuleContext, tier: Tier): number {
  return 1 - ctx.tiers[tier].slo;
}

function controlPlaneSloRules(ctx: RuleContext): AreaRules {
  const cp = `${ctx.selectors.controlPlane}, ${API_ONLY}`;
  const min = ctx.slo.minRequestRate;
  const objectives = ctx.slo.controlPlane;
  const le = micrometerLe(objectives.latencyThresholdSeconds);
  const requests = `sum(rate(${REQUESTS}{${cp}}[5m]))`;
  const windows = [...SHORT_WINDOWS, ...LONG_WINDOWS];

  const recordings: AreaRules["recordings"] = [
    {
      group: "slo-sli",
      rules: [
        {
          record: CONTROL_PLANE_SLI.down,
          expr:
            `(max(max_over_time(up{${ctx.selectors.controlPlane}}[${twoScrapes(ctx)}])) == bool 0)` +
            ` or max(absent(up{${ctx.selectors.controlPlane}}))`,
        },
        {
          record: CONTROL_PLANE_SLI.requests,
          expr: `clamp_min(${requests}, ${min}) or (0 * ${CONTROL_PLANE_SLI.down} + ${min})`,
        },
        {
          record: CONTROL_PLANE_SLI.errors,
          expr: `sum(rate(${REQUESTS}{${cp}, status=~"5.."}[5m])) or 0 * ${CONTROL_PLANE_SLI.requests}`,
        },
        {
          // Histogram buckets are cumulative: slower than the bound is all minus those within it.
          record: CONTROL_PLANE_SLOW_REQUESTS,
          expr:
            `clamp_min(${requests} - sum(rate(http_server_requests_seconds_bucket{${cp}, le="${le}"}[5m])), 0)` +
            ` or 0 * ${CONTROL_PLANE_SLI.requests}`,
        },
        ...windows.map((w) => ({
          record: controlPlaneErrorRatioRecord("availability", w),
          expr: errorRatioExpr(CONTROL_PLANE_SLI, w),
        })),
        ...windows.map((w) => ({
          record: controlPlaneErrorRatioRecord("latency", w),
          expr: requestRatioExpr("", CONTROL_PLANE_SLOW_REQUESTS, CONTROL_PLANE_SLI.requests, w),
        })),
      ],
    },
  ];

  const dashboard: DashboardLink = { dashboard: "slo" };
  const pod = {
    job: ctx.names.jobs.controlPlane,
    namespace: ctx.names.namespaces.controlPlane,
    pod: "cameleer-saas-0",
    instance: "10.0.1.0:8081",
  };
  /** Requests per 30-second sample: 20 a second. */
  const BUSY = 600;
  /**
   * Control-plane API traffic, `steps` samples: per sample, the shares of requests that fail and of
   * the successful ones slower than the latency threshold. Failures are fast (within the bound).
   */
  const traffic = (
    steps: number,
    shares: (i: number) => { readonly errors: number; readonly slow: number },
    perSample = BUSY,
  ): TestSeries[] => {
    const labels = (status: string) => ({
      ...pod,
      method: "GET",
      uri: "/api/v1/tenants",
      status,
      outcome: status === "200" ? "SUCCESS" : "SERVER_ERROR",
      exception: "none",
    });
    const ok = (i: number) => perSample * (1 - shares(i).errors);
    const failed = (i: number) => perSample * shares(i).errors;
    const okFast = (i: number) => ok(i) * (1 - shares(i).slow);
    const bucket = (status: string, le: string, n: (i: number) => number) =>
      series("http_server_requests_seconds_bucket", { ...labels(status), le }, counterOf(steps, n));
    return [
      series(REQUESTS, labels("200"), counterOf(steps, ok)),
      bucket("200", le, okFast),
      bucket("200", "+Inf", ok),
      series(REQUESTS, labels("503"), counterOf(steps, failed)),
      bucket("503", le, failed),
      bucket("503", "+Inf", failed),
      series("up", pod, gauge(1, steps)),
      // Liveness probes: never part of the SLI, however slow.
      series(REQUESTS, { ...labels("200"), uri: "/actuator/health/liveness" }, counter(5, steps)),
    ];
  };
  const clean = { errors: 0, slow: 0 };
  const from = (sample: number, shares: { errors: number; slow: number }) => (i: number) =>
    i >= sample ? shares : clean;
  const during = (sample: number, length: number, shares: { errors: number; slow: number }) => (i: number) =>
    i >= sample && i < sample + length ? shares : clean;
  const availabilityBudget = 1 - objectives.availability;
  const latencyBudget = 1 - objectives.latency;
  // Bad enough that 20 minutes of it burn an hour's window at well over 14.4 × the budget.
  const fastAvailability = Math.min(0.5, 100 * availabilityBudget);
  const fastLatency = Math.min(0.5, 100 * latencyBudget);

  const sloText = {
    availability: `${humanizePercentage(objectives.availability)} of API requests without a server error`,
    latency: `${humanizePercentage(objectives.latency)} of API requests within ${le} s`,
  };
  const burnAlert = (
    sli: "availability" | "latency",
    speed: "page" | "ticket",
    tests: AlertTestCase[],
  ): AlertDefinition => {
    const budget = sli === "availability" ? availabilityBudget : latencyBudget;
    const burn = (w: SloWindow) => `(${controlPlaneErrorRatioRecord(sli, w)} / ${budget})`;
    const noun = sli === "availability" ? "Error" : "Latency";
    const what = sli === "availability" ? "error" : "latency";
    return {
      alert: `ControlPlane${noun}Budget${speed === "page" ? "FastBurn" : "SlowBurn"}`,
      area: "control-plane",
      severity: speed === "page" ? "critical" : "warning",
      expr: burnCondition(BURN_RATE_ALERTS[speed], burn, ""),
      for: speed === "page" ? "3m" : "15m",
      summary: `Control plane: ${what} budget burning${speed === "page" ? " fast" : ""}`,
      description:
        `The control plane's API is spending its ${what} budget (SLO: ${sloText[sli]}) at ` +
        `${describeWindows(BURN_RATE_ALERTS[speed])} the rate the SLO allows: ` +
        (speed === "page"
          ? "every tenant is affected now, and at this pace a month's budget is gone within days."
          : "left alone, the SLO is missed this month."),
      dashboard,
      tests,
    };
  };
  const fired = (sli: "availability" | "latency", speed: "page" | "ticket") => {
    const def = burnAlert(sli, speed, []);
    return [{ labels: {}, summary: def.summary, description: def.description }];
  };

  const alerts: AlertDefinition[] = [
    burnAlert("availability", "page", [
      {
        name: `pages when ${humanizePercentage(fastAvailability)} of requests fail for 20 minutes`,
        interval: "30s",
        series: traffic(81, from(41, { errors: fastAvailability, slow: 0 })),
        evalTime: "40m",
        expect: fired("availability", "page"),
      },
      {
        name: "a 2-minute burst of the same errors does not page",
        interval: "30s",
        series: traffic(81, during(71, 4, { errors: fastAvailability, slow: 0 })),
        evalTime: "40m",
        expect: [],
      },
    ]),
    burnAlert("availability", "ticket", [
      {
        name: "opens a ticket on 5 × the budget's share of errors for 3 hours",
        interval: "5m",
        evaluationInterval: "5m",
        series: traffic(36, () => ({ errors: 5 * availabilityBudget, slow: 0 }), 6000),
        evalTime: "3h",
        expect: fired("availability", "ticket"),
      },
      {
        name: "stays quiet within budget",
        interval: "5m",
        evaluationInterval: "5m",
        series: traffic(84, () => ({ errors: 0.5 * availabilityBudget, slow: 0 }), 6000),
        evalTime: "7h",
        expect: [],
      },
    ]),
    burnAlert("latency", "page", [
      {
        name: `pages when ${humanizePercentage(fastLatency)} of requests are slower than the threshold for 20 minutes`,
        interval: "30s",
        series: traffic(81, from(41, { errors: 0, slow: fastLatency })),
        evalTime: "40m",
        expect: fired("latency", "page"),
      },
      {
        name: "stays quiet while slow requests stay within budget",
        interval: "30s",
        series: traffic(81, () => ({ errors: 0, slow: 0.5 * latencyBudget })),
        evalTime: "40m",
        expect: [],
      },
    ]),
    burnAlert("latency", "ticket", [
      {
        name: "opens a ticket on 4 × the budget's share of slow requests for 3 hours",
        interval: "5m",
        evaluationInterval: "5m",
        series: traffic(36, () => ({ errors: 0, slow: 4 * latencyBudget }), 6000),
        evalTime: "3h",
        expect: fired("latency", "ticket"),
      },
      {
        name: "stays quiet within budget",
        interval: "5m",
        evaluationInterval: "5m",
        series: traffic(84, () => ({ errors: 0, slow: 0.5 * latencyBudget }), 6000),
        evalTime: "7h",
        expect: [],
      },
    ]),
  ];

  const recordingTests: RecordingTestCase[] = [
    {
      name: "control plane: requests, 5xx and slow requests per second over 5 minutes, API only",
      interval: "30s",
      // Shares that binary floating point holds exactly: 1/16 fail, a quarter of the rest are slow.
      series: traffic(20, () => ({ errors: 0.0625, slow: 0.25 })),
      evalTime: "10m",
      expr: anyOf(CONTROL_PLANE_SLI.requests, CONTROL_PLANE_SLI.errors, CONTROL_PLANE_SLI.down),
      expect: [
        { labels: CONTROL_PLANE_SLI.requests, value: 20 },
        { labels: CONTROL_PLANE_SLI.errors, value: 1.25 },
        { labels: CONTROL_PLANE_SLI.down, value: 0 },
      ],
    },
    {
      name: "control plane: slow requests are all requests but those within the threshold's bucket",
      interval: "30s",
      series: traffic(20, () => ({ errors: 0.0625, slow: 0.25 })),
      evalTime: "10m",
      // A difference of two rates: exact to a millionth, not to the last bit.
      expr: `round(${CONTROL_PLANE_SLOW_REQUESTS} * 1e6) / 1e6`,
      expect: [{ labels: "{}", value: 18.75 * 0.25 }],
    },
    {
      name: "control plane: not scraped at all is down, and serves the floor",
      series: [series("up", { job: "some-other-job", namespace: "default" }, "1x10")],
      evalTime: "5m",
      expr: anyOf(
        CONTROL_PLANE_SLI.down,
        CONTROL_PLANE_SLI.requests,
        controlPlaneErrorRatioRecord("availability", "5m"),
      ),
      expect: [
        { labels: CONTROL_PLANE_SLI.down, value: 1 },
        { labels: CONTROL_PLANE_SLI.requests, value: min },
        { labels: controlPlaneErrorRatioRecord("availability", "5m"), value: 1 },
      ],
    },
  ];

  return { area: "control-plane", part: "slo", alerts, recordings, recordingTests };
}
