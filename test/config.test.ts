import { strict as assert } from "node:assert";
import { StackConfigError } from "../stacks/config";
import { runStack } from "../stacks/mock-runtime";
import { parseStack, stackValue } from "./helpers/config";

/** A bad input tried against the real prod stack, and what its error must say. */
interface BadConfigCase {
  readonly name: string;
  readonly overrides: () => Record<string, unknown>;
  /** Every one of these must appear in the error message (the key path first). */
  readonly mentions: string[];
}

const with_ = (key: string, patch: Record<string, unknown>) => () => ({
  [key]: { ...stackValue("prod", key), ...patch },
});
const thresholds = (patch: Record<string, unknown>) => with_("thresholds", patch);

export const BAD_CONFIG_CASES: BadConfigCase[] = [
  {
    name: "unknown top-level key (a typo of a nested key)",
    overrides: () => ({ grafanaHost: "grafana.ops.cameleer.io" }),
    mentions: ["platform-monitoring:grafanaHost: unknown key", "allowed keys:", "ingress"],
  },
  {
    name: "unknown nested key (typo)",
    overrides: with_("prometheus", { replica: 2 }),
    mentions: ["platform-monitoring:prometheus.replica: unknown key", "allowed keys here: replicas"],
  },
  {
    name: "wrong type",
    overrides: with_("prometheus", { replicas: "two" }),
    mentions: ["platform-monitoring:prometheus.replicas", "expected number"],
  },
  {
    name: "replicas out of range",
    overrides: with_("prometheus", { replicas: 0 }),
    mentions: ["platform-monitoring:prometheus.replicas", ">=1"],
  },
  {
    name: "unknown environment",
    overrides: () => ({ environment: "production" }),
    mentions: ["platform-monitoring:environment", '"prod"', '"staging"'],
  },
  {
    name: "unknown tier",
    overrides: () => ({ tiers: { ...stackValue("prod", "tiers"), premium: { slo: 99.99, sla: 99.95 } } }),
    mentions: ["platform-monitoring:tiers.premium: unknown key", "standard, business, high"],
  },
  {
    name: "threshold out of range",
    overrides: thresholds({ controlPlaneErrorRatio: 1.5 }),
    mentions: ["platform-monitoring:thresholds.controlPlaneErrorRatio", "<=0.5"],
  },
  {
    name: "unknown threshold",
    overrides: thresholds({ controlPlane5xxRatio: 0.05 }),
    mentions: ["platform-monitoring:thresholds.controlPlane5xxRatio: unknown key", "controlPlaneErrorRatio"],
  },
  {
    name: "duration in words",
    overrides: with_("prometheus", { retention: "30 days" }),
    mentions: ["platform-monitoring:prometheus.retention", "Prometheus duration"],
  },
  {
    name: "storage size in the wrong unit system",
    overrides: with_("prometheus", { storageSize: "200GB" }),
    mentions: ["platform-monitoring:prometheus.storageSize", "Kubernetes quantity"],
  },
  {
    name: "retention size as a Kubernetes quantity",
    overrides: with_("prometheus", { retentionSize: "180Gi" }),
    mentions: ["platform-monitoring:prometheus.retentionSize", "Prometheus byte size"],
  },
  {
    name: "malformed URL",
    overrides: with_("ingress", { authUrl: "auth.ops.cameleer.io/oauth2/auth" }),
    mentions: ["platform-monitoring:ingress.authUrl", "https:// URL"],
  },
  {
    name: "plain http where https is required",
    overrides: () => ({
      runbookBaseUrl: "http://github.com/cameleer/platform-monitoring/blob/main/docs/runbooks",
    }),
    mentions: ["platform-monitoring:runbookBaseUrl", "https:// URL"],
  },
  {
    name: "host name with upper case and underscore",
    overrides: with_("ingress", { grafanaHost: "Grafana_Ops.cameleer.io" }),
    mentions: ["platform-monitoring:ingress.grafanaHost", "DNS host name"],
  },
  {
    name: "Loki scalable mode on a filesystem",
    overrides: with_("loki", { storage: { type: "filesystem", size: "50Gi" } }),
    mentions: ["platform-monitoring:loki.mode", "scalable needs storage.type s3"],
  },
  {
    name: "Loki storage type unknown",
    overrides: with_("loki", { storage: { type: "gcs", bucket: "x" } }),
    mentions: ["platform-monitoring:loki.storage", '"filesystem"', '"s3"'],
  },
  {
    name: "duplicate public endpoint names",
    overrides: with_("controlPlane", {
      publicEndpoints: [
        { name: "app", url: "https://app.cameleer.io" },
        { name: "app", url: "https://api.cameleer.io" },
      ],
    }),
    mentions: ["platform-monitoring:controlPlane.publicEndpoints[1].name", 'duplicate name "app"'],
  },
  {
    name: "duplicate tenant endpoints",
    overrides: with_("uptimeKuma", {
      tenantEndpoints: [
        { tenant: "acme", tier: "high", url: "https://acme.cameleer.io" },
        { tenant: "acme-eu", tier: "high", url: "https://acme.cameleer.io" },
      ],
    }),
    mentions: [
      "platform-monitoring:uptimeKuma.tenantEndpoints[1].url",
      'duplicate url "https://acme.cameleer.io"',
    ],
  },
  {
    name: "tenant endpoint of a tier that has no external check",
    overrides: with_("uptimeKuma", {
      tenantEndpoints: [{ tenant: "smallco", tier: "standard", url: "https://smallco.cameleer.io" }],
    }),
    mentions: ["platform-monitoring:uptimeKuma.tenantEndpoints[0].tier", '"business"', '"high"'],
  },
  {
    name: "missing required section",
    overrides: () => ({ kubernetes: undefined }),
    mentions: ["platform-monitoring:kubernetes: is required"],
  },
  {
    name: "missing secret",
    overrides: () => ({ slackWebhookUrl: undefined }),
    mentions: [
      "platform-monitoring:slackWebhookUrl: is required",
      "pulumi config set --secret slackWebhookUrl",
    ],
  },
  {
    name: "credential stored in plain text",
    overrides: () => ({ postgresExporterPassword: "hunter2" }),
    mentions: ["platform-monitoring:postgresExporterPassword", "must be stored encrypted"],
  },
  {
    name: "PagerDuty on without an escalation policy",
    overrides: () => {
      const receivers = stackValue("prod", "receivers");
      const { escalation: _dropped, ...pagerduty } = receivers.pagerduty as Record<string, unknown>;
      return { receivers: { ...receivers, pagerduty } };
    },
    mentions: ["platform-monitoring:receivers.pagerduty.escalation", "required when pagerduty.enabled"],
  },
  {
    name: "malformed PagerDuty ID",
    overrides: () => {
      const receivers = stackValue("prod", "receivers");
      const pd = receivers.pagerduty as { escalation: { delayMinutes: number; targets: unknown[] }[] };
      return {
        receivers: {
          ...receivers,
          pagerduty: {
            ...pd,
            escalation: [{ delayMinutes: 15, targets: [{ type: "schedule", id: "sre-primary" }] }],
          },
        },
      };
    },
    mentions: ["platform-monitoring:receivers.pagerduty.escalation[0].targets[0].id", "PagerDuty ID"],
  },
  {
    name: "SLA above SLO",
    overrides: () => ({ tiers: { ...stackValue("prod", "tiers"), business: { slo: 99.5, sla: 99.9 } } }),
    mentions: ["platform-monitoring:tiers.business.sla", "must not be higher than slo"],
  },
  {
    name: "SLO of a higher tier below a lower one",
    overrides: () => ({ tiers: { ...stackValue("prod", "tiers"), high: { slo: 99.0, sla: 98.0 } } }),
    mentions: ["platform-monitoring:tiers", "must not decrease"],
  },
  {
    name: "critical threshold below warning",
    overrides: thresholds({ volumeUsageWarning: 0.9, volumeUsageCritical: 0.85 }),
    mentions: ["platform-monitoring:thresholds.volumeUsageCritical", "higher than volumeUsageWarning"],
  },
  {
    name: "maintenance window that ends before it starts",
    overrides: () => {
      const receivers = stackValue("prod", "receivers");
      return {
        receivers: {
          ...receivers,
          pagerduty: {
            ...(receivers.pagerduty as object),
            maintenanceWindows: [
              {
                description: "backwards",
                start: "2026-12-06T04:00:00+01:00",
                end: "2026-12-06T02:00:00+01:00",
                areas: ["billing"],
              },
            ],
          },
        },
      };
    },
    mentions: ["platform-monitoring:receivers.pagerduty.maintenanceWindows[0]", "end must be after start"],
  },
  {
    name: "maintenance window for an unknown area",
    overrides: () => {
      const receivers = stackValue("prod", "receivers");
      return {
        receivers: {
          ...receivers,
          pagerduty: {
            ...(receivers.pagerduty as object),
            maintenanceWindows: [
              {
                description: "x",
                start: "2026-12-06T02:00:00Z",
                end: "2026-12-06T04:00:00Z",
                areas: ["database"],
              },
            ],
          },
        },
      };
    },
    mentions: ["platform-monitoring:receivers.pagerduty.maintenanceWindows[0].areas[0]", '"shared-services"'],
  },
  {
    name: "Slack channel without #",
    overrides: () => {
      const receivers = stackValue("prod", "receivers");
      const slack = receivers.slack as { channels: Record<string, string> };
      return {
        receivers: { ...receivers, slack: { channels: { ...slack.channels, billing: "alerts-billing" } } },
      };
    },
    mentions: ["platform-monitoring:receivers.slack.channels.billing", "Slack channel"],
  },
  {
    name: "Slack channel for an unknown area",
    overrides: () => {
      const receivers = stackValue("prod", "receivers");
      const slack = receivers.slack as { channels: Record<string, string> };
      return {
        receivers: { ...receivers, slack: { channels: { ...slack.channels, database: "#alerts-db" } } },
      };
    },
    mentions: ["platform-monitoring:receivers.slack.channels.database: unknown key", "shared-services"],
  },
  {
    name: "Opsgenie on without a team and without its key",
    overrides: () => ({ receivers: { ...stackValue("prod", "receivers"), opsgenie: { enabled: true } } }),
    mentions: [
      "platform-monitoring:receivers.opsgenie.team",
      "platform-monitoring:opsgenieApiKey: is required",
    ],
  },
  {
    name: "ingress controller namespace that is not a namespace name",
    overrides: with_("ingress", { controllerNamespace: "Ingress_Nginx" }),
    mentions: ["platform-monitoring:ingress.controllerNamespace", "DNS-1123 label"],
  },
  {
    name: "negative Loki CPU request",
    overrides: with_("loki", { resources: { cpu: "-1", memory: "2Gi" } }),
    mentions: ["platform-monitoring:loki.resources.cpu", "Kubernetes quantity"],
  },
  {
    name: "Loki resources without memory",
    overrides: with_("loki", { resources: { cpu: "1" } }),
    mentions: ["platform-monitoring:loki.resources.memory: is required"],
  },
  {
    name: "Loki resources with a misspelt CPU limit",
    overrides: with_("loki", { resources: { cpu: "1", memory: "2Gi", cpuLimt: "2" } }),
    mentions: [
      "platform-monitoring:loki.resources.cpuLimt: unknown key",
      "allowed keys here: cpu, memory, cpuLimit",
    ],
  },
  {
    name: "Uptime Kuma in the cluster it watches",
    overrides: with_("uptimeKuma", { context: "cameleer-prod-eu1" }),
    mentions: ["platform-monitoring:uptimeKuma.context", "another cluster than kubernetes.context"],
  },
  {
    name: "latency SLO threshold that is no histogram bucket",
    overrides: with_("slo", { controlPlane: { latencyThresholdSeconds: 1 } }),
    mentions: [
      "platform-monitoring:slo.controlPlane.latencyThresholdSeconds",
      "bucket bound",
      "0.984263336, 1.073741824",
    ],
  },
  {
    name: "control-plane availability objective of 100 %",
    overrides: with_("slo", { controlPlane: { availability: 100 } }),
    mentions: ["platform-monitoring:slo.controlPlane.availability", "<100"],
  },
  {
    name: "SLI traffic floor of zero",
    overrides: with_("slo", { minRequestRate: 0 }),
    mentions: ["platform-monitoring:slo.minRequestRate", ">=0.001"],
  },
  {
    name: "SLA report on a retention shorter than a month",
    overrides: () => ({
      prometheus: { ...stackValue("prod", "prometheus"), retention: "30d" },
    }),
    mentions: ["platform-monitoring:prometheus.retention", "at least 32d while slaReport.enabled"],
  },
  {
    name: "SLA report for an unknown tier",
    overrides: with_("slaReport", { tiers: ["business", "platinum"] }),
    mentions: ["platform-monitoring:slaReport.tiers[1]", '"standard"', '"business"', '"high"'],
  },
  {
    name: "SLA report schedule that is not cron",
    overrides: with_("slaReport", { schedule: "monthly" }),
    mentions: ["platform-monitoring:slaReport.schedule", "five-field cron schedule"],
  },
  {
    name: "SLA report tier listed twice",
    overrides: with_("slaReport", { tiers: ["high", "high"] }),
    mentions: ["platform-monitoring:slaReport.tiers[1].tier", 'duplicate tier "high"'],
  },
];

describe("stack config", () => {
  describe("the committed stacks are valid", () => {
    for (const stack of ["prod", "staging"]) {
      it(`${stack} parses`, () => {
        const cfg = parseStack(stack);
        assert.equal(cfg.environment, stack);
      });
    }

    it("applies documented defaults where a stack is silent", () => {
      const staging = parseStack("staging");
      assert.equal(staging.namespaces.monitoring, "monitoring");
      assert.equal(staging.namespaces.tenantPrefix, "tenant-");
      assert.equal(staging.alertmanager.retention, "120h");
      assert.equal(staging.thresholds.jvmHeapRatio, 0.9);
      assert.equal(staging.receivers.opsgenie.enabled, false);
    });

    it("keeps secrets as Pulumi secrets, and only those the features need", () => {
      const prod = parseStack("prod");
      const staging = parseStack("staging");
      assert.ok(prod.secrets.pagerdutyToken, "prod pages, so it has a PagerDuty token");
      assert.equal(staging.secrets.pagerdutyToken, undefined);
      assert.equal(prod.secrets.opsgenieApiKey, undefined);
    });

    it("differs between environments only in values", () => {
      const prod = parseStack("prod");
      const staging = parseStack("staging");
      assert.deepEqual(Object.keys(prod).sort(), Object.keys(staging).sort());
      assert.equal(prod.prometheus.replicas, 2);
      assert.equal(prod.alertmanager.replicas, 3);
      assert.equal(staging.prometheus.replicas, 1);
      assert.notEqual(prod.thresholds.controlPlaneErrorRatio, staging.thresholds.controlPlaneErrorRatio);
    });
  });

  describe("rejects bad input with the key path and what is allowed", () => {
    it(`tries at least 25 bad inputs (${BAD_CONFIG_CASES.length})`, () => {
      assert.ok(BAD_CONFIG_CASES.length >= 25);
    });

    for (const c of BAD_CONFIG_CASES) {
      it(c.name, () => {
        assert.throws(
          () => parseStack("prod", c.overrides()),
          (err: unknown) => {
            assert.ok(err instanceof StackConfigError, `expected StackConfigError, got ${String(err)}`);
            for (const m of c.mentions) {
              assert.ok(
                err.message.includes(m),
                `error should mention ${JSON.stringify(m)}:\n${err.message}`,
              );
            }
            return true;
          },
        );
      });
    }

    it("reports every problem at once, not just the first", () => {
      assert.throws(
        () =>
          parseStack("prod", {
            environment: "qa",
            grafanaHost: "x",
            prometheus: { ...stackValue("prod", "prometheus"), replicas: 9 },
          }),
        (err: StackConfigError) => err.problems.length === 3,
      );
    });
  });

  describe("fails the real program before any resource is registered", () => {
    for (const c of BAD_CONFIG_CASES.filter((_, i) => i % 4 === 0)) {
      it(c.name, async () => {
        const registered: string[] = [];
        await assert.rejects(
          runStack("prod", {
            overrides: c.overrides(),
            onResource: (r) => registered.push(`${r.type} ${r.name}`),
          }),
          StackConfigError,
        );
        assert.deepEqual(registered, []);
      });
    }
  });
});
