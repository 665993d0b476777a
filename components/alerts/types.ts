/**
 * The alert catalog's vocabulary. An alert is one typed object, defined once: everything else (the
 * PrometheusRule resources, the rendered rule files, Alertmanager routing, the runbook index, the
 * promtool tests and the coverage checks) is derived from it.
 */
import type { Area } from "../../stacks/config";
import type { DashboardKey } from "../dashboards/registry";

export type { Area };

/** `critical` pages a human; `warning` goes to the area's chat channel; `info` never notifies. */
export type Severity = "critical" | "warning" | "info";
export const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];

/** A Prometheus duration: `30s`, `5m`, `1h`, `3d`. */
export type Duration = `${number}${"s" | "m" | "h" | "d"}`;

/** One input series of a promtool test: `series` in PromQL notation, `values` in expanding notation. */
export interface TestSeries {
  readonly series: string;
  readonly values: string;
}

/** An alert expected by a test case: labels after the expression, plus the rendered texts. */
export interface ExpectedAlert {
  /** Labels of the alert other than `alertname`, `severity`, `area` and the definition's own labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** `summary` after template expansion. */
  readonly summary: string;
  /** `description` after template expansion. */
  readonly description: string;
}

/**
 * A promtool test case of one alert. A firing case lists the alerts expected at `evalTime`; a
 * non-firing case expects none. Every alert has at least one of each.
 */
export interface AlertTestCase {
  /** What the case shows, e.g. "a 2-minute blip does not page". */
  readonly name: string;
  /** Interval between the samples of `series`. Defaults to `1m`. */
  readonly interval?: Duration;
  readonly series: readonly TestSeries[];
  readonly evalTime: Duration;
  readonly expect: readonly ExpectedAlert[];
  /**
   * How often promtool evaluates the rules in this case. Defaults to the stack's evaluation
   * interval. Cases spanning days may evaluate less often (every rule is evaluated at every step);
   * the alert's `for` must then be a multiple of it.
   */
  readonly evaluationInterval?: Duration;
}

/** Which dashboard an alert links to, and with which template variables (Go templates allowed). */
export interface DashboardLink {
  readonly dashboard: DashboardKey;
  readonly vars?: Readonly<Record<string, string>>;
}

export interface AlertDefinition {
  /** PascalCase, unique across the catalog; names the runbook `docs/runbooks/<kebab-case>.md`. */
  readonly alert: string;
  readonly area: Area;
  readonly severity: Severity;
  /** PromQL, built from the context's named selectors and thresholds. */
  readonly expr: string;
  /** How long the condition must hold. At least 3m (nothing pages on a 2-minute blip), but Watchdog. */
  readonly for: Duration;
  /** One line naming the affected target (Go template over `$labels` and `$value`). */
  readonly summary: string;
  /** What is wrong and what it means, naming the target (Go template). */
  readonly description: string;
  readonly dashboard: DashboardLink;
  /** Extra labels, e.g. the `tenant` a rule adds. Never `severity` or `area`: those are fields. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly tests: readonly AlertTestCase[];
}

/** A recording rule: `record` is `level:metric:operations`, per Prometheus naming practice. */
export interface RecordingDefinition {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A promtool `promql_expr_test` of recording rules: exact values at a time. */
export interface RecordingTestCase {
  readonly name: string;
  readonly interval?: Duration;
  readonly series: readonly TestSeries[];
  readonly evalTime: Duration;
  readonly expr: string;
  readonly expect: readonly { readonly labels: string; readonly value: number }[];
  /** How often promtool evaluates the rules; defaults to the stack's evaluation interval. */
  readonly evaluationInterval?: Duration;
}

/** The rules one owning area contributes: its alerts, and recording rules they or dashboards use. */
export interface AreaRules {
  readonly area: Area;
  /**
   * Names one of several factories' contributions to an area (`slo`). Deployed, they are merged into
   * the area's PrometheusRule; in promtool tests each part's rules load on their own, since promtool
   * evaluates every loaded rule at every step.
   */
  readonly part?: string;
  readonly alerts: readonly AlertDefinition[];
  readonly recordings?: readonly {
    /** Group name suffix; rules in one group are evaluated in order. */
    readonly group: string;
    /** Evaluation interval of the group. Defaults to the global one. */
    readonly interval?: Duration;
    readonly rules: readonly RecordingDefinition[];
  }[];
  readonly recordingTests?: readonly RecordingTestCase[];
}

/** A LogQL alert rule evaluated by the Loki ruler (no promtool: parsed with lezer-logql). */
export interface LogAlertDefinition extends Omit<AlertDefinition, "tests"> {
  /** Why this is a log rule: what the metrics cannot tell. */
  readonly rationale: string;
}
