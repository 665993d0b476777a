/**
 * Security: who fails to sign in and why, what the audit log records, every certificate and signing
 * key that will expire, and the tenant-isolation canary, whose probes must all fail.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../alerts/context";
import {
  buildDashboard,
  lowerThresholds,
  statPanel,
  tablePanel,
  timeseriesPanel,
  UNITS,
  upperThresholds,
  type DashboardOptions,
} from "./common";

const DAY_SECONDS = 86400;
/** Where JwtSigningKeyExpiryImminent pages; the catalog fixes it, the stack config does not. */
const JWT_IMMINENT_DAYS = 2;

export function securityDashboard(ctx: RuleContext, options: DashboardOptions = {}): Dashboard {
  const t = ctx.thresholds;
  const cp = ctx.selectors.controlPlane;
  const cm = ctx.selectors.certManager;
  const canary = `${ctx.selectors.isolationCanary}, ${ctx.selectors.tenantNamespaces}`;
  const certificateExpiry = lowerThresholds(
    t.certificateExpiryCriticalDays * DAY_SECONDS,
    t.certificateExpiryWarningDays * DAY_SECONDS,
  );
  const jwtExpiry = lowerThresholds(JWT_IMMINENT_DAYS * DAY_SECONDS, t.jwtKeyExpiryWarningDays * DAY_SECONDS);
  const certificateLeft =
    `min by (exported_namespace, name) (certmanager_certificate_expiration_timestamp_seconds{${cm}})` +
    " - time()";
  const endpointLeft =
    `min by (target, instance) (probe_ssl_earliest_cert_expiry{${ctx.selectors.blackbox}, probe="public"})` +
    " - time()";
  const jwtLeft = `min by (kid) (cameleer_jwt_signing_key_expiry_timestamp_seconds{${cp}}) - time()`;

  return buildDashboard(
    {
      key: "security",
      description:
        "Authentication failures, audit events, certificate and JWT signing-key expiry, and the tenant " +
        "isolation canary.",
      tags: ["security"],
      rows: [
        {
          title: "Tenant isolation",
          panels: [
            statPanel(ctx, {
              title: "Cross-tenant probes that got through",
              description:
                "Probes of the isolation canary into tenant namespaces that succeeded. Must be 0: any other " +
                "value means a NetworkPolicy lets one namespace reach a tenant's server, and pages.",
              queries: [{ expr: `sum(max by (namespace, instance) (probe_success{${canary}}))` }],
              unit: UNITS.count,
              thresholds: upperThresholds(1),
              alerts: ["TenantIsolationBreached"],
            }),
            statPanel(ctx, {
              title: "Tenant namespaces probed",
              description:
                "Tenant namespaces the canary probes; fewer than there are tenants means blind spots.",
              queries: [{ expr: `count(max by (namespace) (probe_success{${canary}}))` }],
              unit: UNITS.count,
              alerts: ["IsolationCanaryBlind"],
            }),
            tablePanel(ctx, {
              title: "Isolation canary per tenant",
              description:
                "Result of the last cross-namespace probe of each tenant server: 0 (blocked) is correct.",
              queries: [
                { expr: `max by (namespace, source_namespace, instance) (probe_success{${canary}})` },
              ],
              columns: { Value: "Reached" },
              thresholds: upperThresholds(1),
              alerts: ["TenantIsolationBreached"],
            }),
          ],
        },
        {
          title: "Authentication and audit",
          panels: [
            timeseriesPanel(ctx, {
              title: "Authentication failures by reason",
              description:
                "Failed logins and rejected tokens per second over 5 minutes, the alert's window. " +
                `Warns above ${t.authFailureRate}/s for one reason.`,
              queries: [
                {
                  expr: `sum by (reason) (rate(cameleer_auth_failures_total{${cp}}[5m]))`,
                  legend: "{{reason}}",
                },
              ],
              unit: UNITS.perSecond,
              min: 0,
              thresholds: upperThresholds(t.authFailureRate),
              alerts: ["AuthFailureSpike"],
            }),
            timeseriesPanel(ctx, {
              title: "Audit events by action and outcome",
              description: "Audit log entries written per second.",
              queries: [
                {
                  expr: `sum by (action, outcome) (rate(cameleer_audit_events_total{${cp}}[$__rate_interval]))`,
                  legend: "{{action}} {{outcome}}",
                },
              ],
              unit: UNITS.perSecond,
              stacked: true,
            }),
          ],
        },
        {
          title: "Expiry",
          panels: [
            statPanel(ctx, {
              title: "Soonest certificate expiry",
              description: "Time until the first cert-manager certificate expires.",
              queries: [{ expr: `min(${certificateLeft})` }],
              unit: UNITS.seconds,
              thresholds: certificateExpiry,
              alerts: ["CertificateExpiringSoon", "CertificateExpiryImminent"],
            }),
            statPanel(ctx, {
              title: "Certificates not ready",
              description:
                "cert-manager Certificates whose Ready condition is False: issuance or renewal fails.",
              queries: [{ expr: `sum(certmanager_certificate_ready_status{${cm}, condition="False"})` }],
              unit: UNITS.count,
              thresholds: upperThresholds(1),
              alerts: ["CertificateNotReady"],
            }),
            statPanel(ctx, {
              title: "Soonest public certificate expiry",
              description:
                "Time until a certificate served by a public endpoint expires, as customers see it.",
              queries: [{ expr: `min(${endpointLeft})` }],
              unit: UNITS.seconds,
              thresholds: certificateExpiry,
              alerts: ["PublicEndpointCertificateExpiringSoon"],
            }),
            statPanel(ctx, {
              title: "Soonest JWT signing key expiry",
              description: "Time until the first active JWT signing key expires.",
              queries: [{ expr: `min(${jwtLeft})` }],
              unit: UNITS.seconds,
              thresholds: jwtExpiry,
              alerts: ["JwtSigningKeyExpiringSoon", "JwtSigningKeyExpiryImminent"],
            }),
            tablePanel(ctx, {
              title: "cert-manager certificates",
              description:
                `Time left of each certificate. Warns under ${t.certificateExpiryWarningDays} days, pages under ` +
                `${t.certificateExpiryCriticalDays}.`,
              queries: [{ expr: certificateLeft }],
              columns: { Value: "Expires in" },
              unit: UNITS.seconds,
              thresholds: certificateExpiry,
              alerts: ["CertificateExpiringSoon", "CertificateExpiryImminent", "CertificateNotReady"],
            }),
            tablePanel(ctx, {
              title: "Public endpoint certificates",
              description: "Time left of the earliest-expiring certificate in each public endpoint's chain.",
              queries: [{ expr: endpointLeft }],
              columns: { Value: "Expires in" },
              unit: UNITS.seconds,
              thresholds: certificateExpiry,
              alerts: ["PublicEndpointCertificateExpiringSoon"],
            }),
            tablePanel(ctx, {
              title: "JWT signing keys",
              description: `Time left of each active signing key. Warns under ${t.jwtKeyExpiryWarningDays} days.`,
              queries: [{ expr: jwtLeft }],
              columns: { Value: "Expires in" },
              unit: UNITS.seconds,
              thresholds: jwtExpiry,
              alerts: ["JwtSigningKeyExpiringSoon", "JwtSigningKeyExpiryImminent"],
            }),
          ],
        },
      ],
    },
    options,
  );
}
