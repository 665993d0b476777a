/**
 * The whole alert catalog: every owning area's rules for a stack's context. Adding an area means a
 * file here and a line below; everything downstream (resources, rule files, routing, tests, runbook
 * checks) picks it up.
 */
import type { RuleContext } from "../context";
import type { AreaRules, LogAlertDefinition } from "../types";
import { billingRules } from "./billing";
import { controlPlaneRules } from "./control-plane";
import { kubernetesRules } from "./kubernetes";
import { monitoringRules } from "./monitoring";
import { sharedServicesLogRules, sharedServicesRules } from "./shared-services";
import { tenantRules } from "./tenants";

/** In the order of `AREAS`, which is the order of the rendered rule files. */
export const AREA_RULE_FACTORIES: readonly ((ctx: RuleContext) => AreaRules)[] = [
  controlPlaneRules,
  tenantRules,
  sharedServicesRules,
  kubernetesRules,
  billingRules,
  monitoringRules,
];

export const LOG_RULE_FACTORIES: readonly ((ctx: RuleContext) => LogAlertDefinition[])[] = [
  sharedServicesLogRules,
];

export function alertCatalog(ctx: RuleContext): AreaRules[] {
  return AREA_RULE_FACTORIES.map((f) => f(ctx));
}

/** LogQL alerts for the Loki ruler (what only logs can tell). */
export function logAlertCatalog(ctx: RuleContext): LogAlertDefinition[] {
  return LOG_RULE_FACTORIES.flatMap((f) => f(ctx));
}
