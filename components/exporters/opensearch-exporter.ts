import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { helmRelease } from "../shared/helm";
import { opaqueSecret } from "../shared/secrets";
import { CHARTS, IMAGES } from "../versions";

export interface OpenSearchExporterArgs {
  readonly namespace: pulumi.Input<string>;
  /** OpenSearch REST endpoint. */
  readonly url: string;
  readonly user: string;
  readonly password: pulumi.Input<string>;
}

/**
 * elasticsearch_exporter pointed at OpenSearch (its cluster-health, node and index APIs are
 * compatible). Credentials come from a Secret as environment variables, never from Helm values.
 */
export class OpenSearchExporter extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  public readonly job: string;

  constructor(name: string, args: OpenSearchExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:exporters:OpenSearchExporter", name, {}, opts);
    const secretName = `${name}-credentials`;
    const credentials = opaqueSecret(
      secretName,
      { namespace: args.namespace, data: { username: args.user, password: args.password } },
      { parent: this },
    );
    const values = {
      fullnameOverride: name,
      image: { repository: IMAGES.elasticsearchExporter.repository, tag: IMAGES.elasticsearchExporter.tag },
      es: {
        uri: args.url,
        all: true,
        indices: true,
        indices_settings: true,
        shards: true,
        cluster_settings: true,
        timeout: "25s",
        sslSkipVerify: false,
      },
      extraEnvSecrets: {
        ES_USERNAME: { secret: secretName, key: "username" },
        ES_PASSWORD: { secret: secretName, key: "password" },
      },
      serviceMonitor: { enabled: true, interval: "30s", scrapeTimeout: "25s" },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      // It talks to OpenSearch only: the chart runs it as the namespace's default service account,
      // whose API token it must not carry.
      serviceAccount: { automountServiceAccountToken: false },
    };
    this.release = helmRelease(
      `${name}-release`,
      { releaseName: name, namespace: args.namespace, chart: CHARTS.elasticsearchExporter, values },
      { parent: this, dependsOn: [credentials] },
    );
    this.job = name;
    this.registerOutputs({ release: this.release, job: this.job });
  }
}
