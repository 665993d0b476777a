/**
 * The dashboards as pure data, no mocks: identity, determinism, well-formed queries on metrics that
 * exist, selectors and thresholds from the stack's context, layout, and runbook links that lead
 * somewhere.
 */
import { strict as assert } from "node:assert";
import { alertCatalog } from "../components/alerts/catalog";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../components/alerts/context";
import { kebabCase } from "../components/alerts/context";
import {
  allDashboards,
  DASHBOARD_FACTORIES,
  DASHBOARDS,
  dashboardQueries,
  FOLDERS,
  LOKI_DATASOURCE_UID,
  panelsOf,
  PROMETHEUS_DATASOURCE_UID,
  TENANT_VARIABLE_QUERY,
  type DashboardKey,
} from "../components/dashboards";
import { stableJson } from "../components/shared/serialize";
import { buildRuleContext } from "../stacks/rule-context";
import { REPO_ROOT } from "../stacks/mock-runtime";
import { parseStack, stackValue } from "./helpers/config";
import { alertDashboards, queryProblems, recordedNames } from "./helpers/dashboards-queries";

const STACKS = ["prod", "staging"];

/** The runbook links of a panel, as alert kebab names (`tenant-server-down`). */
function runbookLinks(ctx: RuleContext, panel: Panel): string[] {
  return (panel.links ?? [])
    .map((l) => l.url ?? "")
    .filter((url) => url.startsWith(`${ctx.runbookBaseUrl}/`))
    .map((url) => url.slice(ctx.runbookBaseUrl.length + 1).replace(/\.md$/, ""));
}

/** Every threshold value a dashboard's panels colour by. */
function thresholdValues(panels: readonly Panel[]): number[] {
  return panels.flatMap((p) =>
    (p.fieldConfig?.defaults?.thresholds?.steps ?? []).flatMap((s) => (s.value === null ? [] : [s.value])),
  );
}

describe("dashboards (pure)", () => {
  for (const stack of STACKS) {
    describe(stack, () => {
      const ctx = buildRuleContext(parseStack(stack));
      const dashboards = allDashboards(ctx);
      const recorded = recordedNames(ctx);

      it("builds every dashboard of the factory list once, in a stable order, with the registry's uid and title", () => {
        assert.deepEqual(
          dashboards.map((d) => d.key),
          DASHBOARD_FACTORIES.map((f) => f.key),
        );
        assert.equal(new Set(dashboards.map((d) => d.uid)).size, dashboards.length);
        for (const d of dashboards) {
          assert.equal(d.uid, DASHBOARDS[d.key].uid);
          assert.equal(d.model.uid, DASHBOARDS[d.key].uid);
          assert.equal(d.model.title, DASHBOARDS[d.key].title);
          assert.equal(d.title, DASHBOARDS[d.key].title);
          assert.ok(d.folder in FOLDERS, `${d.key}: unknown folder ${d.folder}`);
        }
        assert.equal(dashboards.find((d) => d.key === "tenantHealth")?.folder, "tenants");
      });

      it("gives the same bytes when built twice", () => {
        const again = allDashboards(buildRuleContext(parseStack(stack)));
        for (const [i, d] of dashboards.entries()) {
          assert.equal(stableJson(again[i].model), stableJson(d.model), d.key);
        }
      });

      for (const f of DASHBOARD_FACTORIES) {
        it(`${f.key}: a new title keeps the uid`, () => {
          const renamed = f.build(ctx, { title: "Renamed for the test" });
          assert.equal(renamed.title, "Renamed for the test");
          assert.equal(renamed.uid, DASHBOARDS[f.key].uid);
          const original = dashboards.find((d) => d.key === f.key)!.model;
          assert.equal(
            stableJson({ ...renamed, title: original.title }),
            stableJson(original),
            "only the title may change",
          );
        });
      }

      for (const d of dashboards) {
        describe(d.key, () => {
          const panels = panelsOf(d.model);
          const queries = dashboardQueries(d.model);

          it("writes only well-formed PromQL and LogQL on metrics that exist", () => {
            assert.ok(queries.length > 0);
            const problems = queries.flatMap((q) => queryProblems(q, { tenant: "acme" }, recorded));
            assert.deepEqual(problems, []);
          });

          it("selects sources only through the context's selectors, never a job matcher of its own", () => {
            const selectors = Object.values(ctx.selectors).sort((a, b) => b.length - a.length);
            for (const q of queries.filter((x) => x.datasource === "prometheus")) {
              const rest = selectors.reduce((e, s) => e.split(s).join(""), q.expr);
              assert.doesNotMatch(rest, /\bjob\s*(=|!=|=~|!~)/, `${q.panel}: ${q.expr}`);
            }
          });

          it("titles and describes every panel, and gives every panel and row its own id", () => {
            const all = d.model.panels ?? [];
            for (const p of all) assert.ok(p.title, `panel ${p.id} has no title`);
            for (const p of panels) assert.ok(p.description, `"${p.title}" has no description`);
            const ids = all.map((p) => p.id);
            assert.ok(
              ids.every((id) => typeof id === "number" && id > 0),
              `ids ${ids.join(",")}`,
            );
            assert.equal(new Set(ids).size, ids.length, `duplicate panel ids: ${ids.join(",")}`);
            for (const p of panels) {
              const refIds = (p.targets ?? []).map((t) => (t as { refId?: string }).refId);
              assert.equal(new Set(refIds).size, refIds.length, `"${p.title}": duplicate refIds`);
            }
          });

          it("lays the panels out on the 24-column grid without overlaps or holes", () => {
            const all = d.model.panels ?? [];
            const cells = new Set<string>();
            for (const p of all) {
              const g = p.gridPos!;
              assert.ok(
                g.x >= 0 && g.w > 0 && g.x + g.w <= 24,
                `"${p.title}" sticks out: ${JSON.stringify(g)}`,
              );
              for (let x = g.x; x < g.x + g.w; x++) {
                for (let y = g.y; y < g.y + g.h; y++) {
                  assert.ok(!cells.has(`${x},${y}`), `"${p.title}" overlaps at ${x},${y}`);
                  cells.add(`${x},${y}`);
                }
              }
            }
            // Every grid line that holds a panel is full: the layout leaves no holes.
            const rows = new Map<number, number>();
            for (const c of cells) {
              const y = Number(c.split(",")[1]);
              rows.set(y, (rows.get(y) ?? 0) + 1);
            }
            for (const [y, n] of rows) assert.equal(n, 24, `grid line ${y} has ${n} of 24 columns`);
          });

          it("queries only the fixed data source uids", () => {
            for (const p of panels) {
              const uid = p.datasource?.uid;
              assert.ok(
                uid === PROMETHEUS_DATASOURCE_UID || uid === LOKI_DATASOURCE_UID,
                `"${p.title}": ${uid}`,
              );
              for (const t of p.targets ?? []) {
                assert.equal((t as { datasource?: { uid?: string } }).datasource?.uid, uid, p.title);
              }
            }
          });

          it("links panels to runbooks that exist, of alerts that link back to this dashboard's area", () => {
            const alerts = alertDashboards(ctx);
            const byKebab = new Map([...alerts.keys()].map((a) => [kebabCase(a), a]));
            for (const p of panels) {
              for (const link of p.links ?? []) {
                assert.ok(link.url?.startsWith(`${ctx.runbookBaseUrl}/`), `"${p.title}": ${link.url}`);
              }
              for (const name of runbookLinks(ctx, p)) {
                const file = path.join(REPO_ROOT, "docs", "runbooks", `${name}.md`);
                assert.ok(fs.existsSync(file), `"${p.title}": no runbook docs/runbooks/${name}.md`);
                assert.ok(byKebab.has(name), `"${p.title}": runbook ${name} is of no alert in the catalog`);
              }
            }
          });

          it("links the runbook of every alert that points to this dashboard from a panel", () => {
            const linked = new Set(panels.flatMap((p) => runbookLinks(ctx, p)));
            const expected = [...alertDashboards(ctx)].filter(([, key]) => key === d.key).map(([a]) => a);
            const missing = expected.filter((a) => !linked.has(kebabCase(a)));
            assert.deepEqual(missing, [], `alerts linking to ${d.key} that no panel links back to`);
          });

          it("uses the tenant variable exactly where it defines it", () => {
            const variables = d.model.templating.list ?? [];
            const usesTenant = queries.some((q) => /\$\{?tenant\b/.test(q.expr));
            const tenant = variables.find((v) => v.name === "tenant");
            assert.equal(usesTenant, tenant !== undefined);
            if (tenant) {
              assert.equal((tenant.query as { query: string }).query, TENANT_VARIABLE_QUERY);
              assert.equal(tenant.datasource?.uid, PROMETHEUS_DATASOURCE_UID);
            }
          });
        });
      }

      it("builds every dashboard an alert of the catalog links to", () => {
        const built = new Set<DashboardKey>(dashboards.map((d) => d.key));
        const unbuilt = [...alertDashboards(ctx)].filter(([, key]) => !built.has(key));
        assert.deepEqual(unbuilt, [], "alerts pointing at a dashboard this program does not build");
      });
    });
  }

  describe("thresholds come from stack config", () => {
    const cases: { key: string; dashboard: DashboardKey; value: number }[] = [
      { key: "controlPlaneErrorRatio", dashboard: "controlPlane", value: 0.0123 },
      { key: "provisioningQueueDepth", dashboard: "platformOverview", value: 987 },
      { key: "quotaUsageRatio", dashboard: "tenantHealth", value: 0.777 },
      { key: "volumeUsageWarning", dashboard: "infrastructure", value: 0.666 },
      { key: "meteringStaleSeconds", dashboard: "billing", value: 4321 },
      { key: "authFailureRate", dashboard: "security", value: 42.5 },
      { key: "targetsDownRatio", dashboard: "monitoringSelf", value: 0.321 },
    ];
    for (const c of cases) {
      it(`${c.key} colours the ${c.dashboard} dashboard`, () => {
        const thresholds = { ...stackValue("prod", "thresholds"), [c.key]: c.value };
        const ctx = buildRuleContext(parseStack("prod", { thresholds }));
        const model = allDashboards(ctx).find((d) => d.key === c.dashboard)!.model;
        assert.ok(thresholdValues(panelsOf(model)).includes(c.value), `${c.value} not among the thresholds`);
      });
    }

    it("reads each tenant tier's SLO from config", () => {
      const tiers = stackValue<Record<string, { slo: number; sla: number }>>("prod", "tiers");
      const changed = { ...tiers, business: { slo: 99.87, sla: 99.5 } };
      const ctx = buildRuleContext(parseStack("prod", { tiers: changed }));
      const model = allDashboards(ctx).find((d) => d.key === "slo")!.model;
      assert.match(model.description ?? "", /business 99\.87% \(SLA 99\.5%\)/);
      // The numbers themselves are the recorded objectives, which the rules take from config.
      const recording = alertCatalog(ctx)
        .flatMap((a) => (a.recordings ?? []).flatMap((g) => g.rules))
        .find((r) => r.record === "tier:slo_objective:ratio" && r.labels?.tier === "business");
      assert.equal(recording?.expr, "vector(0.9987)");
    });
  });
});
