/**
 * Developer aid: `npx ts-node --transpile-only test/tools/check-alerts.ts [area...]` runs the
 * catalog checks and promtool on the named areas or parts (`tenants`, `tenants-slo`; all by default)
 * for both stacks, printing
 * promtool's report. The mocha suites run the same checks in `npm test`.
 */
import { alertCatalog, catalogParts } from "../../components/alerts/catalog";
import { catalogProblems } from "../../components/alerts/rule-files";
import { isKnownMetric } from "../../components/shared/metric-names";
import { parsePromQL } from "../../components/shared/query-parsing";
import { buildRuleContext } from "../../stacks/rule-context";
import { parseStack } from "../helpers/config";
import { checkRules, testRules, writeRulesAndTests } from "../helpers/promtool";

async function main(): Promise<boolean> {
  const wanted = process.argv.slice(2);
  let failed = false;
  for (const stack of ["prod", "staging"]) {
    const ctx = buildRuleContext(parseStack(stack));
    const named = (a: { area: string; part?: string }) =>
      wanted.length === 0 || wanted.includes(a.area) || wanted.includes(`${a.area}-${a.part}`);
    const areas = alertCatalog(ctx).filter(named);
    const recorded = new Set(
      areas.flatMap((a) => (a.recordings ?? []).flatMap((g) => g.rules.map((r) => r.record))),
    );
    const problems = catalogProblems(areas);
    for (const a of areas.flatMap((x) => x.alerts)) {
      const parsed = parsePromQL(a.expr);
      if (parsed.errors.length > 0)
        problems.push(`${a.alert}: PromQL syntax error at ${parsed.errors.join(", ")}`);
      for (const m of parsed.metrics.filter((n) => !isKnownMetric(n, recorded))) {
        problems.push(`${a.alert}: unknown metric ${m}`);
      }
    }
    const dir = writeRulesAndTests(catalogParts(ctx).filter(named), ctx);
    const check = checkRules(dir);
    const test = await testRules(dir);
    console.log(`== ${stack}: ${areas.map((a) => a.area).join(", ")} (${dir})`);
    for (const p of problems) console.log(`problem: ${p}`);
    if (!check.ok) console.log(check.output);
    console.log(test.output);
    failed = failed || problems.length > 0 || !check.ok || !test.ok;
  }
  return failed;
}

main().then(
  (failed) => process.exit(failed ? 1 : 0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
