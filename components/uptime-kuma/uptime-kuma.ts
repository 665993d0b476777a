import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { COMMON_LABELS } from "../shared/labels";
import { CONTAINER_SECURITY, nonRootPodSecurity } from "../shared/pod-security";
import { IMAGES } from "../versions";
import {
  MIN_INTERVAL_SECONDS,
  UptimeKumaMonitor,
  UptimeKumaNotification,
  UptimeKumaStatusPage,
} from "./provider";

/**
 * The rootless image of an Uptime Kuma 2 release. From 2.0.0-beta on, push URLs also accept POST, which
 * is what Alertmanager's webhook sends (the 2.0.0-dev.0 npm package the tests run answers GET only).
 */
export const UPTIME_KUMA_IMAGE = `${IMAGES.uptimeKuma.repository}:${IMAGES.uptimeKuma.tag}`;

/** UID/GID of the rootless image's user. */
const RUN_AS = 1000;
const HTTP_PORT = 3001;

/** Chooses SQLite up front: a fresh data directory otherwise shows a database-choice page first. */
const DB_CONFIG = JSON.stringify({ type: "sqlite", client: "sqlite3" });

export interface PublicEndpoint {
  /** Stable name, part of the monitor's resource name. */
  readonly name: string;
  readonly url: string;
}

export interface TenantEndpoint {
  readonly tenant: string;
  readonly tier: "business" | "high";
  readonly url: string;
}

export interface UptimeKumaArgs {
  /**
   * kubeconfig context of the cluster Uptime Kuma runs in. Never the watched cluster: an outage there
   * must not take its external checks and its dead-man's switch down with it.
   */
  readonly context: string;
  readonly namespace: string;
  /** Public host of the UI, of the API Pulumi manages monitors through, and of the push URL. */
  readonly host: string;
  /** Size of the SQLite volume, e.g. `5Gi`. */
  readonly storageSize: string;
  /** StorageClass of the volume. Defaults to the cluster's default class. */
  readonly storageClass?: string;
  readonly ingressClassName: string;
  /** cert-manager ClusterIssuer of the ingress certificate. */
  readonly clusterIssuer: string;
  /** The control plane's public endpoints: checked, paged on, and listed on the status page. */
  readonly publicEndpoints: readonly PublicEndpoint[];
  /** Business and high tier tenants' endpoints: checked and paged on, not listed publicly. */
  readonly tenantEndpoints: readonly TenantEndpoint[];
  /** Grafana's base URL; its `/api/health` is checked (it answers 503 when its database is not ok). */
  readonly grafanaUrl: string;
  /** Slack incoming-webhook URL: every monitor reports there. */
  readonly slackWebhookUrl: pulumi.Input<string>;
  /**
   * PagerDuty Events API v2 integration key. When given, customer-facing monitors and the dead-man's
   * switch page through it; when absent (staging) no PagerDuty notification is created.
   */
  readonly pagerdutyIntegrationKey?: pulumi.Input<string>;
  /** Seconds between two checks of an endpoint. Defaults to 60. */
  readonly checkIntervalSeconds?: number;
  /**
   * Seconds of silence after which the dead-man's switch goes down. Alertmanager must push the Watchdog
   * more often than this. Defaults to 300.
   */
  readonly deadMansSwitchIntervalSeconds?: number;
  /** Defaults to `admin`. */
  readonly adminUsername?: string;
  /** Slug of the public status page (`/status/<slug>`). Defaults to `platform`. */
  readonly statusPageSlug?: string;
  /** Defaults to `Cameleer platform`. */
  readonly statusPageTitle?: string;
}

/**
 * Uptime Kuma: synthetic checks from outside the watched cluster, and the dead-man's switch of its
 * alerting. Deployed with its own Kubernetes provider into another cluster; its monitors, notifications
 * and status page are managed through its API by the dynamic providers of `./provider`.
 */
export class UptimeKuma extends pulumi.ComponentResource {
  /** The UI and API, `https://<host>`. */
  public readonly url: string;
  /** Alertmanager's Watchdog receiver URL; holds the push token, so it is a secret. */
  public readonly deadMansSwitchUrl: pulumi.Output<string>;
  public readonly deadMansSwitchIntervalSeconds: number;
  public readonly adminUsername: string;
  public readonly adminPassword: pulumi.Output<string>;
  public readonly statusPageUrl: string;
  public readonly monitors: UptimeKumaMonitor[];
  public readonly notifications: UptimeKumaNotification[];
  public readonly statusPage: UptimeKumaStatusPage;

  constructor(name: string, args: UptimeKumaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:uptime-kuma:UptimeKuma", name, {}, opts);
    const checkInterval = args.checkIntervalSeconds ?? 60;
    const deadMansSwitchInterval = args.deadMansSwitchIntervalSeconds ?? 300;
    for (const [key, value] of Object.entries({ checkInterval, deadMansSwitchInterval })) {
      if (!Number.isInteger(value) || value < MIN_INTERVAL_SECONDS) {
        throw new pulumi.ResourceError(
          `${key}Seconds must be an integer of at least ${MIN_INTERVAL_SECONDS}`,
          this,
        );
      }
    }
    this.adminUsername = args.adminUsername ?? "admin";
    this.deadMansSwitchIntervalSeconds = deadMansSwitchInterval;
    this.url = `https://${args.host}`;
    const slug = args.statusPageSlug ?? "platform";
    this.statusPageUrl = `${this.url}/status/${slug}`;

    const cluster = new k8s.Provider(
      `${name}-cluster`,
      { context: args.context, enableServerSideApply: true },
      { parent: this },
    );
    const inCluster = { parent: this, provider: cluster };
    const labels = {
      ...COMMON_LABELS,
      "app.kubernetes.io/name": "uptime-kuma",
      "app.kubernetes.io/instance": name,
    };
    const selector = { "app.kubernetes.io/name": "uptime-kuma", "app.kubernetes.io/instance": name };

    // Deleting a namespace deletes its volumes: both outlive the stack, so monitor history survives.
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespace,
          labels: { ...COMMON_LABELS, "pod-security.kubernetes.io/enforce": "restricted" },
        },
      },
      { ...inCluster, retainOnDelete: true },
    );
    const ns = namespace.metadata.name;

    const data = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      {
        metadata: { name: `${name}-data`, namespace: ns, labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: args.storageClass,
          resources: { requests: { storage: args.storageSize } },
        },
      },
      { ...inCluster, retainOnDelete: true },
    );

    const probe = (periodSeconds: number, failureThreshold: number) => ({
      httpGet: { path: "/api/entry-page", port: "http" },
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold,
    });
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name, namespace: ns, labels },
        spec: {
          replicas: 1,
          // One SQLite file on a ReadWriteOnce volume: never two pods at once.
          strategy: { type: "Recreate" },
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: nonRootPodSecurity(RUN_AS),
              initContainers: [
                {
                  name: "db-config",
                  image: UPTIME_KUMA_IMAGE,
                  command: [
                    "sh",
                    "-c",
                    `test -s /app/data/db-config.json || printf '%s' '${DB_CONFIG}' > /app/data/db-config.json`,
                  ],
                  volumeMounts: [{ name: "data", mountPath: "/app/data" }],
                  securityContext: CONTAINER_SECURITY,
                  resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
                },
              ],
              containers: [
                {
                  name: "uptime-kuma",
                  image: UPTIME_KUMA_IMAGE,
                  ports: [{ name: "http", containerPort: HTTP_PORT }],
                  env: [{ name: "UPTIME_KUMA_PORT", value: String(HTTP_PORT) }],
                  volumeMounts: [{ name: "data", mountPath: "/app/data" }],
                  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                  // Database migrations run before the server listens; give the first start time.
                  startupProbe: probe(5, 60),
                  readinessProbe: probe(10, 3),
                  livenessProbe: probe(30, 3),
                  securityContext: CONTAINER_SECURITY,
                },
              ],
              volumes: [{ name: "data", persistentVolumeClaim: { claimName: data.metadata.name } }],
            },
          },
        },
      },
      inCluster,
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name, namespace: ns, labels },
        spec: { selector, ports: [{ name: "http", port: 80, targetPort: "http" }] },
      },
      inCluster,
    );

    const ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          name,
          namespace: ns,
          labels,
          annotations: {
            "cert-manager.io/cluster-issuer": args.clusterIssuer,
            // The UI and the API are one long-lived socket.io websocket.
            "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
            "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
          },
        },
        spec: {
          ingressClassName: args.ingressClassName,
          tls: [{ hosts: [args.host], secretName: `${name}-tls` }],
          rules: [
            {
              host: args.host,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: service.metadata.name, port: { name: "http" } } },
                  },
                ],
              },
            },
          ],
        },
      },
      inCluster,
    );

    const adminPassword = new random.RandomPassword(
      `${name}-admin-password`,
      // Uptime Kuma refuses passwords without both letters and digits.
      { length: 32, special: false, minLower: 2, minUpper: 2, minNumeric: 2 },
      { parent: this },
    );
    this.adminPassword = pulumi.secret(adminPassword.result);
    const pushToken = new random.RandomPassword(
      `${name}-watchdog-push-token`,
      { length: 32, special: false, upper: true, lower: true, numeric: true },
      { parent: this },
    );
    this.deadMansSwitchUrl = pulumi.secret(
      pulumi.interpolate`${this.url}/api/push/${pushToken.result}?status=up&msg=Watchdog`,
    );

    // Through the ingress, once the server runs; the first operation creates the admin account.
    const connection = { url: this.url, username: this.adminUsername, password: this.adminPassword };
    const api: pulumi.CustomResourceOptions = { parent: this, dependsOn: [deployment, service, ingress] };

    const slack = new UptimeKumaNotification(
      `${name}-slack`,
      { connection, name: "Slack", type: "slack", settings: { slackwebhookURL: args.slackWebhookUrl } },
      api,
    );
    const pagerduty =
      args.pagerdutyIntegrationKey === undefined
        ? undefined
        : new UptimeKumaNotification(
            `${name}-pagerduty`,
            {
              connection,
              name: "PagerDuty",
              type: "PagerDuty",
              settings: {
                pagerdutyIntegrationKey: args.pagerdutyIntegrationKey,
                pagerdutyIntegrationUrl: "https://events.pagerduty.com/v2/enqueue",
                pagerdutyPriority: "critical",
                // Resolve the incident when the monitor is up again.
                pagerdutyAutoResolve: "resolve",
              },
            },
            api,
          );
    this.notifications = pagerduty ? [slack, pagerduty] : [slack];
    const paging = this.notifications.map((n) => n.id);
    const informing = [slack.id];

    const httpCheck = (
      resourceName: string,
      monitorName: string,
      url: string,
      notifications: pulumi.Output<string>[],
    ) =>
      new UptimeKumaMonitor(
        `${name}-${resourceName}`,
        {
          connection,
          name: monitorName,
          type: "http",
          url,
          intervalSeconds: checkInterval,
          // Two quick retries before DOWN: a single lost request does not page.
          retryIntervalSeconds: MIN_INTERVAL_SECONDS,
          maxRetries: 2,
          expiryNotification: true,
          notificationIds: notifications,
        },
        api,
      );

    const publicMonitors = args.publicEndpoints.map((e) =>
      httpCheck(`public-${e.name}`, `Control plane: ${e.name}`, e.url, paging),
    );
    const tenantMonitors = args.tenantEndpoints.map((t) =>
      httpCheck(`tenant-${t.tenant}`, `Tenant ${t.tenant} (${t.tier})`, t.url, paging),
    );
    const grafana = httpCheck(
      "grafana",
      "Grafana",
      `${args.grafanaUrl.replace(/\/$/, "")}/api/health`,
      informing,
    );
    const watchdog = new UptimeKumaMonitor(
      `${name}-watchdog`,
      {
        connection,
        name: "Alertmanager Watchdog (dead man's switch)",
        type: "push",
        pushToken: pushToken.result,
        intervalSeconds: deadMansSwitchInterval,
        maxRetries: 0,
        description:
          "Alertmanager pushes its always-firing Watchdog alert here; silence means alerting is down.",
        notificationIds: paging,
      },
      api,
    );
    this.monitors = [...publicMonitors, grafana, ...tenantMonitors, watchdog];

    this.statusPage = new UptimeKumaStatusPage(
      `${name}-status-page`,
      {
        connection,
        slug,
        title: args.statusPageTitle ?? "Cameleer platform",
        groups: [{ name: "Public endpoints", monitorIds: publicMonitors.map((m) => m.id) }],
      },
      api,
    );

    this.registerOutputs({
      url: this.url,
      deadMansSwitchUrl: this.deadMansSwitchUrl,
      deadMansSwitchIntervalSeconds: this.deadMansSwitchIntervalSeconds,
      adminUsername: this.adminUsername,
      adminPassword: this.adminPassword,
      statusPageUrl: this.statusPageUrl,
      monitors: this.monitors,
      notifications: this.notifications,
      statusPage: this.statusPage,
    });
  }
}
