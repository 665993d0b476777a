/**
 * Micrometer's percentile-histogram bucket bounds: the `le` values of a timer's `_bucket` series when
 * Spring Boot publishes percentile histograms (`http.server.requests` does, per the metrics contract).
 *
 * Micrometer does not use round bounds. `PercentileHistogramBuckets` walks the nanosecond range in
 * powers of four, each split into thirds (1 073 741 824 ns, 1 431 655 765 ns, ...), and Spring Boot
 * keeps the bounds between the timer's minimum and maximum expected values (1 ms and 30 s by default),
 * plus 30 s itself. A latency SLI counts the requests of one bucket, so its threshold must be one of
 * these bounds, written as Micrometer writes it (`le="1.073741824"`).
 */

/** Every bound Micrometer's algorithm yields, in nanoseconds, ascending (io.micrometer.core.instrument.distribution.PercentileHistogramBuckets). */
function percentileBucketsNanos(): number[] {
  const buckets = [1, 2, 3];
  const digits = 2;
  for (let exp = digits; exp < 40; exp += digits) {
    const start = 2 ** exp;
    const delta = Math.floor(start / 3);
    const next = start * 2 ** digits - delta;
    for (let current = start; current < next; current += delta) buckets.push(current);
  }
  return buckets;
}

/** Bounds (seconds) of a Spring Boot timer histogram with the default expected range, 1 ms to 30 s. */
export const MICROMETER_TIMER_BUCKETS: readonly number[] = [
  ...percentileBucketsNanos()
    .filter((ns) => ns >= 1e6 && ns <= 30e9)
    .map((ns) => ns / 1e9),
  30,
];

/** The `le` label value Micrometer writes for a bound (Java's shortest decimal form). */
export function micrometerLe(seconds: number): string {
  return Number.isInteger(seconds) ? seconds.toFixed(1) : String(seconds);
}
