/**
 * `npm run bench:rules -- [--tenants 1000] [--runs 5] [--stack prod]`: what the rendered rules cost
 * Prometheus with N tenants.
 *
 * Builds a synthetic TSDB of N tenants: every series the platform's rules and dashboards read, per
 * tenant as the exporters and applications label them (the dashboards' fixture, 2 hours at 30 s),
 * the SLO rules' own 30-second recordings (2 hours), and their 5-minute tiles (31 days, what the
 * month-to-date rule reads). Backfills it with promtool, serves it with a real Prometheus on
 * 127.0.0.1 (default query limits), and times every recording and alert expression of the stack's
 * rule groups through the query API, median of `runs`. Prints the cost of each group and its ratio to
 * the group's evaluation interval (Prometheus evaluates a group's rules one after the other, so a
 * ratio near 1 means missed evaluations), the most expensive expressions, and any that failed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { alertCatalog } from "../../components/alerts/catalog";
import { durationSeconds, ruleGroups } from "../../components/alerts/rule-files";
import { TENANT_SLI, TENANT_TILES } from "../../components/slo/sli";
import { TIERS } from "../../stacks/config";
import { buildRuleContext } from "../../stacks/rule-context";
import { parseStack } from "../helpers/config";
import {
  backfill,
  openMetricsLines,
  platformSeries,
  servePrometheus,
  writeOpenMetrics,
  type FixtureSeries,
  type FixtureTenant,
  type FixtureWindow,
} from "../helpers/tsdb-fixtures";

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A deterministic number in [0, 1) from a string, so every run builds the same TSDB. */
function unit(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/** The SLO rules' 30-second recordings of each tenant: mostly up, some failing a little. */
function* sloSamples(tenants: readonly FixtureTenant[], prefix: string): Generator<FixtureSeries> {
  for (const t of tenants) {
    const labels = { namespace: `${prefix}${t.id}`, tenant: t.id };
    const flaky = unit(t.id) < 0.05;
    yield { name: TENANT_SLI.down, labels, value: (s) => (flaky && s % 3600 < 120 ? 1 : 0) };
    yield { name: TENANT_SLI.requests, labels, value: () => 5 + 20 * unit(`${t.id}r`) };
    yield { name: TENANT_SLI.errors, labels, value: () => (flaky ? 0.2 : 0.005) };
  }
}

/** 31 days of 5-minute tiles per tenant, labelled with the month of their time, like the rules'. */
function* tileSamples(tenants: readonly FixtureTenant[], prefix: string, end: number): Generator<string> {
  const start = end - 31 * 86400;
  for (const t of tenants) {
    const tenant = `namespace="${prefix}${t.id}",tenant="${t.id}"`;
    const flaky = unit(t.id) < 0.05;
    for (let s = start; s <= end; s += 300) {
      const month = `month="${new Date(s * 1000).getUTCMonth() + 1}"`;
      yield `${TENANT_TILES.down}{${month},${tenant}} ${flaky && s % 86400 < 600 ? 1 : 0} ${s}`;
      yield `${TENANT_TILES.requests}{${month},${tenant}} ${10} ${s}`;
      yield `${TENANT_TILES.errors}{${month},${tenant}} ${flaky ? 0.2 : 0.005} ${s}`;
    }
  }
}

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stderr.write(`${what}...`);
  const result = await f();
  process.stderr.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

interface QueryAnswer {
  status: string;
  error?: string;
  data?: { result: unknown[] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenants: { type: "string", default: "1000" },
      runs: { type: "string", default: "5" },
      stack: { type: "string", default: "prod" },
    },
  });
  const n = Number(values.tenants);
  const runs = Number(values.runs);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(runs) || runs < 1) {
    throw new Error("--tenants and --runs must be positive whole numbers");
  }
  const ctx = buildRuleContext(parseStack(values.stack));
  const tenants: FixtureTenant[] = Array.from({ length: n }, (_, i) => ({
    id: `t${String(i).padStart(4, "0")}`,
    tier: TIERS[i % TIERS.length],
  }));
  // Aligned to the tiles, a few minutes back, like a Prometheus that is running.
  const end = Math.floor(Date.now() / 1000 / 300) * 300 - 300;
  const window: FixtureWindow = { end, duration: 2 * 3600, step: 30 };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rules-"));
  let prometheus: Awaited<ReturnType<typeof servePrometheus>> | undefined;
  try {
    const raw = path.join(dir, "raw.om.txt");
    const tiles = path.join(dir, "tiles.om.txt");
    const rawLines = await timed(`writing ${n} tenants' series (2 h at 30 s)`, () =>
      writeOpenMetrics(
        raw,
        openMetricsLines(
          (function* () {
            yield* platformSeries(ctx, window, tenants);
            yield* sloSamples(tenants, ctx.tenantPrefix);
          })(),
          window,
        ),
      ),
    );
    const tileLines = await timed(`writing ${n} tenants' tiles (31 days at 5 min)`, () =>
      writeOpenMetrics(tiles, tileSamples(tenants, ctx.tenantPrefix, end)),
    );
    await timed(`backfilling ${rawLines} samples`, () => backfill(raw, path.join(dir, "data"), "6h"));
    // One pass over the tiles per block: blocks of 486 hours make it two.
    await timed(`backfilling ${tileLines} tile samples`, () =>
      backfill(tiles, path.join(dir, "data"), "486h"),
    );
    fs.rmSync(raw);
    fs.rmSync(tiles);
    prometheus = await timed("starting Prometheus", () => servePrometheus(dir));

    const query = async (expr: string): Promise<{ ms: number; answer: QueryAnswer }> => {
      const started = process.hrtime.bigint();
      const res = await fetch(`${prometheus!.url}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: expr, time: String(end) }).toString(),
      });
      const answer = (await res.json()) as QueryAnswer;
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, answer };
    };

    const groups = alertCatalog(ctx).flatMap((a) => ruleGroups(a, ctx));
    const rows: { group: string; interval: number; rules: number; ms: number }[] = [];
    const costly: { name: string; ms: number; series: number }[] = [];
    const failures: string[] = [];
    await timed(
      `timing ${groups.reduce((k, g) => k + g.rules.length, 0)} expressions × ${runs}`,
      async () => {
        for (const g of groups) {
          let total = 0;
          for (const r of g.rules) {
            const name = "record" in r ? r.record : r.alert;
            const times: number[] = [];
            let series = 0;
            for (let i = 0; i < runs; i++) {
              const { ms, answer } = await query(r.expr);
              if (answer.status !== "success") {
                failures.push(`${g.name} / ${name}: ${answer.error ?? answer.status}`);
                break;
              }
              series = answer.data?.result.length ?? 0;
              times.push(ms);
            }
            const m = times.length > 0 ? median(times) : 0;
            total += m;
            costly.push({ name: `${g.name} / ${name}`, ms: m, series });
          }
          rows.push({
            group: g.name,
            interval: durationSeconds(g.interval ?? ctx.evaluationInterval),
            rules: g.rules.length,
            ms: total,
          });
        }
      },
    );

    console.log(
      `\nrule cost with ${n} tenants (stack ${values.stack}), median of ${runs}, ms per evaluation:`,
    );
    console.log(
      `${"group".padEnd(34)} ${"every".padStart(6)} ${"rules".padStart(5)} ${"ms".padStart(9)} ${"of interval".padStart(12)}`,
    );
    for (const r of rows) {
      console.log(
        `${r.group.padEnd(34)} ${`${r.interval}s`.padStart(6)} ${String(r.rules).padStart(5)} ` +
          `${r.ms.toFixed(1).padStart(9)} ${`${((r.ms / 1000 / r.interval) * 100).toFixed(2)} %`.padStart(12)}`,
      );
    }
    const perSecond = rows.reduce((k, r) => k + r.ms / r.interval, 0);
    const total = rows.reduce((k, r) => k + r.ms, 0);
    console.log(
      `total: ${total.toFixed(0)} ms for one evaluation of every group; ` +
        `${(perSecond / 10).toFixed(2)} % of one core on average (${perSecond.toFixed(1)} ms per second)`,
    );
    console.log("most expensive expressions:");
    for (const c of costly.sort((a, b) => b.ms - a.ms).slice(0, 8)) {
      console.log(`  ${c.ms.toFixed(1).padStart(8)} ms  ${c.name} (${c.series} series)`);
    }
    if (failures.length > 0) {
      console.log(`FAILED (${failures.length}):\n  ${failures.join("\n  ")}`);
      process.exitCode = 1;
    }
  } finally {
    if (prometheus) await prometheus.stop();
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
