/**
 * PromQL and LogQL parsed with the grammars Prometheus's and Grafana's own editors use, for checks
 * that a query is well-formed and names only metrics that exist.
 */
import type { LRParser } from "@lezer/lr" with { "resolution-mode": "import" };

// Both grammars ship CommonJS builds, but their package type is "module", so TypeScript's node16
// resolution refuses a static import from this CommonJS project; require() the CJS entry points.
/* eslint-disable @typescript-eslint/no-require-imports */
const promqlParser = (require("@prometheus-io/lezer-promql") as { parser: LRParser }).parser;
const logqlParser = (require("@grafana/lezer-logql") as { parser: LRParser }).parser;
/* eslint-enable @typescript-eslint/no-require-imports */

export interface ParsedQuery {
  /** Character offsets of syntax errors; empty for a valid query. */
  readonly errors: number[];
  /** Metric names of every vector selector. */
  readonly metrics: string[];
}

/** Parses PromQL; Go-template placeholders are not PromQL and must be substituted before. */
export function parsePromQL(query: string): ParsedQuery {
  const errors: number[] = [];
  const metrics = new Set<string>();
  promqlParser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        metrics.add(query.slice(node.from, node.to));
      }
    },
  });
  return { errors, metrics: [...metrics].sort() };
}

/** Parses LogQL; `metrics` is empty (log queries select streams, not metrics). */
export function parseLogQL(query: string): ParsedQuery {
  const errors: number[] = [];
  logqlParser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return { errors, metrics: [] };
}
