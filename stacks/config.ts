/**
 * Typed, validated stack configuration.
 *
 * Every value a stack may set is declared here once, with its range and its default. A stack's
 * `Pulumi.<stack>.yaml` is parsed against this schema before any resource is registered; a typo, a
 * wrong type, an out-of-range number or an unknown tier fails `pulumi preview` with a message that names
 * the key path and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { z } from "zod";
import { durationSeconds } from "../components/shared/duration";
import { MICROMETER_TIMER_BUCKETS, micrometerLe } from "../components/shared/micrometer";

/** The Pulumi project name, which namespaces every config key (`platform-monitoring:<key>`). */
export const PROJECT = "platform-monitoring";

export const AREAS = [
  "control-plane",
  "tenants",
  "shared-services",
  "kubernetes",
  "billing",
  "monitoring",
] as const;
export type Area = (typeof AREAS)[number];

export const TIERS = ["standard", "business", "high"] as const;
export type Tier = (typeof TIERS)[number];

const durationPattern = /^([0-9]+(ms|s|m|h|d|w|y))+$/;

const duration = z
  .string()
  .regex(durationPattern, { message: "must be a Prometheus duration such as 30s, 5m, 15d" });
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|Pi|k|M|G|T)?$/, {
  message: "must be a Kubernetes quantity such as 500m, 2Gi, 100Gi",
});
const byteSize = z
  .string()
  .regex(/^[0-9]+(KB|MB|GB|TB|PB)$/, { message: "must be a Prometheus byte size such as 180GB" });
const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/, {
    message: "must be a lower-case DNS host name such as grafana.ops.example.com",
  });
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: "must be a DNS-1123 label (a-z, 0-9, -)" });
const httpsUrl = z
  .url({ protocol: /^https$/, message: "must be an https:// URL" })
  .refine((u) => !u.endsWith("/"), { message: "must not end with /" });
const httpUrl = z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" });
const ratio = (min: number, max: number) => z.number().min(min).max(max);
const percent = z.number().gt(0).lt(100);
const slackChannel = z
  .string()
  .regex(/^#[a-z0-9][a-z0-9._-]{0,79}$/, { message: "must be a Slack channel such as #alerts-billing" });

const resources = z.strictObject({
  /** CPU request, e.g. `500m`. */
  cpu: quantity,
  /** Memory request and limit (the same, so the pod is never OOM-killed for bursting), e.g. `4Gi`. */
  memory: quantity,
  /** CPU limit. Defaults to no CPU limit (throttling hurts latency more than it protects neighbours). */
  cpuLimit: quantity.optional(),
});
export type Resources = z.infer<typeof resources>;

const kubernetesSchema = z.strictObject({
  /** Name of the watched cluster; becomes the `cluster` external label on every series. */
  clusterName: dnsLabel,
  /** kubeconfig context to deploy into. Defaults to the current context of the ambient kubeconfig. */
  context: z.string().min(1).optional(),
  /** StorageClass for every persistent volume the stack creates. */
  storageClass: dnsLabel,
});

const namespacesSchema = z.strictObject({
  /** Namespace the monitoring stack is deployed into. Defaults to `monitoring`. */
  monitoring: dnsLabel.default("monitoring"),
  /** Namespace of the control plane `cameleer-saas`. Defaults to `cameleer-system`. */
  controlPlane: dnsLabel.default("cameleer-system"),
  /** Prefix of every tenant namespace (`tenant-<id>`). Defaults to `tenant-`. */
  tenantPrefix: z
    .string()
    .regex(/^[a-z0-9][-a-z0-9]*-$/, { message: "must be a namespace prefix ending in -, such as tenant-" })
    .default("tenant-"),
  /** Namespace of the Flux controllers. Defaults to `flux-system`. */
  flux: dnsLabel.default("flux-system"),
  /** Namespace of cert-manager. Defaults to `cert-manager`. */
  certManager: dnsLabel.default("cert-manager"),
});

const ingressSchema = z.strictObject({
  /** IngressClass of the public ingress controller. */
  className: dnsLabel,
  /** cert-manager ClusterIssuer that signs the ingress certificates. */
  clusterIssuer: dnsLabel,
  grafanaHost: hostname,
  alertmanagerHost: hostname,
  prometheusHost: hostname,
  /**
   * Forward-auth endpoint (oauth2-proxy) in front of the Prometheus and Alertmanager UIs, which have no
   * login of their own. Grafana has its own login and is not behind it.
   */
  authUrl: httpsUrl,
  /** Where the forward-auth endpoint sends a user who is not signed in. */
  authSignInUrl: httpsUrl,
  /**
   * Namespace of the ingress controller pods; the monitoring namespace's NetworkPolicies admit the
   * UIs' traffic from it only. Defaults to `ingress-nginx`.
   */
  controllerNamespace: dnsLabel.default("ingress-nginx"),
});

const prometheusSchema = z.strictObject({
  /** Prometheus replicas; 2 or more makes an HA pair with a PodDisruptionBudget. */
  replicas: z.int().min(1).max(5),
  /** How long samples are kept, e.g. `30d`. */
  retention: duration,
  /** Upper bound on the TSDB size; must fit in `storageSize` with room for the WAL. */
  retentionSize: byteSize,
  storageSize: quantity,
  /** Defaults to `30s`. */
  scrapeInterval: duration.default("30s"),
  /** Defaults to `30s`. */
  evaluationInterval: duration.default("30s"),
  /**
   * Evaluation interval of the paging (critical) alert groups: shorter than the global one, because a
   * page is due `for` after the fault and every evaluation phase adds to it. Defaults to `15s`.
   */
  pagingEvaluationInterval: duration.default("15s"),
  resources,
});

const alertmanagerSchema = z.strictObject({
  /** Alertmanager replicas; they gossip, so an odd number (3 in prod) survives one loss. */
  replicas: z.int().min(1).max(5),
  storageSize: quantity,
  /** How long silences and notification state are kept. Defaults to `120h`. */
  retention: duration.default("120h"),
  resources,
});

/**
 * Grafana runs one replica on SQLite (a volume): dashboards, folders and data sources are all managed
 * by this program, so losing the volume costs users' preferences only. More replicas would need an
 * external database, which must not be the platform database it monitors.
 */
const grafanaSchema = z.strictObject({
  storageSize: quantity,
  resources,
});

const lokiStorageSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("filesystem"),
      /** Size of the single-binary volume. */
      size: quantity,
    }),
    z.strictObject({
      type: z.literal("s3"),
      /** Bucket for chunks; platform logs only, never tenant data. */
      chunksBucket: z.string().min(3),
      /** Bucket for the ruler. */
      rulerBucket: z.string().min(3),
      region: z.string().min(1),
      /** IAM role assumed through the service account (IRSA): no static keys. */
      roleArn: z.string().regex(/^arn:aws:iam::[0-9]{12}:role\/.+$/, { message: "must be an IAM role ARN" }),
    }),
  ],
  { error: () => 'must have type "filesystem" (with size) or "s3" (with buckets, region and roleArn)' },
);

const lokiSchema = z
  .strictObject({
    /** `single-binary` (one pod, filesystem) or `scalable` (read/write/backend, object storage). */
    mode: z.enum(["single-binary", "scalable"]),
    /** How long platform logs are kept, e.g. `30d`. */
    retention: duration,
    /** Replicas of each of read/write/backend in scalable mode; ignored in single-binary mode. */
    replicas: z.int().min(1).max(10).default(1),
    storage: lokiStorageSchema,
    /**
     * Requests (and memory limit) of each Loki pod: the single binary, or each read, write and backend
     * replica. Defaults to `{ cpu: 250m, memory: 1Gi }`.
     */
    resources: resources.default({ cpu: "250m", memory: "1Gi" }),
  })
  .refine((l) => (l.mode === "scalable") === (l.storage.type === "s3"), {
    message: "mode scalable needs storage.type s3; mode single-binary needs storage.type filesystem",
    path: ["mode"],
  });

const exportersSchema = z.strictObject({
  postgres: z.strictObject({
    host: hostname.or(dnsLabel),
    port: z.int().min(1).max(65535).default(5432),
    database: z.string().min(1),
    user: z.string().min(1),
    sslMode: z.enum(["disable", "require", "verify-ca", "verify-full"]).default("verify-full"),
  }),
  opensearch: z.strictObject({
    /** OpenSearch REST endpoint the elasticsearch_exporter queries. */
    url: httpUrl,
    user: z.string().min(1),
  }),
});

const endpointSchema = z.strictObject({
  name: dnsLabel,
  url: httpsUrl,
});

const controlPlaneSchema = z.strictObject({
  /** In-cluster base URL of the control plane's actuator (probed for liveness/readiness). */
  actuatorUrl: httpUrl,
  /** Public endpoints probed from inside (blackbox) for availability and TLS expiry. */
  publicEndpoints: z
    .array(endpointSchema)
    .min(1)
    .superRefine((list, ctx) => duplicates(list, ctx, (e) => e.name, "name")),
});

/** Thresholds that differ per environment. Every alert that has a tunable number reads it from here. */
const thresholdsSchema = z.strictObject({
  /** Ratio of 5xx responses over all control-plane responses that pages. Defaults to 0.05. */
  controlPlaneErrorRatio: ratio(0.001, 0.5).default(0.05),
  /** p99 control-plane latency (seconds) that pages. Defaults to 2.5. */
  controlPlaneLatencyP99Seconds: z.number().min(0.1).max(60).default(2.5),
  /** 5xx ratio of one endpoint that warns. Defaults to 0.1. */
  endpointErrorRatio: ratio(0.001, 0.9).default(0.1),
  /** p99 latency (seconds) of one endpoint that warns. Defaults to 3. */
  endpointLatencyP99Seconds: z.number().min(0.1).max(120).default(3),
  /** Requests per second below which an endpoint is too quiet to judge. Defaults to 0.05. */
  endpointMinRequestRate: z.number().min(0).max(100).default(0.05),
  /** Ratio of failed tenant provisioning runs that pages. Defaults to 0.2. */
  provisioningFailureRatio: ratio(0.01, 1).default(0.2),
  /** p95 provisioning duration (seconds) that warns. Defaults to 300. */
  provisioningP95Seconds: z.number().min(10).max(7200).default(300),
  /** Provisioning queue depth that warns. Defaults to 20. */
  provisioningQueueDepth: z.int().min(1).max(10000).default(20),
  /** Heap used/max that warns. Defaults to 0.9. */
  jvmHeapRatio: ratio(0.5, 0.99).default(0.9),
  /** Fraction of wall time spent in GC pauses that warns. Defaults to 0.1. */
  jvmGcTimeRatio: ratio(0.01, 0.9).default(0.1),
  /** Active/max HikariCP connections that, with waiting threads, means exhaustion. Defaults to 0.95. */
  hikariSaturationRatio: ratio(0.5, 1).default(0.95),
  /** Failed logins and rejected tokens per second that warns. Defaults to 5. */
  authFailureRate: z.number().min(0.01).max(10000).default(5),
  /** Days before a JWT signing key expires that warns. Defaults to 14. */
  jwtKeyExpiryWarningDays: z.int().min(1).max(90).default(14),
  /** Days before a TLS certificate expires that warns. Defaults to 14. */
  certificateExpiryWarningDays: z.int().min(1).max(90).default(14),
  /** Days before a TLS certificate expires that pages. Defaults to 3. */
  certificateExpiryCriticalDays: z.int().min(1).max(30).default(3),
  /** Persistent volume usage that warns. Defaults to 0.8. */
  volumeUsageWarning: ratio(0.5, 0.99).default(0.8),
  /** Persistent volume usage that pages. Defaults to 0.9. */
  volumeUsageCritical: ratio(0.5, 0.999).default(0.9),
  /** ResourceQuota usage that warns. Defaults to 0.9. */
  quotaUsageRatio: ratio(0.5, 1).default(0.9),
  /** Container restarts in an hour that count as restarting frequently. Defaults to 5. */
  podRestartsPerHour: z.int().min(1).max(1000).default(5),
  /** Ratio of failed ingest events of a tenant server that warns. Defaults to 0.05. */
  ingestFailureRatio: ratio(0.001, 1).default(0.05),
  /** PostgreSQL connections / max_connections that warns. Defaults to 0.8. */
  postgresConnectionRatio: ratio(0.3, 0.99).default(0.8),
  /** Replication lag (seconds) that warns. Defaults to 30. */
  postgresReplicationLagSeconds: z.number().min(1).max(86400).default(30),
  /** Dead tuples in one table that warn (with a dead ratio above 20 %). Defaults to 1e6. */
  postgresDeadTuples: z.int().min(1000).max(1e10).default(1_000_000),
  /** Days without autovacuum, on a table with dead tuples, that warn. Defaults to 7. */
  postgresAutovacuumMaxAgeDays: z.int().min(1).max(90).default(7),
  /** Mean statement time (seconds) per database that warns. Defaults to 0.5. */
  postgresMeanQuerySeconds: z.number().min(0.001).max(600).default(0.5),
  /** OpenSearch data disk usage that warns (the low watermark is 85 %). Defaults to 0.8. */
  opensearchDiskWarning: ratio(0.5, 0.99).default(0.8),
  /** OpenSearch data disk usage that pages (the high watermark is 90 %). Defaults to 0.88. */
  opensearchDiskCritical: ratio(0.5, 0.99).default(0.88),
  /** Mean OpenSearch query time (seconds) that warns. Defaults to 0.5. */
  opensearchMeanQuerySeconds: z.number().min(0.001).max(600).default(0.5),
  /** Seconds since the last successful metering run that pages. Defaults to 3600. */
  meteringStaleSeconds: z.int().min(300).max(86400).default(3600),
  /** Usage-report lag (seconds) that warns. Defaults to 7200. */
  usageReportLagSeconds: z.int().min(300).max(604800).default(7200),
  /** Ratio of failed Stripe webhook deliveries that warns. Defaults to 0.05. */
  stripeWebhookFailureRatio: ratio(0.001, 1).default(0.05),
  /** Ratio of scrape targets of one job down that warns. Defaults to 0.1. */
  targetsDownRatio: ratio(0.01, 1).default(0.1),
});
export type Thresholds = z.infer<typeof thresholdsSchema>;

const pagerdutyTarget = z.strictObject({
  type: z.enum(["user", "schedule"]),
  /** PagerDuty object ID, e.g. `PABC123`. */
  id: z.string().regex(/^P[A-Z0-9]{5,13}$/, { message: "must be a PagerDuty ID such as PXYZ123" }),
});

const pagerdutySchema = z.strictObject({
  /** Whether this stack creates PagerDuty services and pages through them. */
  enabled: z.boolean(),
  escalation: z
    .array(
      z.strictObject({
        /** Minutes before the incident escalates to the next level. */
        delayMinutes: z.int().min(1).max(1440),
        targets: z.array(pagerdutyTarget).min(1),
      }),
    )
    .min(1)
    .max(10)
    .optional(),
  /** Times the escalation loops before giving up. Defaults to 2. */
  numLoops: z.int().min(0).max(9).default(2),
  /** Scheduled maintenance windows (no paging), ISO 8601 with offset. */
  maintenanceWindows: z
    .array(
      z
        .strictObject({
          description: z.string().min(1),
          start: z.iso.datetime({ offset: true }),
          end: z.iso.datetime({ offset: true }),
          areas: z.array(z.enum(AREAS)).min(1),
        })
        .refine((w) => Date.parse(w.end) > Date.parse(w.start), { message: "end must be after start" }),
    )
    .default([]),
});

const slackSchema = z.strictObject({
  /** One channel per owning area; warnings of that area go there. */
  channels: z.strictObject(
    Object.fromEntries(AREAS.map((a) => [a, slackChannel])) as Record<Area, typeof slackChannel>,
  ),
});

const opsgenieSchema = z.strictObject({
  enabled: z.boolean(),
  /** Opsgenie team that receives critical alerts in addition to PagerDuty. */
  team: z.string().min(1).optional(),
});

const receiversSchema = z
  .strictObject({
    pagerduty: pagerdutySchema,
    slack: slackSchema,
    opsgenie: opsgenieSchema.default({ enabled: false }),
  })
  .refine((r) => !r.pagerduty.enabled || r.pagerduty.escalation !== undefined, {
    message: "pagerduty.escalation is required when pagerduty.enabled is true",
    path: ["pagerduty", "escalation"],
  })
  .refine((r) => !r.opsgenie.enabled || r.opsgenie.team !== undefined, {
    message: "opsgenie.team is required when opsgenie.enabled is true",
    path: ["opsgenie", "team"],
  });

const tierSchema = z
  .strictObject({
    /** Internal objective, percent; alerts burn against it. */
    slo: percent,
    /** Contractual availability, percent; must not exceed the SLO. */
    sla: percent,
  })
  .refine((t) => t.sla <= t.slo, { message: "sla must not be higher than slo", path: ["sla"] });

const tiersSchema = z.strictObject({ standard: tierSchema, business: tierSchema, high: tierSchema });

/** Latency thresholds an SLI can count requests under: Micrometer's bucket bounds from 0.1 s to 10 s. */
export const LATENCY_SLO_BOUNDS = MICROMETER_TIMER_BUCKETS.filter((b) => b >= 0.1 && b <= 10);

const controlPlaneSloSchema = z.strictObject({
  /** Share of control-plane API requests (actuator excluded) answered without a 5xx, percent. Defaults to 99.9. */
  availability: percent.default(99.9),
  /** Share of control-plane API requests answered within `latencyThresholdSeconds`, percent. Defaults to 99. */
  latency: percent.default(99),
  /**
   * The latency SLI's threshold. It counts the requests of one histogram bucket, so it must be a bound
   * Micrometer publishes (see components/shared/micrometer.ts). Defaults to 1.073741824 (about 1 s).
   */
  latencyThresholdSeconds: z
    .number()
    .refine((v) => LATENCY_SLO_BOUNDS.includes(v), {
      message:
        "must be a bucket bound of the control plane's Micrometer histogram: " +
        LATENCY_SLO_BOUNDS.map(micrometerLe).join(", "),
    })
    .default(1.073741824),
});

const sloSchema = z.strictObject({
  /**
   * Requests per second below which a tenant's (or the control plane's) failed requests are counted
   * against this rate instead of the real one: a few failed requests of a tenant that served a few
   * more are not an outage. At 1, a quiet high-tier tenant pages after some 26 failed requests in an
   * hour, not after two. Defaults to 1.
   */
  minRequestRate: z.number().min(0.001).max(1000).default(1),
  controlPlane: controlPlaneSloSchema.default(controlPlaneSloSchema.parse({})),
});

const cronField = "(\\*|[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)(/[0-9]+)?";
const slaReportSchema = z.strictObject({
  /** Whether the monthly SLA report runs in the cluster (a CronJob writing to a volume). */
  enabled: z.boolean(),
  /**
   * When it runs, a five-field cron schedule in UTC; each run reports the month before. Defaults to
   * `30 0 1 * *`: 00:30 on the 1st.
   */
  schedule: z
    .string()
    .regex(new RegExp(`^${cronField}( ${cronField}){4}$`), {
      message: "must be a five-field cron schedule such as 30 0 1 * *",
    })
    .default("30 0 1 * *"),
  /** Tiers the report covers. Defaults to every tier. */
  tiers: z
    .array(z.enum(TIERS))
    .min(1)
    .superRefine((list, ctx) => duplicates(list, ctx, (t) => t, "tier"))
    .default([...TIERS]),
  /** Volume the reports are kept on. Defaults to `2Gi` (a month's report is a few hundred kB per 1,000 tenants). */
  storageSize: quantity.default("2Gi"),
});

/** Prometheus must still hold the whole month when the report runs: 31 days and the hours since. */
export const SLA_REPORT_MIN_RETENTION_DAYS = 32;

const uptimeKumaSchema = z.strictObject({
  /** kubeconfig context of the cluster Uptime Kuma runs in: never the watched one. */
  context: z.string().min(1),
  namespace: dnsLabel.default("uptime-kuma"),
  host: hostname,
  storageSize: quantity.default("5Gi"),
  /** Public endpoints of business and high tier tenants, checked from outside. */
  tenantEndpoints: z
    .array(z.strictObject({ tenant: dnsLabel, tier: z.enum(["business", "high"]), url: httpsUrl }))
    .default([])
    .superRefine((list, ctx) => duplicates(list, ctx, (e) => e.url, "url"))
    .superRefine((list, ctx) => duplicates(list, ctx, (e) => e.tenant, "tenant")),
});

/** The shape of everything under `platform-monitoring:` in a stack's config. */
export const stackConfigSchema = z
  .strictObject({
    environment: z.enum(["prod", "staging"]),
    runbookBaseUrl: httpsUrl,
    kubernetes: kubernetesSchema,
    namespaces: namespacesSchema.default(namespacesSchema.parse({})),
    ingress: ingressSchema,
    prometheus: prometheusSchema,
    alertmanager: alertmanagerSchema,
    grafana: grafanaSchema,
    loki: lokiSchema,
    exporters: exportersSchema,
    controlPlane: controlPlaneSchema,
    thresholds: thresholdsSchema.default(thresholdsSchema.parse({})),
    receivers: receiversSchema,
    tiers: tiersSchema,
    slo: sloSchema.default(sloSchema.parse({})),
    slaReport: slaReportSchema.default(slaReportSchema.parse({ enabled: false })),
    uptimeKuma: uptimeKumaSchema,
  })
  .refine((c) => c.thresholds.volumeUsageCritical > c.thresholds.volumeUsageWarning, {
    message: "volumeUsageCritical must be higher than volumeUsageWarning",
    path: ["thresholds", "volumeUsageCritical"],
  })
  .refine((c) => c.thresholds.opensearchDiskCritical > c.thresholds.opensearchDiskWarning, {
    message: "opensearchDiskCritical must be higher than opensearchDiskWarning",
    path: ["thresholds", "opensearchDiskCritical"],
  })
  .refine((c) => c.thresholds.certificateExpiryCriticalDays < c.thresholds.certificateExpiryWarningDays, {
    message: "certificateExpiryCriticalDays must be lower than certificateExpiryWarningDays",
    path: ["thresholds", "certificateExpiryCriticalDays"],
  })
  .refine((c) => c.tiers.standard.slo <= c.tiers.business.slo && c.tiers.business.slo <= c.tiers.high.slo, {
    message: "tier SLOs must not decrease from standard to business to high",
    path: ["tiers"],
  })
  .refine((c) => c.uptimeKuma.context !== c.kubernetes.context, {
    message:
      "must name another cluster than kubernetes.context: Uptime Kuma checks the watched cluster from outside",
    path: ["uptimeKuma", "context"],
  })
  .refine(
    (c) =>
      !c.slaReport.enabled ||
      // A malformed retention has its own error already.
      !durationPattern.test(c.prometheus.retention) ||
      durationSeconds(c.prometheus.retention) >= SLA_REPORT_MIN_RETENTION_DAYS * 86400,
    {
      message:
        `must be at least ${SLA_REPORT_MIN_RETENTION_DAYS}d while slaReport.enabled is true: ` +
        "the report of a 31-day month runs after it ends and reads all of it",
      path: ["prometheus", "retention"],
    },
  );

export type PlainStackConfig = z.infer<typeof stackConfigSchema>;

/**
 * Secret config keys: set with `pulumi config set --secret`, never read as plain values. Each is
 * `required` in every stack or only when the feature that uses it is on.
 */
export const SECRET_KEYS = {
  /** Slack incoming-webhook URL used for every warning channel. */
  slackWebhookUrl: () => true,
  /** Password of the read-only `postgres_exporter` database user. */
  postgresExporterPassword: () => true,
  /** Password of the OpenSearch monitoring user. */
  opensearchExporterPassword: () => true,
  /** PagerDuty REST API token of the provider, when PagerDuty is enabled. */
  pagerdutyToken: (c: RawConfig) => lookup(c, ["receivers", "pagerduty", "enabled"]) === true,
  /** Opsgenie API key, when Opsgenie is enabled. */
  opsgenieApiKey: (c: RawConfig) => lookup(c, ["receivers", "opsgenie", "enabled"]) === true,
} as const satisfies Record<string, (c: RawConfig) => boolean>;
export type SecretKey = keyof typeof SECRET_KEYS;

/** Config values before validation: each key's value, objects parsed. */
type RawConfig = Record<string, unknown>;

/** A value deep inside unvalidated config, or undefined if any step is missing. */
function lookup(values: RawConfig, path: string[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined),
    values,
  );
}

/** The validated config, with secrets as Pulumi secret outputs (absent when the feature is off). */
export type StackConfig = PlainStackConfig & {
  readonly secrets: { readonly [K in SecretKey]: pulumi.Output<string> | undefined };
};

/** Raised for invalid stack config; the message lists every problem with its key path. */
export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

function duplicates<T>(list: T[], ctx: z.RefinementCtx, key: (t: T) => string, field: string): void {
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [i, field],
        message: `duplicate ${field} "${k}" (also at index ${first})`,
      });
    } else {
      seen.set(k, i);
    }
  });
}

const TOP_LEVEL_KEYS = Object.keys(stackConfigSchema.shape);

/** Allowed keys of the (strict) object schema found at `path`, to help fix an unrecognised key. */
function allowedKeysAt(path: readonly PropertyKey[]): string[] | undefined {
  let schema: z.ZodType | undefined = stackConfigSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    const shape = objectShape(schema);
    if (shape && typeof segment === "string") {
      schema = shape[segment];
    } else if (schema instanceof z.ZodArray) {
      schema = schema.element as z.ZodType;
    } else {
      return undefined;
    }
  }
  const shape = objectShape(unwrap(schema));
  return shape ? Object.keys(shape) : undefined;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s: unknown = schema;
  for (let i = 0; i < 10 && s; i++) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional) {
      s = s.def.innerType;
    } else if (s instanceof z.ZodPipe) {
      s = s.def.in;
    } else {
      break;
    }
  }
  return s as z.ZodType | undefined;
}

function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  return schema instanceof z.ZodObject ? schema.shape : undefined;
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => {
    if (typeof seg === "number") return `${acc}[${seg}]`;
    return acc === "" ? `${PROJECT}:${String(seg)}` : `${acc}.${String(seg)}`;
  }, "");
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys.map(
      (k) =>
        `${keyPath([...issue.path, k])}: unknown key` +
        (allowed ? `; allowed keys here: ${allowed.join(", ")}` : ""),
    );
  }
  return [`${keyPath(issue.path)}: ${issue.message}`];
}

/**
 * Validates the plain (non-secret) part of a stack's config. `values` maps each key without the
 * project prefix to its value (objects already parsed from JSON). Throws {@link StackConfigError}.
 */
export function parsePlainConfig(values: Record<string, unknown>): PlainStackConfig {
  const problems: string[] = [];
  const secretNames = Object.keys(SECRET_KEYS);
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (secretNames.includes(k)) continue;
    if (!TOP_LEVEL_KEYS.includes(k)) {
      problems.push(
        `${PROJECT}:${k}: unknown key; allowed keys: ${[...TOP_LEVEL_KEYS, ...secretNames].sort().join(", ")}`,
      );
      continue;
    }
    plain[k] = v;
  }
  const result = stackConfigSchema.safeParse(plain, {
    error: (iss) => (iss.input === undefined ? "is required" : undefined),
  });
  if (!result.success) {
    problems.push(...result.error.issues.flatMap(describeIssue));
  }
  if (problems.length > 0 || !result.success) throw new StackConfigError(problems);
  return result.data;
}

/**
 * Validates secrets: every required secret is present, is non-empty and was set as a secret
 * (`pulumi config set --secret`), so it is encrypted in the stack file.
 */
function checkSecrets(values: RawConfig, isSecret: (key: string) => boolean): string[] {
  const problems: string[] = [];
  for (const [key, required] of Object.entries(SECRET_KEYS)) {
    const v = values[key];
    if (v === undefined) {
      if (required(values)) {
        problems.push(`${PROJECT}:${key}: is required; set it with \`pulumi config set --secret ${key}\``);
      }
    } else if (typeof v !== "string" || v.length === 0) {
      problems.push(`${PROJECT}:${key}: must be a non-empty string`);
    } else if (!isSecret(key)) {
      problems.push(
        `${PROJECT}:${key}: is a credential and must be stored encrypted; set it with \`pulumi config set --secret ${key}\``,
      );
    }
  }
  return problems;
}

/**
 * Parses raw stack config: `raw` maps each key without the project prefix to its string value as
 * Pulumi stores it (objects as JSON). `isSecret` says whether a key was set with `--secret`.
 */
export function parseStackConfig(
  raw: Record<string, string>,
  isSecret: (key: string) => boolean,
): StackConfig {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    values[k] = decode(k, v, problems);
  }
  let plain: PlainStackConfig | undefined;
  try {
    plain = parsePlainConfig(values);
  } catch (e) {
    if (!(e instanceof StackConfigError)) throw e;
    problems.push(...e.problems);
  }
  problems.push(...checkSecrets(values, isSecret));
  if (problems.length > 0 || !plain) throw new StackConfigError(problems);
  const secrets = Object.fromEntries(
    Object.keys(SECRET_KEYS).map((k) => {
      const v = values[k];
      return [k, typeof v === "string" ? pulumi.secret(v) : undefined];
    }),
  ) as StackConfig["secrets"];
  return { ...plain, secrets };
}

function decode(key: string, value: string, problems: string[]): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      problems.push(`${PROJECT}:${key}: is not valid structured config (JSON/YAML object or list)`);
      return undefined;
    }
  }
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(trimmed)) return Number(trimmed);
  return value;
}

/**
 * Whether a key was set with `--secret`. The SDK marks this function internal, but it is the check
 * `Config.get` itself uses to warn about secrets read as plain values; no public API answers it.
 */
const isConfigSecret = (key: string): boolean =>
  (runtimeConfig as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret(key);

/** Reads and validates the current stack's config from the Pulumi runtime. */
export function loadStackConfig(): StackConfig {
  const prefix = `${PROJECT}:`;
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    if (k.startsWith(prefix)) raw[k.slice(prefix.length)] = v;
  }
  return parseStackConfig(raw, (key) => isConfigSecret(`${prefix}${key}`));
}
