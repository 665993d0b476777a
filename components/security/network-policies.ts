import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { lokiPodLabels } from "../logging/loki";
import { SLA_REPORT_POD_LABELS } from "../slo/sla-report-job";
import { COMMON_LABELS } from "../shared/labels";

/** Helm release names the program gives the charts: their pods' labels carry them. */
export interface MonitoringReleases {
  /** kube-prometheus-stack (Prometheus, Alertmanager, Grafana, the operator). */
  readonly core: string;
  readonly loki: string;
  /** The Alloy DaemonSet. */
  readonly logShipper: string;
}

export interface MonitoringNetworkPoliciesArgs {
  readonly namespace: pulumi.Input<string>;
  /** Namespace of the ingress controller that serves the Grafana, Prometheus and Alertmanager UIs. */
  readonly ingressControllerNamespace: string;
  readonly releases: MonitoringReleases;
}

/** Ports that cross a pod boundary inside the monitoring namespace. */
export const MONITORING_PORTS = {
  prometheusWeb: 9090,
  alertmanagerWeb: 9093,
  /** Alertmanager cluster gossip, TCP and UDP. */
  alertmanagerMesh: 9094,
  grafanaHttp: 3000,
  lokiHttp: 3100,
  lokiGrpc: 9095,
  lokiMemberlist: 7946,
  /** The Loki gateway's nginx (its Service's port 80). */
  lokiGateway: 8080,
  /** The operator's HTTPS port: admission webhook and metrics. */
  operatorWebhook: 10250,
} as const;

type LabelSelector = k8s.types.input.meta.v1.LabelSelector;
type PolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type PolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

/**
 * Pod selectors of the monitoring namespace's components, from the labels the charts set:
 * - Prometheus: `app.kubernetes.io/name: prometheus` and `operator.prometheus.io/name: <CR>`, the
 *   selector of kube-prometheus-stack's own Service (with `cleanPrometheusOperatorObjectNames` the CR
 *   is named like the release);
 * - Alertmanager: `app.kubernetes.io/name: alertmanager`, as the chart's own NetworkPolicy selects it;
 * - Grafana: the subchart's `app.kubernetes.io/name: grafana` and `instance: <release>`;
 * - the operator: `app: kube-prometheus-stack-operator` and `release: <release>`, its Deployment's
 *   selector;
 * - Loki and Alloy: `app.kubernetes.io/name` and `instance: <release>`, Loki's components by
 *   `app.kubernetes.io/component`.
 */
export function monitoringPodSelectors(releases: MonitoringReleases) {
  return {
    all: {} as LabelSelector,
    prometheus: {
      matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": releases.core },
    },
    alertmanager: { matchLabels: { "app.kubernetes.io/name": "alertmanager" } },
    grafana: {
      matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": releases.core },
    },
    operator: { matchLabels: { app: "kube-prometheus-stack-operator", release: releases.core } },
    loki: { matchLabels: lokiPodLabels(releases.loki) },
    /** The ruler runs in the backend (scalable) or the single binary. */
    lokiRuler: {
      matchLabels: lokiPodLabels(releases.loki),
      matchExpressions: [
        { key: "app.kubernetes.io/component", operator: "In", values: ["backend", "single-binary"] },
      ],
    },
    alloy: {
      matchLabels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": releases.logShipper },
    },
    /** The monthly SLA report's job, which queries Prometheus. */
    slaReport: { matchLabels: { ...SLA_REPORT_POD_LABELS } },
  } satisfies Record<string, LabelSelector>;
}

/** One NetworkPolicy of the set: its suffix, the pods it guards and who may reach them. */
export interface PolicySpec {
  readonly suffix: string;
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes: ["Ingress"];
    readonly ingress: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
  };
}

const tcp = (...ports: number[]): PolicyPort[] => ports.map((port) => ({ protocol: "TCP", port }));

/**
 * The monitoring namespace's ingress rules: deny by default, then admit exactly the flows the platform
 * needs. Prometheus may reach every pod (it scrapes them all: exporters, Grafana, Loki, Alertmanager,
 * the operator, Alloy and the other Prometheus replica); nothing else reaches an exporter.
 */
export function networkPolicySpecs(args: {
  readonly ingressControllerNamespace: string;
  readonly releases: MonitoringReleases;
}): PolicySpec[] {
  const pods = monitoringPodSelectors(args.releases);
  const P = MONITORING_PORTS;
  const from = (podSelector: LabelSelector): PolicyPeer => ({ podSelector });
  const ingressController: PolicyPeer = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.ingressControllerNamespace } },
  };
  const ingress = (podSelector: LabelSelector, rules: PolicySpec["spec"]["ingress"]) => ({
    podSelector,
    policyTypes: ["Ingress"] as ["Ingress"],
    ingress: rules,
  });
  return [
    { suffix: "default-deny-ingress", spec: ingress(pods.all, []) },
    { suffix: "prometheus-scrape", spec: ingress(pods.all, [{ from: [from(pods.prometheus)] }]) },
    {
      suffix: "prometheus",
      spec: ingress(pods.prometheus, [
        { from: [from(pods.grafana), from(pods.slaReport), ingressController], ports: tcp(P.prometheusWeb) },
      ]),
    },
    {
      suffix: "alertmanager",
      spec: ingress(pods.alertmanager, [
        {
          from: [from(pods.prometheus), from(pods.lokiRuler), ingressController],
          ports: tcp(P.alertmanagerWeb),
        },
        {
          from: [from(pods.alertmanager)],
          ports: [...tcp(P.alertmanagerMesh), { protocol: "UDP", port: P.alertmanagerMesh }],
        },
      ]),
    },
    {
      suffix: "grafana",
      spec: ingress(pods.grafana, [{ from: [ingressController], ports: tcp(P.grafanaHttp) }]),
    },
    {
      suffix: "loki",
      spec: ingress(pods.loki, [
        { from: [from(pods.alloy), from(pods.grafana)], ports: tcp(P.lokiGateway, P.lokiHttp) },
        // read, write, backend and gateway talk among themselves: HTTP, gRPC and memberlist gossip.
        { from: [from(pods.loki)] },
      ]),
    },
    {
      // The API server calls the admission webhook from outside any pod network: no peer to name.
      suffix: "operator-webhook",
      spec: ingress(pods.operator, [{ ports: tcp(P.operatorWebhook) }]),
    },
  ];
}

/**
 * NetworkPolicies of the monitoring namespace: default-deny ingress, then one policy per component
 * admitting only its clients (see {@link networkPolicySpecs} and docs/security.md). Egress is open:
 * Prometheus scrapes the whole cluster and Alertmanager reaches PagerDuty and Slack.
 */
export class MonitoringNetworkPolicies extends pulumi.ComponentResource {
  public readonly policies: k8s.networking.v1.NetworkPolicy[];

  constructor(name: string, args: MonitoringNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:security:MonitoringNetworkPolicies", name, {}, opts);
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(args.ingressControllerNamespace)) {
      throw new pulumi.ResourceError(
        `ingressControllerNamespace must be a namespace name, got "${args.ingressControllerNamespace}"`,
        this,
      );
    }
    const policy = (p: PolicySpec, dependsOn: pulumi.Resource[]) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${p.suffix}`,
        {
          metadata: { name: `${name}-${p.suffix}`, namespace: args.namespace, labels: { ...COMMON_LABELS } },
          spec: p.spec,
        },
        { parent: this, dependsOn },
      );
    // A policy that selects every pod isolates them all the moment it exists: those come last, so a
    // first deployment never cuts a flow the component policies are about to admit.
    const specs = networkPolicySpecs(args);
    const isolatesAll = (p: PolicySpec) => Object.keys(p.spec.podSelector).length === 0;
    const admitting = specs.filter((p) => !isolatesAll(p)).map((p) => policy(p, []));
    const isolating = specs.filter(isolatesAll).map((p) => policy(p, admitting));
    this.policies = [...isolating, ...admitting];
    this.registerOutputs({ policies: this.policies });
  }
}
