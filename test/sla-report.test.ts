/**
 * The monthly SLA report against a real Prometheus: a month of the SLO rules' 5-minute tiles with
 * known downtime and failures, backfilled with promtool, queried by the report in-process and by the
 * very JavaScript the CronJob ships, run with plain `node`. Every figure is compared with one worked
 * out by hand below, to 0.001 %.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { OBJECTIVES, TENANT_TILES } from "../components/slo/sli";
import { progressBar } from "../components/slo/progress";
import { main as cli } from "../components/slo/sla-report-cli";
import {
  buildSlaReport,
  monthBounds,
  parseMonth,
  type SlaReport,
  type TenantMonth,
} from "../components/slo/sla-report";
import { CSV_COLUMNS, renderCsv, renderHtml } from "../components/slo/sla-report-render";
import { slaReportScripts } from "../components/slo/sla-report-job";
import { startBackfilledPrometheus, type FixturePrometheus } from "./helpers/tsdb-fixtures";

const OCTOBER = { year: 2026, month: 10 };
const { start: OCT_1, end: NOV_1 } = monthBounds(OCTOBER);
const TILE = 300;
/** October 2026 has 31 days of 288 tiles. */
const TILES = 31 * 288;
const DAY = 86400;
const at = (day: number, hour: number, minute = 0) => OCT_1 + (day - 1) * DAY + hour * 3600 + minute * 60;

/** The objectives the rules would record for each tier (the prod stack's). */
const TIER = {
  standard: { slo: 0.995, sla: 0.99 },
  business: { slo: 0.999, sla: 0.995 },
  high: { slo: 0.9995, sla: 0.999 },
} as const;
type TierName = keyof typeof TIER;

interface TileValues {
  readonly down: number;
  readonly requests: number;
  readonly errors: number;
}

/** A tenant of the fixture: its tier at each moment, and its tile at each moment (or none). */
interface FixtureTenant {
  readonly id: string;
  readonly tier: (t: number) => TierName;
  readonly tile: (t: number) => TileValues | undefined;
}

const healthy: TileValues = { down: 0, requests: 10, errors: 0 };
/** Down for the whole tile: serves nothing, so the SLI counts its traffic floor (1 request a second). */
const down: TileValues = { down: 1, requests: 1, errors: 0 };
/** Tiles cover the 5 minutes up to their time: a tile "in" (from, to] belongs to that interval. */
const within = (t: number, from: number, to: number) => t > from && t <= to;

const TENANTS: FixtureTenant[] = [
  {
    // Down 90 minutes on October 3 from 10:00, then 2 minutes (a tile 40 % down); 1 % of requests
    // failing all day on October 10. Down all of September 30 and after midnight on November 1: no
    // part of that may leak into October.
    id: "acme",
    tier: () => "business",
    tile: (t) => {
      if (t <= OCT_1 || t > NOV_1) return down;
      if (within(t, at(3, 10), at(3, 11, 30))) return down;
      if (t === at(3, 11, 35)) return { ...healthy, down: 0.4 };
      if (within(t, at(10, 0), at(11, 0))) return { ...healthy, errors: 0.1 };
      return healthy;
    },
  },
  {
    // Down 3 hours on October 20 from 00:00: below the high tier's 99.9 %.
    id: "initech",
    tier: () => "high",
    tile: (t) => (within(t, at(20, 0), at(20, 3)) ? down : healthy),
  },
  {
    // Standard until October 15, business since: judged against business. 0.05 % of requests fail.
    id: "globex",
    tier: (t) => (t <= at(16, 0) ? "standard" : "business"),
    tile: () => ({ ...healthy, errors: 0.005 }),
  },
  {
    // Created on October 15: observed for 17 of the month's 31 days, never down.
    id: "hooli",
    tier: () => "standard",
    tile: (t) => (t > at(15, 0) ? healthy : undefined),
  },
];

/** The tiles and objectives of every tenant from September 30 to November 1, 01:00, as OpenMetrics. */
function fixture(): string {
  const lines = new Map<string, string[]>();
  const sample = (name: string, labels: Record<string, string>, value: number, t: number) => {
    const key = `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(",")}}`;
    if (!lines.has(key)) lines.set(key, []);
    lines.get(key)!.push(`${key} ${value} ${t}`);
  };
  for (let t = OCT_1 - DAY + TILE; t <= NOV_1 + 3600; t += TILE) {
    const month = String(new Date(t * 1000).getUTCMonth() + 1);
    for (const tenant of TENANTS) {
      const tile = tenant.tile(t);
      if (!tile) continue;
      const labels = { namespace: `tenant-${tenant.id}`, tenant: tenant.id };
      sample(TENANT_TILES.down, { ...labels, month }, tile.down, t);
      sample(TENANT_TILES.requests, { ...labels, month }, tile.requests, t);
      sample(TENANT_TILES.errors, { ...labels, month }, tile.errors, t);
      const tier = tenant.tier(t);
      sample(OBJECTIVES.tenantSlo, { ...labels, tier }, TIER[tier].slo, t);
      sample(OBJECTIVES.tenantSla, { ...labels, tier }, TIER[tier].sla, t);
    }
  }
  return [...[...lines.values()].flat(), "# EOF", ""].join("\n");
}

/** The month's figures, worked out by hand from the fixture above. */
const EXPECTED = {
  acme: {
    // Down: 18 whole tiles and 0.4 of one, of 8,928. Failed: 288 tiles at 0.1/s of 10/s, over all
    // requests: 8,910 tiles at 10/s and 18 (down) at the floor of 1/s.
    availability: (1 - 18.4 / TILES) * (1 - (288 * 0.1) / (8910 * 10 + 18 * 1)),
    downtimeMinutes: 18.4 * 5,
    tier: "business",
    breached: false,
    coverage: 1,
    days: { 3: 1 - 18.4 / 288, 10: 1 - 0.01, 11: 1 },
  },
  initech: {
    availability: 1 - 36 / TILES,
    downtimeMinutes: 180,
    tier: "high",
    breached: true,
    coverage: 1,
    days: { 19: 1, 20: 1 - 36 / 288 },
  },
  globex: {
    availability: 1 - 0.005 / 10,
    downtimeMinutes: 0,
    tier: "business",
    breached: false,
    coverage: 1,
    days: { 1: 1 - 0.0005 },
  },
  hooli: {
    availability: 1,
    downtimeMinutes: 0,
    tier: "standard",
    breached: false,
    coverage: (17 * 288) / TILES,
    days: { 14: null, 15: 1 },
  },
} as const;

/** 0.001 % of availability. */
const TOLERANCE = 1e-5;

function tenant(report: SlaReport, id: string): TenantMonth {
  const t = report.tenants.find((x) => x.tenant === id);
  assert.ok(t, `${id} missing from the report`);
  return t;
}

describe("monthly SLA report against a real Prometheus", function () {
  this.timeout(120_000);
  let prometheus: FixturePrometheus | undefined;
  let report: SlaReport;
  const progress: string[] = [];
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "sla-report-"));

  before(async function () {
    this.timeout(120_000);
    prometheus = await startBackfilledPrometheus(fixture());
    report = await buildSlaReport({
      month: OCTOBER,
      prometheus: prometheus.url,
      now: new Date("2026-11-01T00:30:00Z"),
      onProgress: progressBar("test", { isTTY: false, write: (s: string) => progress.push(s) }),
    });
  });

  after(async () => {
    await prometheus?.stop();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("reports every tenant with SLI data in the month, breaches first", () => {
    assert.deepEqual(
      report.tenants.map((t) => t.tenant),
      ["initech", "acme", "globex", "hooli"],
    );
    assert.equal(report.days, 31);
  });

  for (const [id, e] of Object.entries(EXPECTED)) {
    it(`${id}: availability, downtime, tier, breach and coverage equal the hand-computed figures`, () => {
      const t = tenant(report, id);
      assert.ok(
        Math.abs(t.availability - e.availability) < TOLERANCE,
        `availability ${t.availability}, expected ${e.availability}`,
      );
      assert.ok(Math.abs(t.downtimeMinutes - e.downtimeMinutes) < 1e-6, `downtime ${t.downtimeMinutes}`);
      assert.equal(t.tier, e.tier);
      assert.equal(t.sla, TIER[e.tier].sla);
      assert.equal(t.slo, TIER[e.tier].slo);
      assert.equal(t.breached, e.breached);
      assert.ok(Math.abs(t.coverage - e.coverage) < 1e-9, `coverage ${t.coverage}, expected ${e.coverage}`);
      for (const [day, value] of Object.entries(e.days)) {
        const got = t.daily[Number(day) - 1];
        if (value === null) assert.equal(got, null, `day ${day}`);
        else
          assert.ok(
            got !== null && Math.abs(got - value) < TOLERANCE,
            `day ${day}: ${got}, expected ${value}`,
          );
      }
    });
  }

  it("names the tiers of a tenant whose tier changed, and holds it to the strictest SLA", () => {
    assert.deepEqual(tenant(report, "globex").tiersSeen, ["business", "standard"]);
    assert.deepEqual(tenant(report, "acme").tiersSeen, []);
  });

  it("computes the month's error budget left from the SLO", () => {
    const acme = tenant(report, "acme");
    assert.ok(Math.abs(acme.budgetRemaining! - (1 - (1 - EXPECTED.acme.availability) / 0.001)) < 1e-6);
    assert.ok(tenant(report, "initech").budgetRemaining! < 0, "initech spent more than its budget");
  });

  it("reports progress while it queries: five month queries and one per day", () => {
    assert.match(progress[0], /^test: 1\/36 \(3 %\)\n$/);
    assert.equal(progress[progress.length - 1], "test: 36/36 (100 %)\n");
    assert.ok(progress.length <= 12, "one line per tenth at most, off a terminal");
  });

  it("keeps only the tiers asked for", async () => {
    const some = await buildSlaReport({
      month: OCTOBER,
      prometheus: prometheus!.url,
      tiers: ["business", "high"],
    });
    assert.deepEqual(some.tenants.map((t) => t.tenant).sort(), ["acme", "globex", "initech"]);
  });

  it("writes a CSV with one row per tenant and the same figures", () => {
    const [header, ...rows] = renderCsv(report).trimEnd().split("\n");
    assert.equal(header, CSV_COLUMNS.join(","));
    const initech = rows.map((r) => r.split(",")).find((r) => r[1] === "initech")!;
    const col = (name: (typeof CSV_COLUMNS)[number]) => initech[CSV_COLUMNS.indexOf(name)];
    assert.equal(col("month"), "2026-10");
    assert.equal(col("tier"), "high");
    assert.equal(col("sla_percent"), "99.900000");
    assert.ok(Math.abs(Number(col("availability_percent")) - EXPECTED.initech.availability * 100) < 0.001);
    assert.equal(col("downtime_minutes"), "180.0");
    assert.equal(col("breached"), "yes");
  });

  it("writes an HTML page with the breaches, every tenant and a day-by-day chart", () => {
    const html = renderHtml(report);
    assert.match(html, /<title>SLA report 2026-10<\/title>/);
    assert.match(html, /<h2>Breaches \(1\)<\/h2>/);
    assert.match(
      html,
      /<td>initech<\/td><td>high<\/td><td>99\.90 %<\/td><td>99\.597 %<\/td><td><strong>breached/,
    );
    assert.match(html, /globex<\/td><td>business <small>\(was business, standard\)<\/small>/);
    // One cell per tenant and day; initech's October 20 is below its SLA (red), acme's 3rd too.
    assert.equal((html.match(/<rect /g) ?? []).length, 4 * 31);
    assert.match(html, /fill="#dc2626"><title>initech 2026-10-20: 87\.500 %<\/title>/);
    assert.match(html, /fill="#e5e7eb"><title>hooli 2026-10-14: no data<\/title>/);
  });

  it("runs as the CronJob runs it: the shipped JavaScript, on plain node, for the previous month", async () => {
    const code = fs.mkdtempSync(path.join(os.tmpdir(), "sla-report-code-"));
    try {
      for (const [file, js] of Object.entries(slaReportScripts()))
        fs.writeFileSync(path.join(code, file), js);
      // `previous` is computed from the clock; the fixture is October 2026, so ask for it by name
      // here and check `previous` through the CLI in-process below.
      const { stdout, stderr } = await promisify(execFile)(
        "node",
        [
          path.join(code, "sla-report-cli.js"),
          "--prometheus",
          prometheus!.url,
          "--month",
          "2026-10",
          "--out",
          out,
        ],
        { cwd: code, env: { PATH: process.env.PATH ?? "" } },
      );
      assert.match(stdout, /^SLA report 2026-10: 4 tenants, 1 below their SLA \(initech\)\n/);
      assert.match(stderr, /querying .* for 2026-10: 36\/36 \(100 %\)/);
      const csv = fs.readFileSync(path.join(out, "sla-report-2026-10.csv"), "utf8");
      assert.equal(csv, renderCsv(report));
      assert.match(
        fs.readFileSync(path.join(out, "sla-report-2026-10.html"), "utf8"),
        /<h2>Breaches \(1\)<\/h2>/,
      );
    } finally {
      fs.rmSync(code, { recursive: true, force: true });
    }
  });

  it("reports the previous month when the CronJob asks on the 1st", async () => {
    const stdout: string[] = [];
    const code = await cli(["--prometheus", prometheus!.url, "--month", "previous", "--out", out], {
      stdout: { write: (s: string) => stdout.push(s) },
      stderr: { write: () => true },
      now: new Date("2026-11-01T00:30:00Z"),
    });
    assert.equal(code, 0);
    assert.match(stdout.join(""), /^SLA report 2026-10: 4 tenants/);
  });

  describe("bad input", () => {
    const cases: { name: string; args: string[]; message: RegExp; code: number }[] = [
      { name: "no Prometheus", args: ["--month", "2026-10"], message: /--prometheus must be/, code: 2 },
      {
        name: "a month in words",
        args: ["--prometheus", "http://127.0.0.1:9", "--month", "October"],
        message: /--month must be YYYY-MM \(e\.g\. 2026-10\), "previous" or "current"; got "October"/,
        code: 2,
      },
      {
        name: "month 13",
        args: ["--prometheus", "http://127.0.0.1:9", "--month", "2026-13"],
        message: /--month must be YYYY-MM/,
        code: 2,
      },
      {
        name: "an unknown flag",
        args: ["--prometheus", "http://127.0.0.1:9", "--month", "2026-10", "--teir", "high"],
        message: /Unknown option '--teir'/,
        code: 2,
      },
      {
        name: "Prometheus unreachable",
        args: ["--prometheus", "http://127.0.0.1:9", "--month", "2026-10", "--out", "/nonexistent"],
        message: /cannot reach Prometheus at http:\/\/127\.0\.0\.1:9/,
        code: 1,
      },
    ];
    for (const c of cases) {
      it(`fails clearly on ${c.name}`, async () => {
        const stderr: string[] = [];
        const code = await cli(c.args, {
          stdout: { write: () => true },
          stderr: { write: (s: string) => stderr.push(s) },
        });
        assert.equal(code, c.code);
        assert.match(stderr.join(""), c.message);
      });
    }

    it("fails clearly when the month has no data", async () => {
      const stderr: string[] = [];
      const code = await cli(["--prometheus", prometheus!.url, "--month", "2025-01", "--out", out], {
        stdout: { write: () => true },
        stderr: { write: (s: string) => stderr.push(s) },
      });
      assert.equal(code, 1);
      assert.match(stderr.join(""), /no tenant has SLI data for 2025-01 in Prometheus/);
    });

    it("refuses to ship a report module that imports a package the job's bare image lacks", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sla-report-modules-"));
      try {
        fs.writeFileSync(
          path.join(dir, "a.ts"),
          'import * as fs from "node:fs";\nimport { b } from "./b";\n',
        );
        fs.writeFileSync(path.join(dir, "b.ts"), 'import { z } from "zod";\nexport const b = z;\n');
        assert.throws(
          () => slaReportScripts(dir, ["a", "b"]),
          /b\.ts imports "zod": the SLA report may import/,
        );
        // A sibling that is not shipped is missing too.
        assert.throws(() => slaReportScripts(dir, ["a"]), /a\.ts imports "\.\/b"/);
        fs.writeFileSync(
          path.join(dir, "b.ts"),
          'import * as path from "node:path";\nexport const b = path.sep;\n',
        );
        assert.deepEqual(Object.keys(slaReportScripts(dir, ["a", "b"])), ["a.js", "b.js"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("parses previous across a new year", () => {
      assert.deepEqual(parseMonth("previous", new Date("2027-01-01T00:30:00Z")), { year: 2026, month: 12 });
    });
  });
});
