/**
 * Dashboard queries made runnable outside Grafana: its template variables replaced by the values
 * Grafana would put in, and the PromQL/LogQL checks every query must pass.
 */
import { alertCatalog, logAlertCatalog } from "../../components/alerts/catalog";
import type { RuleContext } from "../../components/alerts/context";
import type { DashboardQuery } from "../../components/dashboards";
import { isKnownMetric } from "../../components/shared/metric-names";
import { parseLogQL, parsePromQL } from "../../components/shared/query-parsing";
import type { DashboardKey } from "../../components/dashboards/registry";

/** What Grafana substitutes for its built-in variables, for a 1-hour range at 30 s scrapes. */
export const BUILTIN_VALUES: Readonly<Record<string, string>> = {
  __rate_interval: "2m",
  __interval: "1m",
  __range: "1h",
};

/** `expr` with `$tenant`/`${tenant}` and Grafana's built-ins replaced; fails on any variable left. */
export function substituteVariables(expr: string, vars: Readonly<Record<string, string>>): string {
  const values: Record<string, string> = { ...BUILTIN_VALUES, ...vars };
  const out = expr.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? "";
      const value = values[name];
      if (value === undefined) throw new Error(`unknown template variable ${whole} in: ${expr}`);
      return value;
    },
  );
  return out;
}

/** Problems of one query: syntax errors and metric names nothing emits. */
export function queryProblems(
  q: DashboardQuery,
  vars: Readonly<Record<string, string>>,
  recorded: ReadonlySet<string>,
): string[] {
  const where = `${q.dashboard} / "${q.panel}" ${q.refId}`;
  let expr: string;
  try {
    expr = q.datasource === "prometheus" ? substituteVariables(q.expr, vars) : q.expr;
  } catch (e) {
    return [`${where}: ${(e as Error).message}`];
  }
  const parsed = q.datasource === "prometheus" ? parsePromQL(expr) : parseLogQL(expr);
  const problems: string[] = [];
  if (parsed.errors.length > 0) {
    problems.push(`${where}: ${q.datasource} syntax error at ${parsed.errors.join(", ")} in ${expr}`);
  }
  for (const m of parsed.metrics) {
    if (!isKnownMetric(m, recorded)) problems.push(`${where}: unknown metric ${m}`);
  }
  return problems;
}

/** Names of the catalog's recording rules: dashboards may read them like any metric. */
export function recordedNames(ctx: RuleContext): Set<string> {
  return new Set(
    alertCatalog(ctx).flatMap((a) => (a.recordings ?? []).flatMap((g) => g.rules.map((r) => r.record))),
  );
}

/** Every alert of the catalog (metric and log alerts) with the dashboard it links to. */
export function alertDashboards(ctx: RuleContext): Map<string, DashboardKey> {
  const alerts = [...alertCatalog(ctx).flatMap((a) => a.alerts), ...logAlertCatalog(ctx)];
  return new Map(alerts.map((a) => [a.alert, a.dashboard.dashboard]));
}
