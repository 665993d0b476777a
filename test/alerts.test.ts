import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { alertCatalog, catalogParts, logAlertCatalog } from "../components/alerts/catalog";
import { kebabCase, runbookPath } from "../components/alerts/context";
import { catalogProblems } from "../components/alerts/rule-files";
import type { AreaRules } from "../components/alerts/types";
import { isKnownMetric } from "../components/shared/metric-names";
import { parseLogQL, parsePromQL } from "../components/shared/query-parsing";
import { AREAS } from "../stacks/config";
import { REPO_ROOT } from "../stacks/mock-runtime";
import { buildRuleContext } from "../stacks/rule-context";
import { RUNBOOK_INDEX, runbookIndex } from "../stacks/runbook-index";
import { parseStack } from "./helpers/config";
import { checkRules, testRules, writeRulesAndTests } from "./helpers/promtool";

const RUNBOOK_SECTIONS = ["Meaning", "Impact", "Diagnosis", "Mitigation"];

function recordedNames(areas: readonly AreaRules[]): Set<string> {
  return new Set(areas.flatMap((a) => (a.recordings ?? []).flatMap((g) => g.rules.map((r) => r.record))));
}

describe("alert catalog", () => {
  for (const stack of ["prod", "staging"]) {
    describe(stack, () => {
      const ctx = buildRuleContext(parseStack(stack));
      const areas = alertCatalog(ctx);
      const alerts = areas.flatMap((a) => a.alerts);
      const recorded = recordedNames(areas);

      it("has no structural problem (unique names, for >= 3m, a firing and a non-firing test each)", () => {
        assert.deepEqual(catalogProblems(areas), []);
      });

      it("covers every owning area", () => {
        assert.deepEqual(
          areas.map((a) => a.area),
          [...AREAS],
        );
        for (const a of areas) assert.ok(a.alerts.length > 0, `${a.area} has no alert`);
      });

      it("writes only well-formed PromQL on metrics that exist (contract, exporters, own recordings)", () => {
        const problems: string[] = [];
        const exprs = [
          ...alerts.map((a) => ({ name: a.alert, expr: a.expr })),
          ...areas.flatMap((a) =>
            (a.recordings ?? []).flatMap((g) => g.rules.map((r) => ({ name: r.record, expr: r.expr }))),
          ),
        ];
        for (const { name, expr } of exprs) {
          const parsed = parsePromQL(expr);
          if (parsed.errors.length > 0) problems.push(`${name}: syntax error at offset ${parsed.errors[0]}`);
          // Watchdog and the recorded constants of config (a tier's objective) select nothing by design.
          const constant = /^vector\([0-9.e+-]+\)$/.test(expr);
          if (parsed.metrics.length === 0 && name !== "Watchdog" && !constant)
            problems.push(`${name}: selects no metric`);
          for (const m of parsed.metrics)
            if (!isKnownMetric(m, recorded)) problems.push(`${name}: unknown metric ${m}`);
        }
        assert.deepEqual(problems, []);
      });

      it("writes well-formed LogQL for the Loki ruler's alerts, with names of their own", () => {
        const logAlerts = logAlertCatalog(ctx);
        assert.ok(logAlerts.length > 0);
        const names = new Set(alerts.map((a) => a.alert));
        for (const a of logAlerts) {
          assert.deepEqual(parseLogQL(a.expr).errors, [], `${a.alert}: LogQL syntax`);
          assert.ok(!names.has(a.alert), `${a.alert} is also a Prometheus alert`);
          assert.ok(a.rationale.length > 20, `${a.alert}: say why this must be a log rule`);
        }
      });

      it("identifies the tenant in every tenant alert", () => {
        for (const a of areas.find((x) => x.area === "tenants")?.alerts ?? []) {
          for (const t of a.tests) {
            for (const e of t.expect) {
              assert.ok(e.labels.tenant, `${a.alert} / ${t.name}: no tenant label`);
              assert.match(
                e.labels.namespace ?? "",
                new RegExp(`^${ctx.tenantPrefix}`),
                `${a.alert}: namespace`,
              );
            }
          }
        }
      });

      it("passes promtool check rules and promtool test rules", async function () {
        this.timeout(300_000);
        // Each factory's part on its own: the same rules as deployed, fewer evaluated per test step.
        const dir = writeRulesAndTests(catalogParts(ctx), ctx);
        try {
          const check = checkRules(dir);
          assert.ok(check.ok, check.output);
          const test = await testRules(dir);
          assert.ok(test.ok, test.output);
          assert.match(test.output, /SUCCESS/);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }

  describe("runbooks", () => {
    const names = [
      ...new Set(
        ["prod", "staging"].flatMap((s) =>
          [
            ...alertCatalog(buildRuleContext(parseStack(s))).flatMap((a) => a.alerts),
            ...logAlertCatalog(buildRuleContext(parseStack(s))),
          ].map((x) => x.alert),
        ),
      ),
    ].sort();

    it("has a runbook page for every alert, with what it means, its impact, diagnosis and fix", () => {
      const problems: string[] = [];
      for (const alert of names) {
        const file = path.join(REPO_ROOT, runbookPath(alert));
        if (!fs.existsSync(file)) {
          problems.push(`${alert}: missing ${runbookPath(alert)}`);
          continue;
        }
        const text = fs.readFileSync(file, "utf8");
        if (!text.startsWith(`# ${alert}\n`)) problems.push(`${alert}: runbook title must be "# ${alert}"`);
        for (const section of RUNBOOK_SECTIONS) {
          const m = new RegExp(`^## ${section}\\n([\\s\\S]*?)(?=^## |$(?![\\s\\S]))`, "m").exec(text);
          if (!m || m[1].trim().length < 40)
            problems.push(`${alert}: section "## ${section}" missing or empty`);
        }
      }
      assert.deepEqual(problems, []);
    });

    it("has an index of every runbook that is up to date (npm run docs:runbooks)", () => {
      assert.equal(fs.readFileSync(RUNBOOK_INDEX, "utf8"), runbookIndex());
    });

    it("has no runbook for an alert that does not exist", () => {
      const expected = new Set(names.map((n) => `${kebabCase(n)}.md`));
      const orphans = fs
        .readdirSync(path.join(REPO_ROOT, "docs", "runbooks"))
        .filter((f) => f.endsWith(".md") && f !== "README.md" && !expected.has(f));
      assert.deepEqual(orphans, []);
    });
  });
});
