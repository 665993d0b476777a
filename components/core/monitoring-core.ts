import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { COMMON_LABELS, RULE_SELECTOR_LABELS } from "../shared/labels";
import { helmRelease } from "../shared/helm";
import { opaqueSecret } from "../shared/secrets";
import { CHARTS } from "../versions";

export interface ComponentResources {
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit?: string;
}

export interface IngressSettings {
  readonly className: string;
  readonly clusterIssuer: string;
  readonly grafanaHost: string;
  readonly alertmanagerHost: string;
  readonly prometheusHost: string;
  /** Forward-auth endpoint guarding the Prometheus and Alertmanager UIs. */
  readonly authUrl: string;
  readonly authSignInUrl: string;
}

export interface MonitoringCoreArgs {
  readonly namespace: pulumi.Input<string>;
  /** Becomes the `cluster` external label of every series and alert. */
  readonly clusterName: string;
  /** Becomes the `environment` external label of every series and alert. */
  readonly environment: string;
  readonly storageClass: string;
  readonly ingress: IngressSettings;
  readonly prometheus: {
    readonly replicas: number;
    readonly retention: string;
    readonly retentionSize: string;
    readonly storageSize: string;
    readonly scrapeInterval: string;
    readonly evaluationInterval: string;
    readonly resources: ComponentResources;
  };
  readonly alertmanager: {
    readonly replicas: number;
    readonly retention: string;
    readonly storageSize: string;
    readonly resources: ComponentResources;
    /** Secret holding `alertmanager.yaml`; created by the alert-delivery component. */
    readonly configSecretName: string;
    /** Secrets mounted at `/etc/alertmanager/secrets/<name>/` for the `*_file` receiver fields. */
    readonly mountedSecretNames: readonly string[];
  };
  readonly grafana: {
    readonly storageSize: string;
    readonly resources: ComponentResources;
  };
}

/** Prometheus `job` labels of the targets this component deploys, for rules and dashboards. */
export interface CoreJobs {
  readonly prometheus: string;
  readonly alertmanager: string;
  readonly grafana: string;
  readonly operator: string;
  readonly kubeStateMetrics: string;
  readonly nodeExporter: string;
  readonly kubelet: string;
}

/** Requests/limits of the chart's small helpers; the big three are sized from stack config. */
const HELPER_RESOURCES = {
  operator: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
  kubeStateMetrics: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
  nodeExporter: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
  configReloader: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
  /** The admission webhook's certificate Jobs (install and upgrade hooks). */
  webhookCertJobs: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
} as const;

/**
 * Helm's annotation that keeps an object on `helm uninstall` (and so on `pulumi destroy` of the
 * release). Grafana's PVC is a template of the release, unlike the StatefulSet volumes of Prometheus
 * and Alertmanager, which the StatefulSet controller creates and no uninstall deletes.
 */
export const HELM_KEEP = { "helm.sh/resource-policy": "keep" } as const;

function podResources(r: ComponentResources) {
  return {
    requests: { cpu: r.cpu, memory: r.memory },
    // Memory limit equals the request: a monitoring pod that bursts into OOM is worse than one that
    // is sized honestly. No CPU limit unless asked for: throttled Prometheus misses evaluations.
    limits: r.cpuLimit ? { cpu: r.cpuLimit, memory: r.memory } : { memory: r.memory },
  };
}

function volumeClaim(storageClass: string, size: string) {
  return {
    volumeClaimTemplate: {
      spec: {
        storageClassName: storageClass,
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: size } },
      },
    },
  };
}

/** Ingress for a UI with no login of its own: TLS plus forward authentication. */
function protectedIngress(host: string, ingress: IngressSettings) {
  return {
    enabled: true,
    ingressClassName: ingress.className,
    annotations: {
      "cert-manager.io/cluster-issuer": ingress.clusterIssuer,
      "nginx.ingress.kubernetes.io/auth-url": ingress.authUrl,
      "nginx.ingress.kubernetes.io/auth-signin": ingress.authSignInUrl,
    },
    hosts: [host],
    paths: ["/"],
    pathType: "Prefix",
    tls: [{ secretName: `${host.split(".")[0]}-tls`, hosts: [host] }],
  };
}

/**
 * The monitoring core: kube-prometheus-stack (Prometheus operator, Prometheus, Alertmanager, Grafana,
 * kube-state-metrics, node-exporter). The chart's own alerting rules and dashboards are off: every
 * alert and dashboard comes from this program's catalog, so every alert has an owner, a runbook
 * and a route.
 */
export class MonitoringCore extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  public readonly grafanaUrl: string;
  public readonly prometheusUrl: string;
  public readonly alertmanagerUrl: string;
  /** In-cluster URLs, for data sources and for the Loki ruler. */
  public readonly prometheusServiceUrl: pulumi.Output<string>;
  public readonly alertmanagerServiceUrl: pulumi.Output<string>;
  public readonly grafanaAdminUser: string;
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  public readonly jobs: CoreJobs;

  /** The job labels a core named `name` produces: the chart derives them from its full name. */
  static jobsFor(name: string): CoreJobs {
    return {
      prometheus: `${name}-prometheus`,
      alertmanager: `${name}-alertmanager`,
      grafana: `${name}-grafana`,
      operator: `${name}-operator`,
      kubeStateMetrics: "kube-state-metrics",
      nodeExporter: "node-exporter",
      kubelet: "kubelet",
    };
  }

  constructor(name: string, args: MonitoringCoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:core:MonitoringCore", name, {}, opts);
    const { prometheus, alertmanager, grafana, ingress } = args;

    this.grafanaAdminUser = "admin";
    const adminPassword = new random.RandomPassword(
      `${name}-grafana-admin`,
      { length: 32, special: false },
      { parent: this },
    );
    this.grafanaAdminPassword = pulumi.secret(adminPassword.result);
    // Grafana encrypts data-source secrets with `security.secret_key`, whose default is public.
    const secretKey = new random.RandomPassword(
      `${name}-grafana-secret-key`,
      { length: 40, special: false },
      { parent: this },
    );
    const adminSecret = opaqueSecret(
      `${name}-grafana-admin`,
      {
        namespace: args.namespace,
        data: {
          "admin-user": this.grafanaAdminUser,
          "admin-password": this.grafanaAdminPassword,
          "secret-key": pulumi.secret(secretKey.result),
        },
      },
      { parent: this },
    );

    const values = {
      fullnameOverride: name,
      cleanPrometheusOperatorObjectNames: true,
      commonLabels: COMMON_LABELS,
      crds: { enabled: false },
      // Every alert comes from our catalog; the chart's rules have no owning area and no route.
      defaultRules: { create: false },
      // On managed control planes these endpoints cannot be scraped and would only alert as down.
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeEtcd: { enabled: false },
      kubeProxy: { enabled: false },
      prometheusOperator: {
        resources: HELPER_RESOURCES.operator,
        prometheusConfigReloader: { resources: HELPER_RESOURCES.configReloader },
        admissionWebhooks: { patch: { resources: HELPER_RESOURCES.webhookCertJobs } },
      },
      prometheus: {
        podDisruptionBudget: { enabled: prometheus.replicas > 1, minAvailable: 1 },
        ingress: protectedIngress(ingress.prometheusHost, ingress),
        prometheusSpec: {
          replicas: prometheus.replicas,
          retention: prometheus.retention,
          retentionSize: prometheus.retentionSize,
          scrapeInterval: prometheus.scrapeInterval,
          evaluationInterval: prometheus.evaluationInterval,
          externalLabels: { cluster: args.clusterName, environment: args.environment },
          externalUrl: `https://${ingress.prometheusHost}`,
          walCompression: true,
          podAntiAffinity: "hard",
          resources: podResources(prometheus.resources),
          storageSpec: volumeClaim(args.storageClass, prometheus.storageSize),
          // The *SelectorNilUsesHelmValues trap: left at true, Prometheus only loads objects labelled
          // `release: <this release>` and silently ignores ours.
          ruleSelectorNilUsesHelmValues: false,
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
          scrapeConfigSelectorNilUsesHelmValues: false,
          ruleSelector: { matchLabels: RULE_SELECTOR_LABELS },
          ruleNamespaceSelector: {},
          serviceMonitorSelector: {},
          serviceMonitorNamespaceSelector: {},
          podMonitorSelector: {},
          podMonitorNamespaceSelector: {},
          probeSelector: {},
          probeNamespaceSelector: {},
          scrapeConfigSelector: {},
          scrapeConfigNamespaceSelector: {},
        },
      },
      alertmanager: {
        podDisruptionBudget: {
          enabled: alertmanager.replicas > 1,
          minAvailable: Math.max(1, alertmanager.replicas - 1),
        },
        ingress: protectedIngress(ingress.alertmanagerHost, ingress),
        alertmanagerSpec: {
          replicas: alertmanager.replicas,
          retention: alertmanager.retention,
          externalUrl: `https://${ingress.alertmanagerHost}`,
          podAntiAffinity: "hard",
          resources: podResources(alertmanager.resources),
          storage: volumeClaim(args.storageClass, alertmanager.storageSize),
          useExistingSecret: true,
          configSecret: alertmanager.configSecretName,
          secrets: [...alertmanager.mountedSecretNames],
        },
      },
      grafana: {
        fullnameOverride: `${name}-grafana`,
        defaultDashboardsEnabled: false,
        admin: {
          existingSecret: `${name}-grafana-admin`,
          userKey: "admin-user",
          passwordKey: "admin-password",
        },
        envValueFrom: {
          GF_SECURITY_SECRET_KEY: { secretKeyRef: { name: `${name}-grafana-admin`, key: "secret-key" } },
        },
        // Data sources and dashboards are managed through the Grafana provider, not the sidecars.
        sidecar: { dashboards: { enabled: false }, datasources: { enabled: false } },
        persistence: {
          enabled: true,
          type: "pvc",
          storageClassName: args.storageClass,
          size: grafana.storageSize,
          annotations: HELM_KEEP,
        },
        // The chart's default init container chowns the volume as root; the pod's fsGroup already
        // gives Grafana's user the volume.
        initChownData: { enabled: false },
        // A ReadWriteOnce volume cannot be shared by the old and the new pod of a rolling update.
        deploymentStrategy: { type: "Recreate" },
        resources: podResources(grafana.resources),
        serviceMonitor: { enabled: true },
        ingress: {
          enabled: true,
          ingressClassName: ingress.className,
          annotations: { "cert-manager.io/cluster-issuer": ingress.clusterIssuer },
          hosts: [ingress.grafanaHost],
          path: "/",
          tls: [{ secretName: `${ingress.grafanaHost.split(".")[0]}-tls`, hosts: [ingress.grafanaHost] }],
        },
        "grafana.ini": {
          server: { root_url: `https://${ingress.grafanaHost}` },
          "auth.anonymous": { enabled: false },
          "auth.basic": { enabled: true },
          users: { allow_sign_up: false, allow_org_create: false },
          security: { cookie_secure: true, disable_gravatar: true, disable_initial_admin_creation: false },
          analytics: { reporting_enabled: false, check_for_updates: false },
          snapshots: { external_enabled: false },
        },
      },
      "kube-state-metrics": {
        resources: HELPER_RESOURCES.kubeStateMetrics,
        // Tenants and their tiers are read from namespace labels at query time.
        metricLabelsAllowlist: [
          "namespaces=[cameleer.io/tenant,cameleer.io/tier]",
          "pods=[app.kubernetes.io/name,app.kubernetes.io/part-of]",
        ],
      },
      "prometheus-node-exporter": {
        resources: HELPER_RESOURCES.nodeExporter,
        // The node's name as `node`, as kube-state-metrics labels it: node alerts then join and
        // inhibit across both sources.
        prometheus: {
          monitor: {
            relabelings: [
              { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" },
            ],
          },
        },
      },
    };

    this.release = helmRelease(
      `${name}-release`,
      { releaseName: name, namespace: args.namespace, chart: CHARTS.kubePrometheusStack, values },
      { parent: this, dependsOn: [adminSecret] },
    );

    this.grafanaUrl = `https://${ingress.grafanaHost}`;
    this.prometheusUrl = `https://${ingress.prometheusHost}`;
    this.alertmanagerUrl = `https://${ingress.alertmanagerHost}`;
    this.prometheusServiceUrl = pulumi.interpolate`http://${name}-prometheus.${args.namespace}.svc:9090`;
    this.alertmanagerServiceUrl = pulumi.interpolate`http://${name}-alertmanager.${args.namespace}.svc:9093`;
    this.jobs = MonitoringCore.jobsFor(name);

    this.registerOutputs({
      release: this.release,
      grafanaUrl: this.grafanaUrl,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      prometheusServiceUrl: this.prometheusServiceUrl,
      alertmanagerServiceUrl: this.alertmanagerServiceUrl,
      grafanaAdminUser: this.grafanaAdminUser,
      grafanaAdminPassword: this.grafanaAdminPassword,
      jobs: this.jobs,
    });
  }
}
