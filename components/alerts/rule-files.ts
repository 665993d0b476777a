/**
 * Pure functions from the catalog to what Prometheus and promtool read: rule groups (the
 * PrometheusRule spec and the rendered rule files) and promtool unit-test files.
 */
import { durationSeconds } from "../shared/duration";
import { alertDashboardUrl, regexEscape, runbookUrl, type RuleContext } from "./context";
import type { AlertDefinition, AreaRules, Duration, ExpectedAlert, LogAlertDefinition } from "./types";

/** A rule as it appears in a Prometheus rule file. */
export interface PrometheusAlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
export interface PrometheusRecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
}
export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: (PrometheusAlertingRule | PrometheusRecordingRule)[];
}

/** Labels every alert of a definition carries, besides those its expression produces. */
export function alertLabels(
  def: Pick<AlertDefinition, "severity" | "area" | "labels">,
): Record<string, string> {
  return { ...def.labels, severity: def.severity, area: def.area };
}

export function alertAnnotations(
  def: Pick<AlertDefinition, "alert" | "summary" | "description" | "dashboard">,
  ctx: RuleContext,
): Record<string, string> {
  return {
    summary: def.summary,
    description: def.description,
    runbook_url: runbookUrl(ctx, def.alert),
    dashboard_url: alertDashboardUrl(ctx, def.dashboard),
  };
}

export function alertingRule(
  def: AlertDefinition | LogAlertDefinition,
  ctx: RuleContext,
): PrometheusAlertingRule {
  return {
    alert: def.alert,
    expr: def.expr,
    for: def.for,
    labels: alertLabels(def),
    annotations: alertAnnotations(def, ctx),
  };
}

/**
 * The groups of one area: recording groups first (alerts may read them), then the paging alerts
 * (`critical`, evaluated every `pagingEvaluationInterval`), then the others.
 */
export function ruleGroups(area: AreaRules, ctx: RuleContext): RuleGroup[] {
  const recordings: RuleGroup[] = (area.recordings ?? []).map((g) => ({
    name: `${area.area}.${g.group}`,
    ...(g.interval ? { interval: g.interval } : {}),
    rules: g.rules.map((r) => ({
      record: r.record,
      expr: r.expr,
      ...(r.labels ? { labels: { ...r.labels } } : {}),
    })),
  }));
  const paging = area.alerts.filter((a) => a.severity === "critical");
  const other = area.alerts.filter((a) => a.severity !== "critical");
  const alerts: RuleGroup[] = [
    ...(paging.length > 0
      ? [
          {
            name: `${area.area}.paging`,
            interval: ctx.pagingEvaluationInterval,
            rules: paging.map((a) => alertingRule(a, ctx)),
          },
        ]
      : []),
    ...(other.length > 0
      ? [{ name: `${area.area}.alerts`, rules: other.map((a) => alertingRule(a, ctx)) }]
      : []),
  ];
  return [...recordings, ...alerts];
}

export { durationSeconds };

/** The shortest `for` an alert may have: nothing pages on a 2-minute blip or one failed scrape. */
export const MIN_FOR_SECONDS = 180;
/** Alerts that fire by design at once (the dead-man's switch). */
export const ALWAYS_FIRING = new Set(["Watchdog"]);

/**
 * Problems of a catalog, each a sentence naming the alert: duplicate names, a `for` shorter than
 * {@link MIN_FOR_SECONDS}, a missing firing or non-firing test, labels that shadow fields.
 */
export function catalogProblems(areas: readonly AreaRules[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const records = new Set<string>();
  for (const area of areas) {
    for (const g of area.recordings ?? []) {
      for (const r of g.rules) {
        if (!/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/.test(r.record)) {
          problems.push(`recording rule ${r.record}: name must be level:metric:operations`);
        }
        records.add(r.record);
      }
    }
    for (const a of area.alerts) {
      const where = `${a.alert} (${area.area})`;
      if (a.area !== area.area) problems.push(`${where}: declares area ${a.area}`);
      if (!/^[A-Z][A-Za-z0-9]+$/.test(a.alert)) problems.push(`${where}: name must be PascalCase`);
      const other = seen.get(a.alert);
      if (other) problems.push(`${where}: name also used in ${other}`);
      seen.set(a.alert, area.area);
      if (!ALWAYS_FIRING.has(a.alert) && durationSeconds(a.for) < MIN_FOR_SECONDS) {
        problems.push(`${where}: for ${a.for} is shorter than ${MIN_FOR_SECONDS}s`);
      }
      for (const reserved of ["severity", "area", "alertname"]) {
        if (a.labels && reserved in a.labels)
          problems.push(`${where}: label ${reserved} is set by the catalog`);
      }
      if (!a.tests.some((t) => t.expect.length > 0)) problems.push(`${where}: no firing test case`);
      if (!ALWAYS_FIRING.has(a.alert) && !a.tests.some((t) => t.expect.length === 0)) {
        problems.push(`${where}: no non-firing test case`);
      }
      if (a.summary.trim() === "" || a.description.trim() === "")
        problems.push(`${where}: empty summary/description`);
    }
  }
  return problems;
}

/** Expands `{{ $labels.x }}` in a link template with a test's expected labels. */
function expandLabels(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    const v = labels[name];
    if (v === undefined)
      throw new Error(`link template uses $labels.${name}, absent from the expected labels`);
    return v;
  });
}

function expectedAlert(def: AlertDefinition, ctx: RuleContext, exp: ExpectedAlert) {
  const labels = { ...exp.labels, ...alertLabels(def) };
  const annotations = alertAnnotations(def, ctx);
  return {
    exp_labels: labels,
    exp_annotations: {
      summary: exp.summary,
      description: exp.description,
      runbook_url: annotations.runbook_url,
      dashboard_url: expandLabels(annotations.dashboard_url, labels),
    },
  };
}

/**
 * The other areas whose recording rules an area's rules or tests read. A test file loads only those:
 * promtool evaluates every loaded rule at every step, so unrelated recordings only slow it down.
 */
export function areasRecordedFor(area: AreaRules, areas: readonly AreaRules[]): AreaRules[] {
  const texts = [
    ...area.alerts.map((a) => a.expr),
    ...(area.recordings ?? []).flatMap((g) => g.rules.map((r) => r.expr)),
    ...(area.recordingTests ?? []).map((t) => t.expr),
  ];
  const reads = (record: string) => {
    const name = new RegExp(`(^|[^a-zA-Z0-9_:])${regexEscape(record)}($|[^a-zA-Z0-9_:])`);
    return texts.some((t) => name.test(t));
  };
  return areas.filter(
    (other) => other !== area && (other.recordings ?? []).some((g) => g.rules.some((r) => reads(r.record))),
  );
}

/** A promtool test file (`promtool test rules`). */
export interface PromtoolTestFile {
  /** File name, e.g. `tests-billing.yaml`. */
  readonly file: string;
  readonly rule_files: string[];
  readonly evaluation_interval: string;
  readonly group_eval_order: string[];
  readonly tests: unknown[];
}

/**
 * promtool test files for the catalog: one per area and evaluation interval, each loading only its
 * area's rules (plus the areas that define recording rules). promtool evaluates every loaded rule at
 * every step of every test, so small files keep the suite fast.
 */
export function promtoolTests(
  areas: readonly AreaRules[],
  ctx: RuleContext,
  ruleFile: (area: AreaRules) => string,
): PromtoolTestFile[] {
  const files: PromtoolTestFile[] = [];
  for (const area of areas) {
    const byInterval = new Map<string, unknown[]>();
    const add = (interval: string, test: unknown) =>
      byInterval.set(interval, [...(byInterval.get(interval) ?? []), test]);
    for (const def of area.alerts) {
      for (const t of def.tests) {
        const groupInterval =
          def.severity === "critical" ? ctx.pagingEvaluationInterval : ctx.evaluationInterval;
        add(t.evaluationInterval ?? groupInterval, {
          name: `${def.alert}: ${t.name}`,
          interval: t.interval ?? ("1m" satisfies Duration),
          input_series: t.series.map((s) => ({ series: s.series, values: s.values })),
          alert_rule_test: [
            {
              eval_time: t.evalTime,
              alertname: def.alert,
              exp_alerts: t.expect.map((e) => expectedAlert(def, ctx, e)),
            },
          ],
        });
      }
    }
    for (const t of area.recordingTests ?? []) {
      add(t.evaluationInterval ?? ctx.evaluationInterval, {
        name: `${area.area} recording: ${t.name}`,
        interval: t.interval ?? "1m",
        input_series: t.series.map((s) => ({ series: s.series, values: s.values })),
        promql_expr_test: [
          {
            expr: t.expr,
            eval_time: t.evalTime,
            exp_samples: t.expect.map((e) => ({ labels: e.labels, value: e.value })),
          },
        ],
      });
    }
    const loaded = [...areasRecordedFor(area, areas), area];
    const ruleFiles = [ruleFile(area), ...areasRecordedFor(area, areas).map(ruleFile)];
    // promtool would evaluate groups by name; in their files' order, recordings come before the
    // rules that read them at the same step, as they would within one Prometheus evaluation.
    const groupOrder = loaded.flatMap((a) => ruleGroups(a, ctx).map((g) => g.name));
    for (const [interval, tests] of [...byInterval.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const suffix = interval === ctx.evaluationInterval ? "" : `-every-${interval}`;
      files.push({
        file: `tests-${area.area}${area.part ? `-${area.part}` : ""}${suffix}.yaml`,
        rule_files: ruleFiles,
        evaluation_interval: interval,
        group_eval_order: groupOrder,
        tests,
      });
    }
  }
  return files;
}

/**
 * Go's `humanizePercentage`, for writing expected descriptions: `0.8512` → `85.12%`. Go prints
 * `%.4g` of the percentage, which JavaScript's `toPrecision(4)` matches once trailing zeros go.
 */
export function humanizePercentage(ratio: number): string {
  return `${goFormatG4(ratio * 100)}%`;
}

/** Go's `humanizeDuration` for whole seconds ≥ 1: `90061` → `1d 1h 1m 1s`. */
export function humanizeDuration(seconds: number): string {
  if (seconds < 1) throw new Error("humanizeDuration helper covers whole seconds only");
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d ${h}h ${m}m ${goFormatG4(s)}s`;
  if (h > 0) return `${h}h ${m}m ${goFormatG4(s)}s`;
  if (m > 0) return `${m}m ${goFormatG4(s)}s`;
  return `${goFormatG4(s)}s`;
}

/** Go's `%.4g` for numbers that print without an exponent. */
export function goFormatG4(v: number): string {
  const s = v.toPrecision(4);
  if (s.includes("e")) throw new Error(`goFormatG4 helper does not format ${v}`);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}
