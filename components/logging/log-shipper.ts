import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { helmRelease } from "../shared/helm";
import { COMMON_LABELS } from "../shared/labels";
import { CHARTS } from "../versions";

export interface LogShipperArgs {
  readonly namespace: pulumi.Input<string>;
  /** Loki's in-cluster URL (gateway). */
  readonly lokiUrl: pulumi.Input<string>;
  /** Becomes the `cluster` label of every stream. */
  readonly clusterName: string;
  /**
   * Namespaces whose logs are tenant data: never shipped to the platform log store. A regular
   * expression over the namespace name, e.g. `tenant-.+`.
   */
  readonly excludedNamespacePattern: string;
}

/** Alloy's configuration: tail the node's pod logs, drop tenant namespaces, label, push to Loki. */
export function alloyConfig(args: {
  lokiUrl: string;
  clusterName: string;
  excludedNamespacePattern: string;
}): string {
  const q = (s: string) => JSON.stringify(s);
  return `// Rendered by platform-monitoring (components/logging/log-shipper.ts). Do not edit by hand.
discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("NODE_NAME")
  }
}

discovery.relabel "platform_pods" {
  targets = discovery.kubernetes.pods.targets

  // Tenant namespaces hold tenant data; it never enters the platform log store.
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    regex         = ${q(args.excludedNamespacePattern)}
    action        = "drop"
  }
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_node_name"]
    target_label  = "node"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app"]
    regex         = "^;*([^;]+)(;.*)?$"
    target_label  = "app"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }
}

local.file_match "pods" {
  path_targets = discovery.relabel.platform_pods.output
}

loki.source.file "pods" {
  targets    = local.file_match.pods.targets
  forward_to = [loki.process.pods.receiver]
}

loki.process "pods" {
  stage.cri {}
  forward_to = [loki.write.platform.receiver]
}

loki.write "platform" {
  endpoint {
    url = ${q(`${args.lokiUrl}/loki/api/v1/push`)}
  }
  external_labels = {
    cluster = ${q(args.clusterName)},
  }
}
`;
}

/**
 * All {@link alloyConfig} reads from the Kubernetes API: the pods of every namespace, which
 * `discovery.kubernetes` lists and watches to find the node's containers. Logs are read from the
 * node's files, never through the API, so no `pods/log`; no node, namespace, ConfigMap or Secret.
 */
export const ALLOY_RBAC_RULES = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];

/**
 * Grafana Alloy as a DaemonSet, shipping platform pod logs to Loki.
 *
 * The pinned chart (1.2.1) hard-codes its ClusterRole: get/list/watch on every Secret and ConfigMap
 * of the cluster (for `remote.kubernetes.*`), events, nodes, monitoring CRDs. Its `rbac.rules` only
 * arrive in chart 1.4.0. So the chart creates no RBAC here, and this component binds the chart's
 * service account to a ClusterRole of {@link ALLOY_RBAC_RULES} only.
 */
export class LogShipper extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  public readonly clusterRole: k8s.rbac.v1.ClusterRole;
  public readonly clusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding;

  constructor(name: string, args: LogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:logging:LogShipper", name, {}, opts);
    // Cluster-scoped, so named apart from the chart's former `<name>` ClusterRole, which Helm deletes
    // on the upgrade that stops rendering it.
    const rbacName = `${name}-pods`;
    this.clusterRole = new k8s.rbac.v1.ClusterRole(
      rbacName,
      { metadata: { name: rbacName, labels: COMMON_LABELS }, rules: ALLOY_RBAC_RULES },
      { parent: this },
    );
    this.clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(
      rbacName,
      {
        metadata: { name: rbacName, labels: COMMON_LABELS },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: rbacName },
        subjects: [{ kind: "ServiceAccount", name, namespace: args.namespace }],
      },
      { parent: this, dependsOn: [this.clusterRole] },
    );
    const config = pulumi.output(args.lokiUrl).apply((lokiUrl) =>
      alloyConfig({
        lokiUrl,
        clusterName: args.clusterName,
        excludedNamespacePattern: args.excludedNamespacePattern,
      }),
    );
    const values = {
      fullnameOverride: name,
      controller: { type: "daemonset" },
      alloy: {
        // No anonymous usage reports to Grafana Labs from inside the cluster.
        enableReporting: false,
        configMap: { create: true, content: config },
        mounts: { varlog: true },
        extraEnv: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      },
      // The config-reloader sidecar; the chart's default requests have no limit.
      configReloader: {
        resources: { requests: { cpu: "5m", memory: "16Mi" }, limits: { memory: "32Mi" } },
      },
      serviceMonitor: { enabled: true },
      // The chart's own ClusterRole reads every Secret of the cluster; the binding above replaces it.
      rbac: { create: false },
      // Named explicitly: the binding above refers to this service account by name.
      serviceAccount: { create: true, name },
    };
    this.release = helmRelease(
      `${name}-release`,
      { releaseName: name, namespace: args.namespace, chart: CHARTS.alloy, values },
      // The new binding exists before the upgrade that removes the chart's, so discovery never stops.
      { parent: this, dependsOn: [this.clusterRoleBinding] },
    );
    this.registerOutputs({
      release: this.release,
      clusterRole: this.clusterRole,
      clusterRoleBinding: this.clusterRoleBinding,
    });
  }
}
