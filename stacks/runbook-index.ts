/**
 * `npm run docs:runbooks`: writes docs/runbooks/README.md, the index of every alert's runbook, from
 * the catalog (prod's context). A test fails when the committed index is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { alertCatalog, logAlertCatalog } from "../components/alerts/catalog";
import { kebabCase } from "../components/alerts/context";
import { parseStackFile, REPO_ROOT } from "./mock-runtime";
import { buildRuleContext } from "./rule-context";

export const RUNBOOK_INDEX = path.join(REPO_ROOT, "docs", "runbooks", "README.md");

/** The index text: one table per area, alerts sorted by severity then name. */
export function runbookIndex(stack = "prod"): string {
  const ctx = buildRuleContext(parseStackFile(stack));
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  const lines = [
    "# Runbooks",
    "",
    "One page per alert: what it means, its impact, how to diagnose it and how to fix it. Alerts link",
    "here through their `runbook_url` annotation. This index is generated from the alert catalog",
    "(`npm run docs:runbooks`); a test fails when it is stale.",
    "",
    "`critical` pages (PagerDuty in prod), `warning` goes to the area's Slack channel, `info` never notifies.",
  ];
  const logs = logAlertCatalog(ctx);
  for (const area of alertCatalog(ctx)) {
    const alerts = [...area.alerts, ...logs.filter((l) => l.area === area.area)].sort(
      (a, b) => rank[a.severity] - rank[b.severity] || a.alert.localeCompare(b.alert),
    );
    lines.push(
      "",
      `## ${area.area}`,
      "",
      "| alert | severity | for | summary |",
      "| --- | --- | --- | --- |",
    );
    for (const a of alerts) {
      const summary = a.summary.replace(/\|/g, "\\|");
      lines.push(`| [${a.alert}](${kebabCase(a.alert)}.md) | ${a.severity} | ${a.for} | ${summary} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

if (require.main === module) {
  fs.writeFileSync(RUNBOOK_INDEX, runbookIndex());
  process.stdout.write(`wrote ${path.relative(process.cwd(), RUNBOOK_INDEX)}\n`);
}
