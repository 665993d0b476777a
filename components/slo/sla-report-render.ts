/**
 * The SLA report as files: a self-contained HTML page (summary, breaches, every tenant, a day-by-day
 * availability chart as inline SVG) and a CSV with one row per tenant. No external assets: the page
 * is archived and mailed as it is.
 *
 * Imports only siblings: this runs in the cluster on a bare `node` image.
 */
import { formatMonth, type SlaReport, type TenantMonth } from "./sla-report";

/** `0.99953` → `99.953 %`; three decimals, what an SLA of 99.95 % needs to be judged by eye. */
export function percent(ratio: number | undefined, decimals = 3): string {
  return ratio === undefined ? "–" : `${(ratio * 100).toFixed(decimals)} %`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A CSV field: quoted when it holds a separator, a quote or a line break. */
function csvField(v: string | number | undefined): string {
  const s = v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Ratios as percent with 6 decimals in the CSV: exact enough to recompute anything from it. */
const csvPercent = (r: number | undefined) => (r === undefined ? "" : (r * 100).toFixed(6));

export const CSV_COLUMNS = [
  "month",
  "tenant",
  "namespace",
  "tier",
  "sla_percent",
  "slo_percent",
  "availability_percent",
  "downtime_minutes",
  "observed_minutes",
  "coverage_percent",
  "breached",
  "error_budget_remaining_percent",
  "tiers_seen",
] as const;

export function renderCsv(report: SlaReport): string {
  const rows = report.tenants.map((t) =>
    [
      formatMonth(report.month),
      t.tenant,
      t.namespace,
      t.tier ?? "",
      csvPercent(t.sla),
      csvPercent(t.slo),
      csvPercent(t.availability),
      t.downtimeMinutes.toFixed(1),
      t.observedMinutes.toFixed(0),
      csvPercent(t.coverage),
      t.breached ? "yes" : "no",
      csvPercent(t.budgetRemaining),
      t.tiersSeen.join(" "),
    ]
      .map(csvField)
      .join(","),
  );
  return [CSV_COLUMNS.join(","), ...rows].join("\n") + "\n";
}

/** The colour of a day: green at or above the SLO, amber at or above the SLA, red below, grey unseen. */
function dayColour(t: TenantMonth, value: number | null): string {
  if (value === null) return "#e5e7eb";
  if (t.slo !== undefined && value >= t.slo) return "#16a34a";
  if (t.sla === undefined || value >= t.sla) return "#f59e0b";
  return "#dc2626";
}

/** One row per tenant, one cell per day: a heat map that stays readable for a thousand tenants. */
export function dailyChartSvg(report: SlaReport): string {
  const cell = 14;
  const label = 160;
  const top = 24;
  const width = label + report.days * cell + 10;
  const height = top + report.tenants.length * cell + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Daily availability of each tenant" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
  ];
  for (let d = 0; d < report.days; d++) {
    if (d === 0 || (d + 1) % 5 === 0) {
      parts.push(
        `<text x="${label + d * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${d + 1}</text>`,
      );
    }
  }
  report.tenants.forEach((t, row) => {
    const y = top + row * cell;
    parts.push(`<text x="${label - 6}" y="${y + cell - 3}" text-anchor="end">${escapeHtml(t.tenant)}</text>`);
    t.daily.forEach((v, d) => {
      const day = `${formatMonth(report.month)}-${String(d + 1).padStart(2, "0")}`;
      const title = `${t.tenant} ${day}: ${v === null ? "no data" : percent(v)}`;
      parts.push(
        `<rect x="${label + d * cell}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${dayColour(t, v)}"><title>${escapeHtml(title)}</title></rect>`,
      );
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function tenantRow(t: TenantMonth): string {
  const cells = [
    escapeHtml(t.tenant),
    escapeHtml(t.tier ?? "unknown") +
      (t.tiersSeen.length > 0 ? ` <small>(was ${escapeHtml(t.tiersSeen.join(", "))})</small>` : ""),
    percent(t.sla, 2),
    percent(t.availability),
    t.breached ? "<strong>breached</strong>" : "met",
    t.downtimeMinutes.toFixed(1),
    percent(t.budgetRemaining, 1),
    percent(t.coverage, 1),
  ];
  return `<tr class="${t.breached ? "breach" : ""}">${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
}

export function renderHtml(report: SlaReport): string {
  const month = formatMonth(report.month);
  const breaches = report.tenants.filter((t) => t.breached);
  const partial = report.tenants.filter((t) => t.coverage < 0.999);
  const tiers = [...new Set(report.tenants.map((t) => t.tier ?? "unknown"))].sort();
  const byTier = tiers
    .map((tier) => {
      const in_ = report.tenants.filter((t) => (t.tier ?? "unknown") === tier);
      const broke = in_.filter((t) => t.breached).length;
      const worst = Math.min(...in_.map((t) => t.availability));
      return `<tr><td>${escapeHtml(tier)}</td><td>${in_.length}</td><td>${broke}</td><td>${percent(worst)}</td></tr>`;
    })
    .join("\n");
  const table = (rows: readonly TenantMonth[]) =>
    `<table><thead><tr><th>Tenant</th><th>Tier</th><th>SLA</th><th>Availability</th><th>Result</th>` +
    `<th>Downtime (min)</th><th>Error budget left</th><th>Observed</th></tr></thead><tbody>\n` +
    rows.map(tenantRow).join("\n") +
    "\n</tbody></table>";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SLA report ${month}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111827; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d1d5db; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child, td:nth-child(2) { text-align: left; }
tr.breach td { background: #fee2e2; }
.legend span { display: inline-block; width: 0.8rem; height: 0.8rem; margin: 0 0.3rem 0 1rem; }
small, .note { color: #6b7280; }
</style>
</head>
<body>
<h1>SLA report: ${month}</h1>
<p class="note">Calendar month ${month} (UTC). ${report.tenants.length} tenants${report.tiers.length > 0 ? ` of tiers ${escapeHtml(report.tiers.join(", "))}` : ""}, from ${escapeHtml(report.prometheus)}; generated ${report.generatedAt.toISOString()}.
Availability counts the time a tenant's cameleer3-server was down and the requests it failed with a server error (docs/slo.md).</p>
<h2>Summary</h2>
<table><thead><tr><th>Tier</th><th>Tenants</th><th>SLA breached</th><th>Lowest availability</th></tr></thead><tbody>
${byTier}
</tbody></table>
<h2>Breaches (${breaches.length})</h2>
${breaches.length === 0 ? "<p>No tenant fell below its SLA.</p>" : table(breaches)}
${partial.length === 0 ? "" : `<p class="note">${partial.length} tenants were observed for part of the month only (created, suspended or not scraped): their availability is over the time observed.</p>`}
<h2>Daily availability</h2>
<p class="legend"><span style="background:#16a34a"></span>at or above the SLO<span style="background:#f59e0b"></span>below the SLO<span style="background:#dc2626"></span>below the SLA<span style="background:#e5e7eb"></span>no data</p>
${dailyChartSvg(report)}
<h2>All tenants</h2>
${table(report.tenants)}
</body>
</html>
`;
}
