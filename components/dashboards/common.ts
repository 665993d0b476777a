/**
 * Shared panel defaults of every dashboard, in one module (foundation-sdk's `common.ts` pattern): the
 * data sources, the panel kinds with their units and thresholds, runbook links, the `tenant` variable
 * and the layout. A dashboard file only says what it shows; how a panel looks is decided here.
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { runbookUrl, type RuleContext } from "../alerts/context";
import { DASHBOARDS, type DashboardKey } from "./registry";

/**
 * Fixed data source UIDs: the data source resources are created with them and every panel refers to
 * them, so a dashboard never depends on which data source happens to be the default.
 */
export const PROMETHEUS_DATASOURCE_UID = "cameleer-prometheus";
export const LOKI_DATASOURCE_UID = "cameleer-loki";

export const PROMETHEUS: common.DataSourceRef = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
export const LOKI: common.DataSourceRef = { type: "loki", uid: LOKI_DATASOURCE_UID };

/** Tag on every dashboard of this program; the dashboards' link menu lists them by it. */
export const DASHBOARD_TAG = "cameleer";

/** Grafana unit ids used by the panels. */
export const UNITS = {
  seconds: "s",
  bytes: "bytes",
  /** A ratio 0..1 shown as a percentage. */
  ratio: "percentunit",
  requestsPerSecond: "reqps",
  perSecond: "ops",
  count: "short",
  /** Bytes per second. */
  bytesPerSecond: "Bps",
  /** CPU cores. */
  cores: "short",
} as const;

export type Color = "green" | "yellow" | "orange" | "red" | "blue" | "text";

/** Colour steps of a panel: `base` below the first step, then each step's colour from its value. */
export interface ThresholdSteps {
  readonly base: Color;
  readonly steps: readonly { readonly value: number; readonly color: Color }[];
}

/** Higher is worse: green, orange from `warning`, red from `critical` (when given). */
export function upperThresholds(warning: number, critical?: number): ThresholdSteps {
  return {
    base: "green",
    steps: [
      { value: warning, color: critical === undefined ? "red" : "orange" },
      ...(critical === undefined ? [] : [{ value: critical, color: "red" as const }]),
    ],
  };
}

/** Lower is worse (time left, members, replicas): red below `critical`, orange below `warning`. */
export function lowerThresholds(critical: number, warning?: number): ThresholdSteps {
  return {
    base: "red",
    steps: [
      ...(warning === undefined ? [] : [{ value: critical, color: "orange" as const }]),
      { value: warning ?? critical, color: "green" },
    ],
  };
}

function thresholdsConfig(t: ThresholdSteps): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: t.base }, ...t.steps.map((s) => ({ value: s.value, color: s.color }))]);
}

/** One PromQL query of a panel. */
export interface Query {
  readonly expr: string;
  /** Legend template, e.g. `{{pod}}`. Defaults to Grafana's automatic legend. */
  readonly legend?: string;
}

/** What every panel kind takes. */
export interface PanelOptions {
  readonly title: string;
  /** What the panel shows and how to read it; shown as the panel's info tooltip. */
  readonly description: string;
  readonly queries: readonly Query[];
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  readonly thresholds?: ThresholdSteps;
  /** Alerts this panel shows the condition of; their runbooks become the panel's links. */
  readonly alerts?: readonly string[];
  /** Grid columns (of 24). Each kind has its default. */
  readonly width?: number;
  /** Grid rows. Each kind has its default. */
  readonly height?: number;
}

/** A panel builder of any kind this module makes; the layout gives it its id. */
export type PanelBuilder =
  timeseries.PanelBuilder | stat.PanelBuilder | table.PanelBuilder | logs.PanelBuilder;

/** `A`, `B`, ... `Z`, `AA`: Grafana's own refId sequence. */
export function refId(index: number): string {
  const letter = String.fromCharCode(65 + (index % 26));
  return index < 26 ? letter : `${refId(Math.floor(index / 26) - 1)}${letter}`;
}

function promTargets(queries: readonly Query[], instant: boolean, format?: prometheus.PromQueryFormat) {
  return queries.map((q, i) => {
    const target = new prometheus.DataqueryBuilder()
      .datasource(PROMETHEUS)
      .expr(q.expr)
      .legendFormat(q.legend ?? "__auto")
      .refId(refId(i));
    if (instant) target.instant();
    else target.range();
    if (format) target.format(format);
    return target;
  });
}

/** Links to the runbooks of `alerts`, opening in a new tab. */
export function runbookLinks(
  ctx: RuleContext,
  alerts: readonly string[] = [],
): dashboard.DashboardLinkBuilder[] {
  return alerts.map((alert) =>
    new dashboard.DashboardLinkBuilder(`Runbook: ${alert}`).url(runbookUrl(ctx, alert)).targetBlank(true),
  );
}

/**
 * Settings every panel kind shares. The builders have no common interface, so this is applied to
 * each through the one method set they all generate.
 */
function applyCommon<B extends PanelBuilder>(
  ctx: RuleContext,
  b: B,
  o: PanelOptions,
  width: number,
  height: number,
): B {
  b.title(o.title)
    .description(o.description)
    .span(o.width ?? width)
    .height(o.height ?? height);
  if (o.unit !== undefined) b.unit(o.unit);
  if (o.min !== undefined) b.min(o.min);
  if (o.max !== undefined) b.max(o.max);
  if (o.decimals !== undefined) b.decimals(o.decimals);
  if (o.thresholds) b.thresholds(thresholdsConfig(o.thresholds));
  if (o.alerts && o.alerts.length > 0) b.links(runbookLinks(ctx, o.alerts));
  return b;
}

export interface TimeseriesOptions extends PanelOptions {
  /** Stack the series (shares of a whole, e.g. requests by status). Defaults to false. */
  readonly stacked?: boolean;
}

/** A time series over the dashboard's range; thresholds are drawn as dashed lines. */
export function timeseriesPanel(ctx: RuleContext, o: TimeseriesOptions): timeseries.PanelBuilder {
  const b = new timeseries.PanelBuilder()
    .datasource(PROMETHEUS)
    .targets(promTargets(o.queries, false))
    .lineWidth(1)
    .fillOpacity(o.stacked ? 30 : 10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .calcs(["lastNotNull", "max"]),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
  if (o.stacked) b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.thresholds) {
    b.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  }
  return applyCommon(ctx, b, o, 12, 8);
}

export interface StatOptions extends PanelOptions {
  /** Value-to-text mappings, e.g. `1` → `up`. */
  readonly mappings?: readonly { readonly value: number; readonly text: string; readonly color: Color }[];
  /** Text shown when the query returns nothing. Defaults to Grafana's "No data". */
  readonly noValue?: string;
}

/** The latest value of each series, coloured by the thresholds. */
export function statPanel(ctx: RuleContext, o: StatOptions): stat.PanelBuilder {
  const b = new stat.PanelBuilder()
    .datasource(PROMETHEUS)
    .targets(promTargets(o.queries, true))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(o.thresholds ? common.BigValueColorMode.Background : common.BigValueColorMode.Value)
    .textMode(common.BigValueTextMode.Auto);
  if (o.mappings) {
    b.mappings([
      {
        type: dashboard.MappingType.ValueToText,
        options: Object.fromEntries(
          o.mappings.map((m, index) => [String(m.value), { text: m.text, color: m.color, index }]),
        ),
      },
    ]);
  }
  if (o.noValue !== undefined) b.noValue(o.noValue);
  return applyCommon(ctx, b, o, 6, 4);
}

export interface TableOptions extends PanelOptions {
  /** Column renames, e.g. `{ Value: "Seconds left" }`, or `Value #A` for several queries. */
  readonly columns?: Readonly<Record<string, string>>;
}

/** One row per series at the end of the range; several queries are merged on their labels. */
export function tablePanel(ctx: RuleContext, o: TableOptions): table.PanelBuilder {
  const b = new table.PanelBuilder()
    .datasource(PROMETHEUS)
    .targets(promTargets(o.queries, true, prometheus.PromQueryFormat.Table))
    .cellHeight(common.TableCellHeight.Sm)
    .showHeader(true);
  if (o.queries.length > 1) b.withTransformation({ id: "merge", options: {} });
  b.withTransformation({
    id: "organize",
    options: { excludeByName: { Time: true }, renameByName: { ...(o.columns ?? {}) } },
  });
  if (o.thresholds) {
    b.cellOptions({ type: common.TableCellDisplayMode.ColorText });
  }
  return applyCommon(ctx, b, o, 12, 8);
}

export interface LogsOptions extends Omit<PanelOptions, "queries" | "unit" | "thresholds"> {
  /** LogQL stream query. */
  readonly expr: string;
  /** Lines fetched. Defaults to 500. */
  readonly maxLines?: number;
}

/** Log lines from Loki, newest first. */
export function logsPanel(ctx: RuleContext, o: LogsOptions): logs.PanelBuilder {
  const b = new logs.PanelBuilder()
    .datasource(LOKI)
    .withTarget(
      new loki.DataqueryBuilder()
        .datasource(LOKI)
        .expr(o.expr)
        .maxLines(o.maxLines ?? 500)
        .refId(refId(0)),
    )
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .dedupStrategy(common.LogsDedupStrategy.None);
  return applyCommon(ctx, b, { ...o, queries: [] }, 24, 10);
}

/** The `tenant` variable's query: tenants are discovered from namespace labels, never listed. */
export const TENANT_VARIABLE_QUERY =
  'label_values(kube_namespace_labels{label_cameleer_io_tenant!=""}, label_cameleer_io_tenant)';

/**
 * The tenant picker of tenant dashboards, refreshed with the time range: one tenant at a time, or
 * (`multi`) any number of them, all by default; queries then match `tenant=~"$tenant"`.
 */
export function tenantVariable(opts: { multi?: boolean } = {}): dashboard.QueryVariableBuilder {
  const b = new dashboard.QueryVariableBuilder("tenant")
    .label("Tenant")
    .description("Tenant id, from the cameleer.io/tenant label of its namespace")
    .datasource(PROMETHEUS)
    .query({ query: TENANT_VARIABLE_QUERY, refId: "PrometheusVariableQueryEditor-VariableQuery" })
    .definition(TENANT_VARIABLE_QUERY)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(opts.multi ?? false)
    .includeAll(opts.multi ?? false);
  // "All" as a pattern, not a list of every tenant in the URL and in every query.
  if (opts.multi) b.allValue(".+").current({ text: "All", value: "$__all" });
  return b;
}

/** The namespace matcher of the tenant picked in the `tenant` variable. */
export function selectedTenantNamespace(ctx: Pick<RuleContext, "tenantPrefix">): string {
  return `namespace="${ctx.tenantPrefix}$tenant"`;
}

export interface DashboardRow {
  readonly title: string;
  readonly panels: readonly PanelBuilder[];
}

export interface DashboardSpec {
  readonly key: DashboardKey;
  readonly description: string;
  /** Tags besides {@link DASHBOARD_TAG}. */
  readonly tags?: readonly string[];
  readonly variables?: readonly cog.Builder<dashboard.VariableModel>[];
  readonly rows: readonly DashboardRow[];
}

/** What a caller may change of a dashboard without changing its identity. */
export interface DashboardOptions {
  /** Defaults to the registry's title. The uid never changes with it. */
  readonly title?: string;
}

/**
 * The dashboard JSON model. Ids are assigned in reading order (rows and panels, from 1) and panels
 * are laid out by {@link layOut}, so the same spec always gives the same model and the grid has no
 * holes.
 */
export function buildDashboard(spec: DashboardSpec, options: DashboardOptions = {}): dashboard.Dashboard {
  const identity = DASHBOARDS[spec.key];
  const b = new dashboard.DashboardBuilder(options.title ?? identity.title)
    .uid(identity.uid)
    .description(spec.description)
    .tags([DASHBOARD_TAG, ...(spec.tags ?? [])])
    .readonly()
    .timezone("browser")
    .time({ from: "now-6h", to: "now" })
    .refresh("1m")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder("Cameleer dashboards")
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const v of spec.variables ?? []) b.withVariable(v);
  let nextId = 1;
  let y = 0;
  for (const row of spec.rows) {
    b.withRow(new dashboard.RowBuilder(row.title).id(nextId++).gridPos({ x: 0, y, w: GRID_COLUMNS, h: 1 }));
    y += 1;
    for (const { panel, gridPos } of layOut(row.panels, y)) {
      b.withPanel(panel.id(nextId++).gridPos(gridPos));
      y = Math.max(y, gridPos.y + gridPos.h);
    }
  }
  return b.build();
}

const GRID_COLUMNS = 24;

/**
 * Grid positions of a row's panels from `top`: left to right in lines of 24 columns, the last panel
 * of a line widened to fill it and every panel as tall as the tallest of its line.
 */
function layOut(
  panels: readonly PanelBuilder[],
  top: number,
): { panel: PanelBuilder; gridPos: dashboard.GridPos }[] {
  const sized = panels.map((panel) => {
    const { w, h } = panel.build().gridPos ?? { w: GRID_COLUMNS, h: 8 };
    return { panel, w, h };
  });
  const lines: (typeof sized)[] = [];
  let used = GRID_COLUMNS;
  for (const p of sized) {
    if (used + p.w > GRID_COLUMNS) {
      lines.push([]);
      used = 0;
    }
    lines[lines.length - 1].push(p);
    used += p.w;
  }
  let y = top;
  return lines.flatMap((line) => {
    const h = Math.max(...line.map((p) => p.h));
    let x = 0;
    const placed = line.map((p, i) => {
      const w = i === line.length - 1 ? GRID_COLUMNS - x : p.w;
      const gridPos = { x, y, w, h };
      x += w;
      return { panel: p.panel, gridPos };
    });
    y += h;
    return placed;
  });
}
