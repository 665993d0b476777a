/**
 * The platform-monitoring policy pack: `pulumi preview --policy-pack policy` (see docs/security.md).
 * Constructing the pack starts the analyzer's gRPC server, so only the Pulumi CLI loads this module;
 * tests import `./policies`.
 */
import { PolicyPack } from "@pulumi/policy";
import { PLATFORM_POLICIES } from "./policies";

new PolicyPack("platform-monitoring", {
  description:
    "Hardening of the Cameleer monitoring platform: routable alerts, no plaintext credentials, sized containers, retained data, no anonymous Grafana.",
  enforcementLevel: "mandatory",
  policies: PLATFORM_POLICIES,
});
