import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { helmRelease } from "../shared/helm";
import { opaqueSecret } from "../shared/secrets";
import { CHARTS, IMAGES } from "../versions";

export interface PostgresExporterArgs {
  readonly namespace: pulumi.Input<string>;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** A read-only user with `pg_monitor`. */
  readonly user: string;
  readonly password: pulumi.Input<string>;
  readonly sslMode: "disable" | "require" | "verify-ca" | "verify-full";
}

/**
 * postgres_exporter for the platform database, with the pg_stat_statements collector on (query
 * latency). The password is mounted from a Secret, never put into Helm values.
 */
export class PostgresExporter extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  /** The `job` label of its series. */
  public readonly job: string;

  constructor(name: string, args: PostgresExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:exporters:PostgresExporter", name, {}, opts);
    const credentials = opaqueSecret(
      `${name}-credentials`,
      { namespace: args.namespace, data: { password: args.password } },
      { parent: this },
    );
    const values = {
      fullnameOverride: name,
      image: { repository: IMAGES.postgresExporter.repository, tag: IMAGES.postgresExporter.tag },
      config: {
        datasource: {
          host: args.host,
          port: String(args.port),
          database: args.database,
          user: args.user,
          sslmode: args.sslMode,
          passwordSecret: { name: `${name}-credentials`, key: "password" },
        },
        disableDefaultMetrics: false,
        disableSettingsMetrics: false,
      },
      extraArgs: ["--collector.stat_statements", "--collector.stat_user_tables", "--collector.replication"],
      serviceMonitor: { enabled: true, interval: "30s", scrapeTimeout: "25s" },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      // It talks to PostgreSQL only: no Kubernetes API token, no Role (the chart's only grants a
      // PodSecurityPolicy, gone since Kubernetes 1.25).
      automountServiceAccountToken: false,
      rbac: { create: false, pspEnabled: false },
      podSecurityContext: {
        runAsNonRoot: true,
        runAsUser: 65534,
        seccompProfile: { type: "RuntimeDefault" },
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      },
    };
    this.release = helmRelease(
      `${name}-release`,
      { releaseName: name, namespace: args.namespace, chart: CHARTS.postgresExporter, values },
      { parent: this, dependsOn: [credentials] },
    );
    this.job = name;
    this.registerOutputs({ release: this.release, job: this.job });
  }
}
