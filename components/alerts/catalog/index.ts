/**
 * The whole alert catalog: every owning area's rules for a stack's context. Adding rules means a
 * factory here; everything downstream (resources, rule files, routing, tests, runbook checks) picks
 * them up. Several factories may contribute to one area (the SLO rules add to `tenants` and
 * `control-plane`): their rules are merged into that area's PrometheusRule.
 */
import { AREAS } from "../../../stacks/config";
import type { RuleContext } from "../context";
import type { AreaRules, LogAlertDefinition } from "../types";
import { billingRules } from "./billing";
import { controlPlaneRules } from "./control-plane";
import { kubernetesRules } from "./kubernetes";
import { monitoringRules } from "./monitoring";
import { sharedServicesLogRules, sharedServicesRules } from "./shared-services";
import { sloRules } from "./slo";
import { tenantRules } from "./tenants";

export const RULE_FACTORIES: readonly ((ctx: RuleContext) => AreaRules | AreaRules[])[] = [
  controlPlaneRules,
  tenantRules,
  sharedServicesRules,
  kubernetesRules,
  billingRules,
  monitoringRules,
  sloRules,
];

export const LOG_RULE_FACTORIES: readonly ((ctx: RuleContext) => LogAlertDefinition[])[] = [
  sharedServicesLogRules,
];

/** Every factory's contribution to each area, unmerged: what promtool tests load, part by part. */
export function catalogParts(ctx: RuleContext): AreaRules[] {
  return RULE_FACTORIES.flatMap((f) => f(ctx));
}

/** Every area's rules, merged across factories, in the order of `AREAS`. */
export function alertCatalog(ctx: RuleContext): AreaRules[] {
  const contributions = catalogParts(ctx);
  return AREAS.map((area) => {
    const parts = contributions.filter((c) => c.area === area);
    return {
      area,
      alerts: parts.flatMap((p) => p.alerts),
      recordings: parts.flatMap((p) => p.recordings ?? []),
      recordingTests: parts.flatMap((p) => p.recordingTests ?? []),
    };
  });
}

/** LogQL alerts for the Loki ruler (what only logs can tell). */
export function logAlertCatalog(ctx: RuleContext): LogAlertDefinition[] {
  return LOG_RULE_FACTORIES.flatMap((f) => f(ctx));
}
