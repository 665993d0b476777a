/** Small helpers for writing promtool test cases next to the alerts they test. */
import type { TestSeries } from "./types";

/** A test series: `metric{label="value", ...}` with promtool's expanding notation for `values`. */
export function series(metric: string, labels: Readonly<Record<string, string>>, values: string): TestSeries {
  const matchers = Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
    .join(", ");
  return { series: `${metric}{${matchers}}`, values };
}

/**
 * A counter rising by `perStep` every sample for `steps` samples: `0+6x30`. With a 1m interval,
 * `perStep` is the per-minute increase.
 */
export function counter(perStep: number, steps: number, start = 0): string {
  return `${start}+${perStep}x${steps}`;
}

/** A constant gauge for `steps` samples: `5x30`. */
export function gauge(value: number, steps: number): string {
  return `${value}x${steps}`;
}

/** Histogram buckets (cumulative counters) for one label set, from per-step counts per bucket. */
export function histogram(
  metric: string,
  labels: Readonly<Record<string, string>>,
  buckets: readonly { le: number | "+Inf"; perStep: number }[],
  steps: number,
): TestSeries[] {
  let cumulative = 0;
  return buckets.map((b) => {
    cumulative += b.perStep;
    return series(`${metric}_bucket`, { ...labels, le: String(b.le) }, counter(cumulative, steps));
  });
}
