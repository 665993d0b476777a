import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS, LOKI_RULE_LABELS, RULE_SELECTOR_LABELS } from "../shared/labels";
import { operatorResource } from "../shared/operator-resources";
import { stableYaml } from "../shared/serialize";
import type { RuleContext } from "./context";
import { alertingRule, ruleGroups } from "./rule-files";
import type { Area, AreaRules, LogAlertDefinition } from "./types";

/** The label that names a PrometheusRule's owning area (the render names rule files by it). */
export const AREA_LABEL = "monitoring.cameleer.io/area";

export interface AlertRulesArgs {
  readonly namespace: pulumi.Input<string>;
  /** The catalog: one PrometheusRule per area. */
  readonly areas: readonly AreaRules[];
  /** LogQL alert rules for the Loki ruler. */
  readonly logRules: readonly LogAlertDefinition[];
  readonly context: RuleContext;
}

/** The Loki ruler's rule file for the log alerts, one group per area. */
export function lokiRuleFile(logRules: readonly LogAlertDefinition[], ctx: RuleContext): string {
  const areas = [...new Set(logRules.map((r) => r.area))].sort();
  return stableYaml({
    groups: areas.map((area) => ({
      name: `${area}.logs`,
      rules: logRules.filter((r) => r.area === area).map((r) => alertingRule(r, ctx)),
    })),
  });
}

/**
 * The alert catalog deployed: a PrometheusRule per owning area, labelled so that Prometheus selects
 * it, and a ConfigMap of LogQL rules that the Loki ruler's sidecar loads.
 */
export class AlertRules extends pulumi.ComponentResource {
  public readonly prometheusRules: Readonly<Partial<Record<Area, k8s.apiextensions.CustomResource>>>;
  public readonly lokiRules: k8s.core.v1.ConfigMap;

  constructor(name: string, args: AlertRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:alerts:AlertRules", name, {}, opts);
    const rules: Partial<Record<Area, k8s.apiextensions.CustomResource>> = {};
    for (const area of args.areas) {
      rules[area.area] = operatorResource(
        "PrometheusRule",
        `${name}-${area.area}`,
        {
          namespace: args.namespace,
          labels: { ...RULE_SELECTOR_LABELS, [AREA_LABEL]: area.area },
          spec: { groups: ruleGroups(area, args.context) },
        },
        { parent: this },
      );
    }
    this.prometheusRules = rules;
    this.lokiRules = new k8s.core.v1.ConfigMap(
      `${name}-loki`,
      {
        metadata: {
          name: `${name}-loki`,
          namespace: args.namespace,
          labels: { ...COMMON_LABELS, ...LOKI_RULE_LABELS },
        },
        data: { "platform-log-alerts.yaml": lokiRuleFile(args.logRules, args.context) },
      },
      { parent: this },
    );
    this.registerOutputs({ prometheusRules: this.prometheusRules, lokiRules: this.lokiRules });
  }
}
