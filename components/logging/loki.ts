import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LOKI_RULE_LABELS } from "../shared/labels";
import { helmRelease } from "../shared/helm";
import { CHARTS } from "../versions";
import type { ComponentResources } from "../core/monitoring-core";

export type LokiStorage =
  | { readonly type: "filesystem"; readonly size: string }
  | {
      readonly type: "s3";
      readonly chunksBucket: string;
      readonly rulerBucket: string;
      readonly region: string;
      readonly roleArn: string;
    };

export interface LokiArgs {
  readonly namespace: pulumi.Input<string>;
  /** `single-binary`: one pod on a volume. `scalable`: read/write/backend on object storage. */
  readonly mode: "single-binary" | "scalable";
  /** How long logs are kept, e.g. `30d`. */
  readonly retention: string;
  /** Replicas of each of read, write and backend in scalable mode. */
  readonly replicas: number;
  readonly storage: LokiStorage;
  readonly storageClass: string;
  /** Where the ruler sends alerts from LogQL rules. */
  readonly alertmanagerUrl: pulumi.Input<string>;
  readonly resources?: ComponentResources;
}

/** The schema every Loki of this platform starts with; a change of schema adds an entry, never edits. */
const SCHEMA_START = "2025-01-01";

/**
 * Loki for platform logs (control plane, monitoring, Flux, ingress): never tenant data, which has its
 * own store. The ruler evaluates LogQL alert rules from ConfigMaps labelled {@link LOKI_RULE_LABELS}
 * and sends to Alertmanager like Prometheus does.
 */
export class Loki extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  /** In-cluster push/query URL (the gateway). */
  public readonly url: pulumi.Output<string>;
  /** Prefix of the `job` label of Loki's own metrics (`<namespace>/<job>`). */
  public readonly jobPattern: string;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:logging:Loki", name, {}, opts);
    const scalable = args.mode === "scalable";
    const objectStore = args.storage.type === "s3" ? "s3" : "filesystem";
    const resources = args.resources ?? { cpu: "250m", memory: "1Gi" };
    const podResources = {
      requests: { cpu: resources.cpu, memory: resources.memory },
      limits: { memory: resources.memory },
    };
    const persistence = (size: string) => ({ enabled: true, size, storageClass: args.storageClass });

    const storage =
      args.storage.type === "s3"
        ? {
            type: "s3",
            bucketNames: {
              chunks: args.storage.chunksBucket,
              ruler: args.storage.rulerBucket,
              admin: args.storage.chunksBucket,
            },
            s3: { region: args.storage.region },
          }
        : { type: "filesystem" };

    const values = {
      fullnameOverride: name,
      deploymentMode: scalable ? "SimpleScalable" : "SingleBinary",
      loki: {
        auth_enabled: false,
        commonConfig: { replication_factor: scalable ? 3 : 1 },
        schemaConfig: {
          configs: [
            {
              from: SCHEMA_START,
              store: "tsdb",
              object_store: objectStore,
              schema: "v13",
              index: { prefix: "loki_index_", period: "24h" },
            },
          ],
        },
        storage,
        limits_config: {
          retention_period: args.retention,
          reject_old_samples: true,
          reject_old_samples_max_age: "168h",
          max_query_lookback: args.retention,
        },
        compactor: { retention_enabled: true, delete_request_store: objectStore },
        rulerConfig: {
          alertmanager_url: args.alertmanagerUrl,
          enable_alertmanager_v2: true,
          enable_api: true,
          storage: { type: "local", local: { directory: "/rules" } },
          rule_path: "/tmp/loki/rules-temp",
        },
      },
      // With auth disabled every stream belongs to the tenant "fake": rule files go to its folder.
      sidecar: {
        rules: {
          enabled: true,
          label: Object.keys(LOKI_RULE_LABELS)[0],
          labelValue: Object.values(LOKI_RULE_LABELS)[0],
          folder: "/rules/fake",
          searchNamespace: "ALL",
        },
      },
      serviceAccount: {
        create: true,
        annotations: args.storage.type === "s3" ? { "eks.amazonaws.com/role-arn": args.storage.roleArn } : {},
      },
      singleBinary: scalable
        ? { replicas: 0 }
        : {
            replicas: 1,
            resources: podResources,
            persistence: persistence(args.storage.type === "filesystem" ? args.storage.size : "10Gi"),
          },
      write: scalable
        ? { replicas: args.replicas, resources: podResources, persistence: persistence("20Gi") }
        : { replicas: 0 },
      read: scalable ? { replicas: args.replicas, resources: podResources } : { replicas: 0 },
      backend: scalable
        ? { replicas: args.replicas, resources: podResources, persistence: persistence("10Gi") }
        : { replicas: 0 },
      gateway: {
        enabled: true,
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      },
      // The memcached caches default to gigabytes of memory; platform-log volume does not need them.
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      lokiCanary: { enabled: false },
      test: { enabled: false },
      minio: { enabled: false },
      monitoring: {
        serviceMonitor: { enabled: true },
        selfMonitoring: { enabled: false, grafanaAgent: { installOperator: false } },
        dashboards: { enabled: false },
        rules: { enabled: false },
      },
    };

    this.release = helmRelease(
      `${name}-release`,
      { releaseName: name, namespace: args.namespace, chart: CHARTS.loki, values },
      { parent: this },
    );
    this.url = pulumi.interpolate`http://${name}-gateway.${args.namespace}.svc`;
    this.jobPattern = `${name}.*`;
    this.registerOutputs({ release: this.release, url: this.url, jobPattern: this.jobPattern });
  }
}
