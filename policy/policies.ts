/**
 * The platform's policies, each an exported object testable on its own (test/policy.test.ts). The
 * pack (`index.ts`) serves them; importing this module starts nothing.
 */
import type { Policies } from "@pulumi/policy";
import { alertRulesRoutable } from "./alert-rules";
import { containerResources } from "./container-resources";
import { noPlaintextCredentials } from "./credentials";
import { grafanaAnonymousAccessOff } from "./grafana-access";
import { statefulNamespacesRetained, statefulVolumesRetained } from "./stateful-data";

export { alertRulesRoutable } from "./alert-rules";
export { containerResources } from "./container-resources";
export { noPlaintextCredentials } from "./credentials";
export { grafanaAnonymousAccessOff } from "./grafana-access";
export { statefulNamespacesRetained, statefulVolumesRetained } from "./stateful-data";

export const PLATFORM_POLICIES: Policies = [
  alertRulesRoutable,
  noPlaintextCredentials,
  containerResources,
  statefulVolumesRetained,
  statefulNamespacesRetained,
  grafanaAnonymousAccessOff,
];
