/**
 * Every dashboard panel returns data: each PromQL query of each dashboard, its template variables
 * filled in as Grafana would, runs against a real Prometheus serving a fixture TSDB of realistic
 * series, and must return at least one finite value. A trailing `or vector(0)` is dropped first, so
 * a panel cannot pass on its fallback alone.
 */
import { strict as assert } from "node:assert";
import { buildRuleContext } from "../stacks/rule-context";
import type { RuleContext } from "../components/alerts/context";
import { allDashboards, dashboardQueries, panelsOf, TENANT_VARIABLE_QUERY } from "../components/dashboards";
import { parseLogQL } from "../components/shared/query-parsing";
import { parseStack } from "./helpers/config";
import { substituteVariables } from "./helpers/dashboards-queries";
import {
  FIXTURE_TENANTS,
  platformSeries,
  startFixturePrometheus,
  type FixturePrometheus,
  type FixtureSeries,
  type FixtureWindow,
} from "./helpers/tsdb-fixtures";

const STACKS = ["prod", "staging"];

/**
 * Panels whose query is empty underneath its `or vector(0)` by design, so the fallback stays: the
 * fixture is a healthy platform, and these count a failure it does not have. Key: `dashboard/panel`.
 */
const EMPTY_BY_DESIGN: Readonly<Record<string, string>> = {
  "infrastructure/Nodes not Ready":
    "counts nodes whose Ready condition is not true; every fixture node is Ready, so the count is of nothing",
};

const ZERO_FALLBACK = /\s+or\s+vector\(0\)\s*$/;

/**
 * `expr` without a trailing top-level `or vector(0)`, so that the panel must prove real data, unless
 * it is {@link EMPTY_BY_DESIGN}. `or` binds loosest in PromQL, so what is left is the whole left-hand
 * side; a fallback inside parentheses (`(a or vector(0)) / b`) does not end the query and stays.
 */
function withoutZeroFallback(dashboard: string, panel: string, expr: string): string {
  return `${dashboard}/${panel}` in EMPTY_BY_DESIGN ? expr : expr.replace(ZERO_FALLBACK, "");
}

interface QueryResult {
  readonly status: string;
  readonly error?: string;
  readonly data?: { resultType: string; result: unknown };
}

/** Whether an instant query's result holds at least one finite value. */
function hasFiniteValue(data: NonNullable<QueryResult["data"]>): boolean {
  const finite = (v: unknown) => Number.isFinite(Number(v));
  if (data.resultType === "vector") {
    return (data.result as { value: [number, string] }[]).some((s) => finite(s.value[1]));
  }
  if (data.resultType === "scalar") return finite((data.result as [number, string])[1]);
  return false;
}

async function instantQuery(prometheus: FixturePrometheus, expr: string, time: number): Promise<QueryResult> {
  const res = await fetch(`${prometheus.url}/api/v1/query`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query: expr, time: String(time) }).toString(),
  });
  return (await res.json()) as QueryResult;
}

describe("dashboards against a real Prometheus serving a fixture TSDB", function () {
  this.timeout(120_000);
  const contexts: [string, RuleContext][] = STACKS.map((s) => [s, buildRuleContext(parseStack(s))]);
  // Three hours at 30 s, ending two minutes ago, like a Prometheus that has been running a while.
  const window: FixtureWindow = {
    end: Math.floor((Date.now() / 1000 - 120) / 30) * 30,
    duration: 3 * 3600,
    step: 30,
  };
  let prometheus: FixturePrometheus | undefined;
  let tenant = "";
  const counts = { panels: 0, returningData: 0, logPanels: 0 };

  before(async function () {
    this.timeout(90_000);
    // One TSDB for every stack: the union of their fixtures (identical series are written once).
    const series = new Map<string, FixtureSeries>();
    for (const [, ctx] of contexts) {
      for (const s of platformSeries(ctx, window)) series.set(`${s.name}${JSON.stringify(s.labels)}`, s);
    }
    prometheus = await startFixturePrometheus([...series.values()], window);
  });

  after(async () => {
    await prometheus?.stop();
    process.stdout.write(
      `      panels checked: ${counts.panels}, panels returning data: ${counts.returningData}` +
        ` (LogQL panels only parsed: ${counts.logPanels})\n`,
    );
  });

  it("discovers the tenants from namespace labels, as the tenant variable's query does", async () => {
    const match = /^label_values\((.+), (\w+)\)$/.exec(TENANT_VARIABLE_QUERY);
    assert.ok(match, TENANT_VARIABLE_QUERY);
    const [, selector, label] = match;
    const url = new URL(`${prometheus!.url}/api/v1/label/${label}/values`);
    url.searchParams.set("match[]", selector);
    url.searchParams.set("start", String(window.end - 3600));
    url.searchParams.set("end", String(window.end));
    const body = (await (await fetch(url)).json()) as { status: string; data: string[] };
    assert.equal(body.status, "success");
    assert.deepEqual(body.data, FIXTURE_TENANTS.map((t) => t.id).sort());
    tenant = body.data[0];
  });

  it("is not vacuous: a query on a series the fixture lacks counts as no data", async () => {
    const r = await instantQuery(prometheus!, 'up{job="no-such-job"}', window.end);
    assert.equal(r.status, "success");
    assert.equal(hasFiniteValue(r.data!), false);
    const nan = await instantQuery(prometheus!, "sum(up) / 0 * 0", window.end);
    assert.equal(hasFiniteValue(nan.data!), false, "NaN is no data either");
  });

  for (const [stack, ctx] of contexts) {
    describe(stack, () => {
      for (const d of allDashboards(ctx)) {
        it(`${d.key}: every PromQL panel returns data`, async () => {
          assert.notEqual(tenant, "", "the tenant variable found no tenant");
          const failures: string[] = [];
          const queries = dashboardQueries(d.model).filter((q) => q.datasource === "prometheus");
          const results = await Promise.all(
            queries.map(async (q) => {
              const expr = withoutZeroFallback(d.key, q.panel, substituteVariables(q.expr, { tenant }));
              const r = await instantQuery(prometheus!, expr, window.end);
              if (r.status !== "success")
                return `"${q.panel}" ${q.refId}: ${r.error ?? r.status}\n    ${expr}`;
              if (!r.data || !hasFiniteValue(r.data)) return `"${q.panel}" ${q.refId}: no data\n    ${expr}`;
              return undefined;
            }),
          );
          const failedPanels = new Set<number>();
          results.forEach((f, i) => {
            if (f) {
              failures.push(f);
              failedPanels.add(queries[i].panelId);
            }
          });
          const panels = new Set(queries.map((q) => q.panelId));
          counts.panels += panels.size;
          counts.returningData += [...panels].filter((id) => !failedPanels.has(id)).length;
          assert.deepEqual(failures, [], `panels without data:\n  ${failures.join("\n  ")}`);
        });
      }

      it("lists as empty by design only panels that end in `or vector(0)`, and strips the others", () => {
        const fallbacks = allDashboards(ctx).flatMap((d) =>
          dashboardQueries(d.model)
            .filter((q) => q.datasource === "prometheus" && ZERO_FALLBACK.test(q.expr))
            .map((q) => `${d.key}/${q.panel}`),
        );
        assert.ok(fallbacks.length > Object.keys(EMPTY_BY_DESIGN).length, "no fallback is stripped");
        for (const listed of Object.keys(EMPTY_BY_DESIGN)) {
          assert.ok(fallbacks.includes(listed), `${listed} is listed but has no trailing or vector(0)`);
        }
      });

      it("parses the LogQL panels only: no Loki runs here, so they cannot be run", () => {
        const logQueries = allDashboards(ctx).flatMap((d) =>
          dashboardQueries(d.model).filter((q) => q.datasource === "loki"),
        );
        assert.ok(logQueries.length > 0);
        for (const q of logQueries) assert.deepEqual(parseLogQL(q.expr).errors, [], `${q.panel}: ${q.expr}`);
        counts.logPanels += new Set(logQueries.map((q) => `${q.dashboard}/${q.panelId}`)).size;
        const logPanels = allDashboards(ctx).flatMap((d) =>
          panelsOf(d.model).filter((p) => p.type === "logs"),
        );
        assert.equal(logPanels.length, logQueries.length);
      });
    });
  }
});
