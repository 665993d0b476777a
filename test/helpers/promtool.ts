import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RuleContext } from "../../components/alerts/context";
import { promtoolTests, ruleGroups } from "../../components/alerts/rule-files";
import type { AreaRules } from "../../components/alerts/types";
import { stableYaml } from "../../components/shared/serialize";

export interface ToolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs a real tool from Debian's packages; a missing tool fails loudly with how to install it. */
export function runTool(tool: string, args: string[], pkg: string): ToolResult {
  const r = spawnSync(tool, args, { encoding: "utf8", timeout: 300_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error(`${tool} is not installed: apt-get install ${pkg} (bash .ci/run does)`);
  }
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Writes one rule file per area and a promtool test file beside them; returns the directory. */
export function writeRulesAndTests(areas: readonly AreaRules[], ctx: RuleContext, dir?: string): string {
  const out = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  fs.mkdirSync(out, { recursive: true });
  const files = areas.map((a) => {
    const file = `${a.area}.yaml`;
    fs.writeFileSync(path.join(out, file), stableYaml({ groups: ruleGroups(a, ctx) }));
    return file;
  });
  fs.writeFileSync(path.join(out, "tests.yaml"), stableYaml(promtoolTests(areas, ctx, files)));
  return out;
}

/** `promtool check rules` over every rule file of a directory written by {@link writeRulesAndTests}. */
export function checkRules(dir: string): ToolResult {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && f !== "tests.yaml")
    .map((f) => path.join(dir, f));
  return runTool("promtool", ["check", "rules", ...files], "prometheus");
}

export function testRules(dir: string): ToolResult {
  return runTool("promtool", ["test", "rules", path.join(dir, "tests.yaml")], "prometheus");
}
