import type { ResourceValidationPolicy } from "@pulumi/policy";
import * as YAML from "yaml";
import { SEVERITIES } from "../components/alerts/types";
import { LOKI_RULE_LABELS } from "../components/shared/labels";
import { AREAS } from "../stacks/config";
import { at, entries, items, known, str, TYPES } from "./kubernetes";

/** Problems of one rule group list (a PrometheusRule's `spec.groups`, or a Loki rule file's groups). */
export function ruleGroupProblems(groups: unknown): string[] {
  const problems: string[] = [];
  for (const group of items(groups)) {
    const groupName = str(known(group, "name")) ?? "?";
    for (const rule of items(known(group, "rules"))) {
      const alert = str(known(rule, "alert"));
      if (alert === undefined) continue; // a recording rule
      const where = `alert ${alert} (group ${groupName})`;
      const severity = at(rule, ["labels", "severity"]);
      const area = at(rule, ["labels", "area"]);
      if (typeof severity !== "string" || !(SEVERITIES as readonly string[]).includes(severity)) {
        problems.push(
          `${where}: label severity is ${JSON.stringify(severity)}; allowed: ${SEVERITIES.join(", ")}`,
        );
      }
      if (typeof area !== "string" || !(AREAS as readonly string[]).includes(area)) {
        problems.push(`${where}: label area is ${JSON.stringify(area)}; allowed: ${AREAS.join(", ")}`);
      }
      const summary = at(rule, ["annotations", "summary"]);
      if (typeof summary !== "string" || summary.trim() === "") {
        problems.push(`${where}: annotation summary is missing`);
      }
      const runbook = at(rule, ["annotations", "runbook_url"]);
      if (typeof runbook !== "string" || !/^https:\/\/\S+$/.test(runbook)) {
        problems.push(
          `${where}: annotation runbook_url must be an https:// URL, got ${JSON.stringify(runbook)}`,
        );
      }
    }
  }
  return problems;
}

function isLokiRuleConfigMap(props: unknown): boolean {
  return Object.entries(LOKI_RULE_LABELS).every(([k, v]) => at(props, ["metadata", "labels", k]) === v);
}

/** Problems of a resource that carries alert rules: a PrometheusRule or a Loki ruler ConfigMap. */
export function alertRuleProblems(type: string, props: unknown): string[] {
  if (type === TYPES.prometheusRule) return ruleGroupProblems(at(props, ["spec", "groups"]));
  if (type === TYPES.configMap && isLokiRuleConfigMap(props)) {
    return entries(known(props, "data")).flatMap(([file, text]) => {
      if (typeof text !== "string") return [];
      let doc: unknown;
      try {
        doc = YAML.parse(text);
      } catch (e) {
        return [`${file}: not YAML (${(e as Error).message})`];
      }
      return ruleGroupProblems(known(doc, "groups")).map((p) => `${file}: ${p}`);
    });
  }
  return [];
}

/**
 * Every alert, Prometheus's and the Loki ruler's, carries what Alertmanager routes on (`severity`,
 * `area`) and what the person paged needs (`summary`, `runbook_url`). An alert without them pages no
 * one, or pages with nothing to act on.
 */
export const alertRulesRoutable: ResourceValidationPolicy = {
  name: "alert-rules-routable",
  description:
    "Every PrometheusRule and Loki ruler alert has labels severity (critical|warning|info) and area (a known area) and annotations summary and runbook_url.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    for (const problem of alertRuleProblems(args.type, args.props)) reportViolation(problem);
  },
};
