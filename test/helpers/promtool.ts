import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RuleContext } from "../../components/alerts/context";
import { promtoolTests, ruleGroups } from "../../components/alerts/rule-files";
import type { AreaRules } from "../../components/alerts/types";
import { stableYaml } from "../../components/shared/serialize";

export interface ToolResult {
  readonly ok: boolean;
  readonly stdout: string;
  /** stdout and stderr, for failure messages. */
  readonly output: string;
}

/** Runs a real tool from Debian's packages; a missing tool fails loudly with how to install it. */
export function runTool(tool: string, args: string[], pkg: string): ToolResult {
  const r = spawnSync(tool, args, { encoding: "utf8", timeout: 300_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error(`${tool} is not installed: apt-get install ${pkg} (bash .ci/run does)`);
  }
  return { ok: r.status === 0, stdout: r.stdout ?? "", output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Writes one rule file per area and promtool test files beside them; returns the directory. */
export function writeRulesAndTests(areas: readonly AreaRules[], ctx: RuleContext, dir?: string): string {
  const out = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  fs.mkdirSync(out, { recursive: true });
  const ruleFile = (a: AreaRules) => `${a.area}${a.part ? `-${a.part}` : ""}.yaml`;
  for (const a of areas)
    fs.writeFileSync(path.join(out, ruleFile(a)), stableYaml({ groups: ruleGroups(a, ctx) }));
  for (const t of promtoolTests(areas, ctx, ruleFile)) {
    const { file, ...content } = t;
    fs.writeFileSync(path.join(out, file), stableYaml(content));
  }
  return out;
}

const isTestFile = (f: string) => f.startsWith("tests-") && f.endsWith(".yaml");

/** `promtool check rules` over every rule file of a directory written by {@link writeRulesAndTests}. */
export function checkRules(dir: string): ToolResult {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && !isTestFile(f))
    .map((f) => path.join(dir, f));
  return runTool("promtool", ["check", "rules", ...files], "prometheus");
}

/** `promtool test rules` on every test file of the directory, two at a time (one per core). */
export async function testRules(dir: string, concurrency = 2): Promise<ToolResult> {
  const files = fs.readdirSync(dir).filter(isTestFile).sort();
  const results: ToolResult[] = [];
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      results.push(await runToolAsync("promtool", ["test", "rules", path.join(dir, f)], "prometheus"));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    ok: files.length > 0 && results.every((r) => r.ok),
    stdout: results.map((r) => r.stdout).join(""),
    output: results.map((r) => r.output).join(""),
  };
}

/** {@link runTool} without blocking the event loop. */
export function runToolAsync(tool: string, args: string[], pkg: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "ENOENT"
          ? new Error(`${tool} is not installed: apt-get install ${pkg} (bash .ci/run does)`)
          : e,
      ),
    );
    child.on("close", (code) => resolve({ ok: code === 0, stdout, output: stdout + stderr }));
  });
}

/**
 * `amtool config routes test`: where Alertmanager with `configFile` routes an alert with `labels`.
 * With `verify`, amtool itself fails unless exactly those receivers are reached.
 */
export function amtoolRoutes(
  configFile: string,
  labels: Record<string, string>,
  verify?: string,
): ToolResult {
  return runTool(
    "amtool",
    [
      "config",
      "routes",
      "test",
      `--config.file=${configFile}`,
      ...(verify ? [`--verify.receivers=${verify}`] : []),
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ],
    "prometheus-alertmanager",
  );
}
