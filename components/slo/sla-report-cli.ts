/**
 * `npm run sla-report -- --prometheus URL --month YYYY-MM [--tier business,high] [--out DIR]`
 *
 * Writes `sla-report-<month>.html` and `sla-report-<month>.csv` into DIR (default `sla-reports`).
 * The in-cluster CronJob runs this same file, transpiled, with `--month previous` on the 1st.
 *
 * Imports only Node's built-ins and siblings: this runs in the cluster on a bare `node` image.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { progressBar, type ProgressStream } from "./progress";
import { buildSlaReport, formatMonth, parseMonth } from "./sla-report";
import { renderCsv, renderHtml } from "./sla-report-render";

export const USAGE =
  "usage: sla-report --prometheus URL --month YYYY-MM|previous|current [--tier business,high] [--out DIR]";

export interface CliIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  readonly now?: Date;
}

class UsageError extends Error {}

function options(argv: readonly string[], now: Date) {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        prometheus: { type: "string" },
        month: { type: "string" },
        tier: { type: "string" },
        out: { type: "string", default: "sla-reports" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return undefined;
  const prometheus = values.prometheus as string | undefined;
  if (!prometheus || !/^https?:\/\/[^\s/]+/.test(prometheus)) {
    throw new UsageError(
      `--prometheus must be Prometheus's http(s) URL, e.g. http://localhost:9090; got "${prometheus ?? ""}"`,
    );
  }
  if (values.month === undefined) throw new UsageError("--month is required: YYYY-MM, previous or current");
  let month;
  try {
    month = parseMonth(values.month as string, now);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const tiers = values.tier === undefined ? [] : (values.tier as string).split(",").map((t) => t.trim());
  if (tiers.some((t) => !/^[a-z][a-z0-9-]*$/.test(t))) {
    throw new UsageError(
      `--tier takes a comma-separated list of tier names, e.g. business,high; got "${values.tier}"`,
    );
  }
  return { prometheus, month, tiers, out: values.out as string };
}

/** Runs the CLI; returns the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const now = io.now ?? new Date();
  let o;
  try {
    o = options(argv, now);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`sla-report: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (!o) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const name = formatMonth(o.month);
  let report;
  try {
    report = await buildSlaReport({
      month: o.month,
      tiers: o.tiers,
      prometheus: o.prometheus,
      now,
      onProgress: progressBar(`querying ${o.prometheus} for ${name}`, io.stderr),
    });
  } catch (e) {
    io.stderr.write(`sla-report: ${(e as Error).message}\n`);
    return 1;
  }
  if (report.tenants.length === 0) {
    io.stderr.write(
      `sla-report: no tenant${o.tiers.length > 0 ? ` of tiers ${o.tiers.join(", ")}` : ""} has SLI data for ${name} ` +
        "in Prometheus: are the SLO recording rules deployed, and is the retention long enough to hold the month?\n",
    );
    return 1;
  }
  fs.mkdirSync(o.out, { recursive: true });
  const html = path.join(o.out, `sla-report-${name}.html`);
  const csv = path.join(o.out, `sla-report-${name}.csv`);
  fs.writeFileSync(html, renderHtml(report));
  fs.writeFileSync(csv, renderCsv(report));
  const breaches = report.tenants.filter((t) => t.breached);
  io.stdout.write(
    `SLA report ${name}: ${report.tenants.length} tenants, ${breaches.length} below their SLA` +
      (breaches.length > 0 ? ` (${breaches.map((t) => t.tenant).join(", ")})` : "") +
      `\n  ${html}\n  ${csv}\n`,
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`sla-report: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
