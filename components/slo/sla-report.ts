/**
 * The monthly SLA report: each tenant's availability over a calendar month (UTC) against its tier's
 * SLA, its downtime, and its availability day by day, queried from the SLO rules' 5-minute tiles in
 * Prometheus. The figures are the SLI of `./sli.ts`, the one the SLO alerts and dashboard show.
 *
 * Imports only Node's built-ins and siblings: this runs in the cluster on a bare `node` image.
 */
import {
  OBJECTIVES,
  TENANT_LABELS,
  TILE_MINUTES,
  tenantDowntimeMinutesExpr,
  tenantErrorRatioFromTilesExpr,
  tenantTileCountExpr,
} from "./sli";

/** A calendar month, UTC. */
export interface Month {
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
}

/** `2026-10`. */
export function formatMonth(m: Month): string {
  return `${m.year}-${String(m.month).padStart(2, "0")}`;
}

/**
 * `YYYY-MM`, or `previous` / `current` relative to `now` (what a CronJob on the 1st asks for).
 * Throws with the accepted forms on anything else.
 */
export function parseMonth(text: string, now: Date = new Date()): Month {
  const current = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 };
  if (text === "current") return current;
  if (text === "previous") {
    return current.month === 1
      ? { year: current.year - 1, month: 12 }
      : { ...current, month: current.month - 1 };
  }
  const m = /^([0-9]{4})-([0-9]{2})$/.exec(text);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) {
    throw new Error(`--month must be YYYY-MM (e.g. 2026-10), "previous" or "current"; got "${text}"`);
  }
  return { year: Number(m[1]), month };
}

/** Unix seconds of the month's first instant and of the next month's. */
export function monthBounds(m: Month): { readonly start: number; readonly end: number } {
  return { start: Date.UTC(m.year, m.month - 1, 1) / 1000, end: Date.UTC(m.year, m.month, 1) / 1000 };
}

/**
 * A PromQL range covering `(end - seconds, end]` exactly, whatever Prometheus's version: 2.x ranges
 * include their start, 3.x ranges do not; one millisecond less makes both hold the same tiles.
 */
function exactRange(seconds: number): string {
  return `${seconds * 1000 - 1}ms`;
}

export interface TenantMonth {
  readonly tenant: string;
  readonly namespace: string;
  /** The tier judged against: the strictest one the tenant had during the month. */
  readonly tier: string | undefined;
  /** Every tier the tenant had during the month, when it changed. */
  readonly tiersSeen: readonly string[];
  readonly sla: number | undefined;
  readonly slo: number | undefined;
  /** Availability over the minutes observed, as a ratio. */
  readonly availability: number;
  readonly downtimeMinutes: number;
  /** Minutes the SLI observed the tenant (5 per tile); less than the month for a new tenant. */
  readonly observedMinutes: number;
  /** Observed over the month's minutes. */
  readonly coverage: number;
  /** Below its SLA. */
  readonly breached: boolean;
  /** Share of the month's error budget (1 - SLO) left; negative when the SLO was missed. */
  readonly budgetRemaining: number | undefined;
  /** Availability of each day of the month (null where the SLI saw nothing). */
  readonly daily: readonly (number | null)[];
}

export interface SlaReport {
  readonly month: Month;
  readonly days: number;
  readonly prometheus: string;
  /** Tiers the report was asked for; empty means all. */
  readonly tiers: readonly string[];
  readonly generatedAt: Date;
  /** Breaches first, then by availability, lowest first. */
  readonly tenants: readonly TenantMonth[];
}

/** One instant query's answer: a vector of labelled values. */
export type QueryFn = (
  expr: string,
  time: number,
) => Promise<{ labels: Record<string, string>; value: number }[]>;

/** An instant query through Prometheus's HTTP API, failing with Prometheus's own error. */
export function prometheusQuery(baseUrl: string, timeoutMs = 120_000): QueryFn {
  return async (expr, time) => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl.replace(/\/$/, "")}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: expr, time: String(time) }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new Error(`cannot reach Prometheus at ${baseUrl}: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as {
      status?: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== "success" || !body.data) {
      throw new Error(
        `Prometheus at ${baseUrl} answered ${res.status}: ${body.error ?? "no data"}\n  query: ${expr}`,
      );
    }
    if (body.data.resultType !== "vector") throw new Error(`expected a vector from: ${expr}`);
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
}

export interface ReportOptions {
  readonly month: Month;
  /** Tiers to include; empty or absent for all. */
  readonly tiers?: readonly string[];
  /** Called after each query, with how many are done of how many. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly prometheus: string;
  readonly query?: QueryFn;
  readonly now?: Date;
}

const key = (l: Record<string, string>) => `${l.namespace}\u0000${l.tenant}`;

/** Queries Prometheus and computes the month's report. */
export async function buildSlaReport(o: ReportOptions): Promise<SlaReport> {
  const query = o.query ?? prometheusQuery(o.prometheus);
  const { start, end } = monthBounds(o.month);
  const days = Math.round((end - start) / 86400);
  const month = exactRange(end - start);
  const day = exactRange(86400);
  const byTier = (objective: string) =>
    `max by (${TENANT_LABELS}, tier) (max_over_time(${objective}[${month}] @ ${end}))`;

  const monthQueries = {
    errorRatio: tenantErrorRatioFromTilesExpr(month, end),
    downtime: tenantDowntimeMinutesExpr(month, end),
    tiles: tenantTileCountExpr(month, end),
    sla: byTier(OBJECTIVES.tenantSla),
    slo: byTier(OBJECTIVES.tenantSlo),
  };
  const total = Object.keys(monthQueries).length + days;
  let done = 0;
  const run = async (expr: string) => {
    const result = await query(expr, end);
    o.onProgress?.(++done, total);
    return result;
  };
  const errorRatio = await run(monthQueries.errorRatio);
  const downtime = new Map((await run(monthQueries.downtime)).map((s) => [key(s.labels), s.value]));
  const tiles = new Map((await run(monthQueries.tiles)).map((s) => [key(s.labels), s.value]));
  const slas = await run(monthQueries.sla);
  const slos = await run(monthQueries.slo);
  const daily = new Map<string, (number | null)[]>();
  for (let d = 0; d < days; d++) {
    for (const s of await run(tenantErrorRatioFromTilesExpr(day, start + (d + 1) * 86400))) {
      const k = key(s.labels);
      if (!daily.has(k)) daily.set(k, new Array<number | null>(days).fill(null));
      daily.get(k)![d] = 1 - s.value;
    }
  }

  const wanted = new Set(o.tiers ?? []);
  const tenants: TenantMonth[] = [];
  for (const s of errorRatio) {
    const k = key(s.labels);
    const tierSlas = slas.filter((t) => key(t.labels) === k);
    // A tenant whose tier changed is held to the strictest SLA it had.
    const strictest = [...tierSlas].sort((a, b) => b.value - a.value)[0];
    const tier = strictest?.labels.tier;
    if (wanted.size > 0 && (tier === undefined || !wanted.has(tier))) continue;
    const sla = strictest?.value;
    const slo = slos.find((t) => key(t.labels) === k && t.labels.tier === tier)?.value;
    const availability = 1 - s.value;
    const observedMinutes = (tiles.get(k) ?? 0) * TILE_MINUTES;
    tenants.push({
      tenant: s.labels.tenant,
      namespace: s.labels.namespace,
      tier,
      tiersSeen: tierSlas.length > 1 ? tierSlas.map((t) => t.labels.tier).sort() : [],
      sla,
      slo,
      availability,
      downtimeMinutes: downtime.get(k) ?? 0,
      observedMinutes,
      coverage: observedMinutes / (days * 1440),
      breached: sla !== undefined && availability < sla,
      budgetRemaining: slo === undefined ? undefined : 1 - (1 - availability) / (1 - slo),
      daily: daily.get(k) ?? new Array<number | null>(days).fill(null),
    });
  }
  tenants.sort(
    (a, b) =>
      Number(b.breached) - Number(a.breached) ||
      a.availability - b.availability ||
      a.tenant.localeCompare(b.tenant),
  );
  return {
    month: o.month,
    days,
    prometheus: o.prometheus,
    tiers: [...wanted].sort(),
    generatedAt: o.now ?? new Date(),
    tenants,
  };
}
