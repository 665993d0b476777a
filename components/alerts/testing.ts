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

/**
 * A counter written out sample by sample: `increments(i)` is its increase from sample i - 1 to i, for
 * `steps` samples after the first (which is 0). For shapes the expanding notation cannot say briefly.
 */
export function counterOf(steps: number, increments: (i: number) => number): string {
  const values = [0];
  for (let i = 1; i <= steps; i++) values.push(values[i - 1] + increments(i));
  return values.map((v) => String(Math.round(v * 1e9) / 1e9)).join(" ");
}
