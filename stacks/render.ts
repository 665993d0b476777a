/**
 * Offline render: `npm run render -- --stack <name> [--out DIR]`.
 *
 * Runs the real program in-process under Pulumi's mocks with the stack's config (no cloud, no
 * cluster, no Pulumi service) and writes every artefact for review. The output is byte-identical
 * across runs. `secure:` config values cannot be decrypted offline; they are replaced by
 * placeholders, and no secret (placeholder or generated) may appear in any written file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { StackConfigError } from "./config";
import { renderArtefacts, type Artefact } from "./artefacts";
import { listStacks, REPO_ROOT, runStack, type StackRun } from "./mock-runtime";

/** Marks a directory as a render output, so that re-rendering may clear it. */
const MARKER = ".platform-monitoring-render";

export interface RenderResult {
  readonly run: StackRun;
  readonly artefacts: Artefact[];
  readonly outDir: string;
  readonly millis: number;
}

function prepareOutDir(outDir: string): void {
  if (fs.existsSync(outDir)) {
    const entries = fs.readdirSync(outDir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(`refusing to overwrite ${outDir}: it is not empty and not a previous render`);
    }
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, MARKER), "Written by `npm run render`; cleared on every render.\n");
}

/** Renders `stack` into `outDir` (cleared first). */
export async function render(stack: string, outDir: string): Promise<RenderResult> {
  const started = process.hrtime.bigint();
  const run = await runStack(stack);
  const artefacts = renderArtefacts(run);
  prepareOutDir(outDir);
  for (const a of artefacts) {
    const file = path.join(outDir, ...a.path.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, a.content);
  }
  const millis = Number(process.hrtime.bigint() - started) / 1e6;
  return { run, artefacts, outDir, millis };
}

function countBy<T>(items: T[], key: (t: T) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** The summary printed after a render. */
export function summary(result: RenderResult): string {
  const lines = [
    `Rendered stack ${result.run.stack} in ${(result.millis / 1000).toFixed(2)} s into ${path.relative(process.cwd(), result.outDir) || "."}`,
    "",
    `Resources (${result.run.resources.length}):`,
    ...countBy(result.run.resources, (r) => r.type).map(([t, n]) => `  ${String(n).padStart(4)}  ${t}`),
    "",
    `Files (${result.artefacts.length}):`,
    ...countBy(result.artefacts, (a) =>
      a.path.includes("/") ? `${path.posix.dirname(a.path)}/` : a.path,
    ).map(([d, n]) => `  ${String(n).padStart(4)}  ${d}`),
  ];
  return `${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const stacks = listStacks();
  const { values } = parseArgs({
    args: argv,
    options: { stack: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  const usage = `usage: npm run render -- --stack <${stacks.join("|")}> [--out DIR]`;
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (!values.stack || !stacks.includes(values.stack)) {
    process.stderr.write(`${values.stack ? `unknown stack "${values.stack}"\n` : ""}${usage}\n`);
    return 2;
  }
  const outDir = path.resolve(values.out ?? path.join(REPO_ROOT, "render", values.stack));
  const result = await render(values.stack, outDir);
  process.stdout.write(summary(result));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const message =
        err instanceof StackConfigError || !(err instanceof Error) ? String(err) : (err.stack ?? err.message);
      process.stderr.write(`render failed: ${err instanceof StackConfigError ? err.message : message}\n`);
      process.exit(1);
    },
  );
}
