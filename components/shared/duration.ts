/** Prometheus durations (`30s`, `1h30m`, `35d`), parsed once for config checks, rules and tests. */

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Parses a Prometheus duration into seconds (`1h30m` → 5400); throws on anything else. */
export function durationSeconds(d: string): number {
  let total = 0;
  let rest = d;
  const part = /^([0-9]+)(ms|s|m|h|d|w|y)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new Error(`not a Prometheus duration: ${d}`);
    total += Number(m[1]) * UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  if (d.length === 0) throw new Error("not a Prometheus duration: empty");
  return total;
}
