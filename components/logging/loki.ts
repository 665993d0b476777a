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
  /** Requests (memory also the limit) of each Loki pod. Defaults to `{ cpu: 250m, memory: 1Gi }`. */
  readonly resources?: ComponentResources;
}

/** The schema every Loki of this platform starts with; a change of schema adds an entry, never edits. */
const SCHEMA_START = "2025-01-01";

/** Pods of the Loki chart (6.x): `single-binary`, `read`, `write`, `backend` or `gateway`. */
export type LokiComponent = "single-binary" | "read" | "write" | "backend" | "gateway";

/** The labels the Loki chart sets on a component's pods (its selector labels), for a release `name`. */
export function lokiPodLabels(name: string, component?: LokiComponent): Record<string, string> {
  return {
    "app.kubernetes.io/name": "loki",
    "app.kubernetes.io/instance": name,
    ...(component ? { "app.kubernetes.io/component": component } : {}),
  };
}

/** Never two replicas of a component on one node: losing a node costs one replica of each. */
function onePerNode(name: string, component: LokiComponent, hard: boolean) {
  const term = {
    labelSelector: { matchLabels: lokiPodLabels(name, component) },
    topologyKey: "kubernetes.io/hostname",
  };
  return {
    podAntiAffinity: hard
      ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
      : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
  };
}

/** Small sidecars and the gateway: the nginx gateway and the rules sidecar need little. */
const GATEWAY_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } };
const SIDECAR_RESOURCES = { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } };

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
      limits: resources.cpuLimit
        ? { cpu: resources.cpuLimit, memory: resources.memory }
        : { memory: resources.memory },
    };
    // The chart defaults some components to `enableStatefulSetAutoDeletePVC: true`, which deletes the
    // volumes with the StatefulSet (Kubernetes' own default retains them): logs must outlive a release.
    const persistence = (size: string) => ({
      enabled: true,
      size,
      storageClass: args.storageClass,
      enableStatefulSetAutoDeletePVC: false,
    });

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
      // The rules sidecar reads ConfigMaps of Loki's own namespace only, where the program puts the
      // log alert rules (AlertRules): with `searchNamespace: ALL` the chart bound a ClusterRole that
      // reads every Secret of the cluster, tenants' included.
      sidecar: {
        resources: SIDECAR_RESOURCES,
        rules: {
          enabled: true,
          label: Object.keys(LOKI_RULE_LABELS)[0],
          labelValue: Object.values(LOKI_RULE_LABELS)[0],
          folder: "/rules/fake",
          searchNamespace: args.namespace,
          resource: "configmap",
        },
      },
      // A Role and RoleBinding in the release's namespace instead of the ClusterRole and its binding.
      // The chart's Role still lists Secrets beside ConfigMaps (hard-coded in 6.x), but only there.
      rbac: { namespaced: true },
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
      // With more than one replica the chart adds a PodDisruptionBudget (maxUnavailable: 1) per
      // component; replication_factor 3 keeps writes accepted with one write pod down.
      write: scalable
        ? {
            replicas: args.replicas,
            resources: podResources,
            persistence: persistence("20Gi"),
            affinity: onePerNode(name, "write", true),
          }
        : { replicas: 0 },
      read: scalable
        ? { replicas: args.replicas, resources: podResources, affinity: onePerNode(name, "read", true) }
        : { replicas: 0 },
      backend: scalable
        ? {
            replicas: args.replicas,
            resources: podResources,
            persistence: persistence("10Gi"),
            affinity: onePerNode(name, "backend", true),
          }
        : { replicas: 0 },
      // Every push and query goes through the gateway: two of them where Loki itself is replicated.
      gateway: {
        enabled: true,
        replicas: scalable ? 2 : 1,
        resources: GATEWAY_RESOURCES,
        affinity: onePerNode(name, "gateway", false),
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
