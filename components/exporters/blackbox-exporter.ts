import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { helmRelease } from "../shared/helm";
import { operatorResource } from "../shared/operator-resources";
import { CHARTS, IMAGES } from "../versions";

export interface ProbeTarget {
  /** Stable name of the target, the `target` label of its series. */
  readonly name: string;
  readonly url: string;
}

export interface BlackboxExporterArgs {
  readonly namespace: pulumi.Input<string>;
  /** Plain namespace name, for the in-cluster prober address. */
  readonly namespaceName: string;
  /** Control-plane actuator base URL; `/actuator/health/{liveness,readiness}` are probed. */
  readonly actuatorUrl: string;
  /** Public endpoints: availability and certificate expiry. */
  readonly publicEndpoints: readonly ProbeTarget[];
  readonly interval: string;
}

/** The blackbox modules, by name. Every Probe names one of these. */
export const BLACKBOX_MODULES = {
  /** Spring Boot health groups answer 200 when UP and 503 when DOWN. */
  actuatorHealth: "http_actuator_health",
  /** Any 2xx after redirects, over verified TLS. */
  https2xx: "https_2xx",
} as const;

/**
 * The blackbox exporter and the Probes it runs: the control plane's liveness and readiness (as
 * Kubernetes would see them, but from Prometheus, so a failing probe is an alert, not just a restart)
 * and the public endpoints (availability and TLS expiry).
 */
export class BlackboxExporter extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  public readonly probes: k8s.apiextensions.CustomResource[];
  /** The `job` label of every probe series. */
  public readonly job: string;

  constructor(name: string, args: BlackboxExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:exporters:BlackboxExporter", name, {}, opts);
    const values = {
      fullnameOverride: name,
      image: {
        registry: "quay.io",
        repository: "prometheus/blackbox-exporter",
        tag: IMAGES.blackboxExporter.tag,
      },
      config: {
        modules: {
          [BLACKBOX_MODULES.actuatorHealth]: {
            prober: "http",
            timeout: "5s",
            http: { valid_status_codes: [200], preferred_ip_protocol: "ip4", follow_redirects: false },
          },
          [BLACKBOX_MODULES.https2xx]: {
            prober: "http",
            timeout: "10s",
            http: {
              valid_status_codes: [],
              preferred_ip_protocol: "ip4",
              follow_redirects: true,
              fail_if_not_ssl: true,
            },
          },
        },
      },
      serviceMonitor: { selfMonitor: { enabled: true } },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      // Probes need no Kubernetes API (the chart's default, stated because the policy checks it).
      automountServiceAccountToken: false,
    };
    this.release = helmRelease(
      `${name}-release`,
      { releaseName: name, namespace: args.namespace, chart: CHARTS.blackboxExporter, values },
      { parent: this },
    );
    this.job = name;
    const prober = { url: `${name}.${args.namespaceName}.svc:9115`, path: "/probe", scheme: "http" };
    const probe = (probeName: string, module: string, targets: string[], labels: Record<string, string>) =>
      operatorResource(
        "Probe",
        `${name}-${probeName}`,
        {
          namespace: args.namespace,
          spec: {
            jobName: this.job,
            interval: args.interval,
            scrapeTimeout: "15s",
            module,
            prober,
            targets: { staticConfig: { static: targets, labels } },
          },
        },
        { parent: this, dependsOn: [this.release] },
      );
    const actuator = args.actuatorUrl.replace(/\/$/, "");
    this.probes = [
      probe(
        "control-plane-liveness",
        BLACKBOX_MODULES.actuatorHealth,
        [`${actuator}/actuator/health/liveness`],
        {
          probe: "liveness",
          service: "cameleer-saas",
        },
      ),
      probe(
        "control-plane-readiness",
        BLACKBOX_MODULES.actuatorHealth,
        [`${actuator}/actuator/health/readiness`],
        {
          probe: "readiness",
          service: "cameleer-saas",
        },
      ),
      ...args.publicEndpoints.map((e) =>
        probe(`public-${e.name}`, BLACKBOX_MODULES.https2xx, [e.url], { probe: "public", target: e.name }),
      ),
    ];
    this.registerOutputs({ release: this.release, probes: this.probes, job: this.job });
  }
}
