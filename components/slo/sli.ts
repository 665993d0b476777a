/**
 * The tenant availability SLI, defined once: the names of its recorded series and the PromQL that
 * turns them into an error ratio over a window. The recording rules (`../alerts/catalog/slo.ts`), the
 * SLO dashboard and the monthly SLA report all build their queries from here, so they show the same
 * numbers.
 *
 * This module imports nothing: the SLA report ships to the cluster as plain JavaScript in a ConfigMap
 * and runs on a bare `node` image (see `./sla-report-job.ts`).
 *
 * The SLI of a window W (docs/slo.md explains the choices):
 *
 *   availability(W) = (1 - D(W)) * (1 - E(W))
 *
 * D(W) is the share of W during which no replica of the tenant's cameleer3-server answered (two
 * scrapes in a row failed, or its Deployment wants replicas and has none available), sampled at every
 * evaluation. E(W) is the share of the requests it served that failed with a 5xx; every 5 minutes
 * count at least `minRequestRate` requests, so that one failed request of a quiet tenant does not
 * weigh like an outage. A request at a random moment of W succeeds with probability availability(W):
 * downtime counts although the server answers no requests while it lasts.
 */

/**
 * The series an availability SLI is recorded as, every evaluation (30 s): `down` samples, and the
 * 5-minute request and 5xx rates. `by` lists the labels that identify one SLI's series.
 */
export interface SliSeries {
  /** 1 while no replica answers, else 0. */
  readonly down: string;
  /** Requests per second over the last 5 minutes, at least `minRequestRate`; present wherever `down` is. */
  readonly requests: string;
  /** 5xx responses per second over the last 5 minutes; 0 where there were none. */
  readonly errors: string;
  readonly by: string;
}

/** Labels that identify a tenant on every series of the SLI. */
export const TENANT_LABELS = "namespace, tenant";

/** Each tenant's cameleer3-server (absent for a suspended tenant). */
export const TENANT_SLI: SliSeries = {
  down: "tenant:server_down:bool",
  requests: "tenant:slo_requests:rate5m",
  errors: "tenant:slo_request_errors:rate5m",
  by: TENANT_LABELS,
};

/** The control plane's API (actuator endpoints excluded), one series each. */
export const CONTROL_PLANE_SLI: SliSeries = {
  down: "cameleer:control_plane_down:bool",
  requests: "cameleer:control_plane_slo_requests:rate5m",
  errors: "cameleer:control_plane_slo_request_errors:rate5m",
  by: "",
};

/** The control plane's requests slower than the latency SLI's threshold, per second over 5 minutes. */
export const CONTROL_PLANE_SLOW_REQUESTS = "cameleer:control_plane_slo_slow_requests:rate5m";

/**
 * Five-minute tiles of the SLI, recorded every 5 minutes and labelled with the calendar `month` (1-12,
 * UTC) they were recorded in: long windows, month-to-date figures and the monthly report read these,
 * one sample per 5 minutes instead of ten.
 */
export const TENANT_TILES = {
  /** The share of the 5 minutes the tenant was down. */
  down: "tenant_month:server_down:avg5m",
  /** `TENANT_SLI.requests` at the tile's end: the rate over exactly the tile's 5 minutes. */
  requests: "tenant_month:slo_requests:rate5m",
  errors: "tenant_month:slo_request_errors:rate5m",
} as const;

/** Minutes a tile covers. */
export const TILE_MINUTES = 5;

/** Objectives: per tier from the stack config, per tenant from its namespace's tier label. */
export const OBJECTIVES = {
  /** The SLO of each tier as a ratio, label `tier`. */
  tierSlo: "tier:slo_objective:ratio",
  /** The contractual availability (SLA) of each tier as a ratio, label `tier`. */
  tierSla: "tier:sla_objective:ratio",
  /** The SLO of each tenant's tier, labels `namespace`, `tenant`, `tier`. */
  tenantSlo: "tenant:slo_objective:ratio",
  /** The SLA of each tenant's tier, labels `namespace`, `tenant`, `tier`. */
  tenantSla: "tenant:sla_objective:ratio",
} as const;

/** Windows of the burn-rate alerts. Tenants record the short ones from the 30-second series, the long ones from the tiles. */
export const SHORT_WINDOWS = ["5m", "30m", "1h", "2h"] as const;
export const LONG_WINDOWS = ["6h", "1d", "3d"] as const;
export type SloWindow = (typeof SHORT_WINDOWS)[number] | (typeof LONG_WINDOWS)[number];

/** The tenant SLI's error ratio (1 - availability) over a window: `tenant:slo_availability_error:ratio_rate1h`. */
export function tenantErrorRatioRecord(window: SloWindow): string {
  return `tenant:slo_availability_error:ratio_rate${window}`;
}

/** The control plane's availability and latency error ratios over a window. */
export function controlPlaneErrorRatioRecord(sli: "availability" | "latency", window: SloWindow): string {
  return `cameleer:control_plane_${sli}_error:ratio_rate${window}`;
}

/** Month-to-date (calendar month, UTC) availability of each tenant, and the share of its budget left. */
export const TENANT_MONTH = {
  availability: "tenant:slo_availability:ratio_mtd",
  budgetRemaining: "tenant:slo_error_budget_remaining:ratio_mtd",
} as const;

/**
 * The month's sums of each tile, recorded one per rule: a rule reads one tile series per tenant (8,928
 * samples at the end of a 31-day month), so a single query stays under Prometheus's default limit of
 * 50 million samples up to some 5,000 tenants; reading all four at once would reach it at 1,400.
 */
export const TENANT_MONTH_SUMS = {
  downTiles: "tenant:server_down_tiles:sum_mtd",
  tiles: "tenant:server_down_tiles:count_mtd",
  errors: "tenant:slo_request_errors_tiles:sum_mtd",
  requests: "tenant:slo_requests_tiles:sum_mtd",
} as const;

/** `1 - (1 - D) * (1 - E)`: the error ratio from its two parts, matched on `by`. */
export function combineErrorRatio(by: string, downRatio: string, requestErrorRatio: string): string {
  return `1 - (1 - ${downRatio}) * on (${by}) (1 - ${requestErrorRatio})`;
}

/** Failed over all requests of a window of 30-second samples of 5-minute rates: their sums' ratio. */
export function requestRatioExpr(by: string, failed: string, requests: string, window: SloWindow): string {
  // The 5-minute rates are that window already.
  return window === "5m"
    ? `(${failed} / on (${by}) ${requests})`
    : `(sum_over_time(${failed}[${window}]) / on (${by}) sum_over_time(${requests}[${window}]))`;
}

/** An availability SLI's error ratio over a window of its 30-second series. */
export function errorRatioExpr(sli: SliSeries, window: SloWindow): string {
  return combineErrorRatio(
    sli.by,
    `avg_over_time(${sli.down}[${window}])`,
    requestRatioExpr(sli.by, sli.errors, sli.requests, window),
  );
}

/**
 * A range of tiles summed per tenant over both months it may span. `range` is a PromQL duration and
 * `at` an optional evaluation time (Unix seconds) for a fixed window, as the report asks.
 */
function tileSum(fn: "sum_over_time" | "count_over_time", tile: string, range: string, at?: number): string {
  return `sum by (${TENANT_LABELS}) (${fn}(${tile}[${range}]${at === undefined ? "" : ` @ ${at}`}))`;
}

/** D over a range of tiles: the share of the tiles' time the tenant was down. */
export function tenantDownRatioFromTilesExpr(range: string, at?: number): string {
  return (
    `(${tileSum("sum_over_time", TENANT_TILES.down, range, at)}` +
    ` / on (${TENANT_LABELS}) ${tileSum("count_over_time", TENANT_TILES.down, range, at)})`
  );
}

/** The error ratio over a range of tiles (6h, 1d, 3d; a report's day or month with `at`). */
export function tenantErrorRatioFromTilesExpr(range: string, at?: number): string {
  const errors =
    `(${tileSum("sum_over_time", TENANT_TILES.errors, range, at)}` +
    ` / on (${TENANT_LABELS}) ${tileSum("sum_over_time", TENANT_TILES.requests, range, at)})`;
  return combineErrorRatio(TENANT_LABELS, tenantDownRatioFromTilesExpr(range, at), errors);
}

/** Tiles per tenant in a range: times {@link TILE_MINUTES}, the minutes the SLI observed. */
export function tenantTileCountExpr(range: string, at?: number): string {
  return tileSum("count_over_time", TENANT_TILES.down, range, at);
}

/** Minutes down per tenant in a range of tiles. */
export function tenantDowntimeMinutesExpr(range: string, at?: number): string {
  return `${tileSum("sum_over_time", TENANT_TILES.down, range, at)} * ${TILE_MINUTES}`;
}

/** `{month="11"}` at evaluation time: the calendar month (UTC) as a label, for matching tiles. */
export const CURRENT_MONTH = 'count_values("month", month())';

/**
 * A month-to-date sum of tiles of the current calendar month (UTC). A range of 31 days holds at most
 * this month and the end of the one before, and the `month` label tells them apart: no subquery, no
 * `@`, one read of each tile.
 */
export function tenantMonthSumExpr(fn: "sum_over_time" | "count_over_time", tile: string): string {
  return `sum by (${TENANT_LABELS}) (${fn}(${tile}[31d]) and on (month) ${CURRENT_MONTH})`;
}

/** Month-to-date availability, from the month's sums ({@link TENANT_MONTH_SUMS}). */
export function tenantMonthToDateAvailabilityExpr(): string {
  const s = TENANT_MONTH_SUMS;
  const down = `(${s.downTiles} / on (${TENANT_LABELS}) ${s.tiles})`;
  const errors = `(${s.errors} / on (${TENANT_LABELS}) ${s.requests})`;
  return `(1 - ${down}) * on (${TENANT_LABELS}) (1 - ${errors})`;
}

/** The share of the current calendar month (UTC) that has passed, as a PromQL scalar. */
export const MONTH_ELAPSED_FRACTION =
  "scalar(((day_of_month() - 1) * 86400 + time() % 86400) / (days_in_month() * 86400))";
