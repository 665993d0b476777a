import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { RuleContext } from "../alerts/context";
import { sortKeys, stableJson } from "../shared/serialize";
import { LOKI_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID } from "./common";
import { allDashboards, FOLDERS, type FolderKey } from "./index";
import { dashboardUrl, slugify, type DashboardKey } from "./registry";

export interface GrafanaDashboardsArgs {
  /** Grafana's external URL (`https://grafana.ops.example.com`): the provider's endpoint and link base. */
  readonly grafanaUrl: string;
  /** Grafana admin user the provider signs in as. */
  readonly adminUser: string;
  /** Its password; kept a Pulumi secret, as is the provider's `user:password` auth built from it. */
  readonly adminPassword: pulumi.Input<string>;
  /** In-cluster URL of Prometheus, for the Prometheus data source. */
  readonly prometheusUrl: pulumi.Input<string>;
  /** In-cluster URL of Loki's gateway, for the Loki data source. */
  readonly lokiUrl: pulumi.Input<string>;
  /** The alert catalog's context: the dashboards use its selectors, thresholds and runbook links. */
  readonly context: RuleContext;
  /**
   * Prometheus's scrape interval; Grafana derives `$__rate_interval` from it (four scrapes at least).
   * Defaults to `30s`, the stack config's default.
   */
  readonly scrapeInterval?: string;
}

/** JSON for a provider's `*Encoded` argument: sorted keys, no trailing newline. */
function encoded(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * The platform's dashboards in Grafana, through the Grafana provider (Grafana's sidecars are off):
 * the two data sources with the fixed UIDs the panels refer to, a folder for platform and one for
 * tenant dashboards, and one dashboard per model of {@link allDashboards}.
 */
export class GrafanaDashboards extends pulumi.ComponentResource {
  public readonly provider: grafana.Provider;
  public readonly folders: Readonly<Record<FolderKey, grafana.oss.Folder>>;
  public readonly dataSources: {
    readonly prometheus: grafana.oss.DataSource;
    readonly loki: grafana.oss.DataSource;
  };
  public readonly dashboards: Readonly<Partial<Record<DashboardKey, grafana.oss.Dashboard>>>;
  /** `<grafana>/d/<uid>/<slug>` of every dashboard, by key: plain strings, known at preview. */
  public readonly dashboardUrls: Readonly<Partial<Record<DashboardKey, string>>>;
  /** `<grafana>/dashboards/f/<uid>/<slug>` of every folder, by key. */
  public readonly folderUrls: Readonly<Record<FolderKey, string>>;

  constructor(name: string, args: GrafanaDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:dashboards:GrafanaDashboards", name, {}, opts);
    if (!/^https?:\/\/[^/]+/.test(args.grafanaUrl) || args.grafanaUrl.endsWith("/")) {
      throw new pulumi.ResourceError(
        `grafanaUrl must be an http(s) URL without a trailing slash, got "${args.grafanaUrl}"`,
        this,
      );
    }
    const scrapeInterval = args.scrapeInterval ?? "30s";

    this.provider = new grafana.Provider(
      `${name}-grafana`,
      {
        url: args.grafanaUrl,
        auth: pulumi.secret(
          pulumi.output(args.adminPassword).apply((password) => `${args.adminUser}:${password}`),
        ),
      },
      { parent: this },
    );
    const inGrafana: pulumi.CustomResourceOptions = { parent: this, provider: this.provider };

    this.folders = Object.fromEntries(
      (Object.keys(FOLDERS) as FolderKey[]).map((key) => [
        key,
        new grafana.oss.Folder(
          `${name}-${FOLDERS[key].uid}`,
          { uid: FOLDERS[key].uid, title: FOLDERS[key].title },
          inGrafana,
        ),
      ]),
    ) as Record<FolderKey, grafana.oss.Folder>;

    this.dataSources = {
      prometheus: new grafana.oss.DataSource(
        `${name}-prometheus`,
        {
          uid: PROMETHEUS_DATASOURCE_UID,
          name: "Prometheus",
          type: "prometheus",
          url: args.prometheusUrl,
          accessMode: "proxy",
          isDefault: true,
          jsonDataEncoded: encoded({ httpMethod: "POST", timeInterval: scrapeInterval }),
        },
        inGrafana,
      ),
      loki: new grafana.oss.DataSource(
        `${name}-loki`,
        {
          uid: LOKI_DATASOURCE_UID,
          name: "Loki",
          type: "loki",
          url: args.lokiUrl,
          accessMode: "proxy",
          isDefault: false,
          jsonDataEncoded: encoded({ maxLines: 1000 }),
        },
        inGrafana,
      ),
    };

    const dashboards: Partial<Record<DashboardKey, grafana.oss.Dashboard>> = {};
    const urls: Partial<Record<DashboardKey, string>> = {};
    for (const d of allDashboards(args.context)) {
      dashboards[d.key] = new grafana.oss.Dashboard(
        `${name}-${d.uid}`,
        {
          folder: this.folders[d.folder].uid,
          configJson: stableJson(d.model),
          overwrite: true,
          message: "Managed by platform-monitoring (Pulumi); edits in the UI are overwritten.",
        },
        { ...inGrafana, dependsOn: [this.dataSources.prometheus, this.dataSources.loki] },
      );
      urls[d.key] = dashboardUrl(args.grafanaUrl, d.key);
    }
    this.dashboards = dashboards;
    this.dashboardUrls = urls;
    this.folderUrls = Object.fromEntries(
      (Object.keys(FOLDERS) as FolderKey[]).map((key) => [
        key,
        `${args.grafanaUrl}/dashboards/f/${FOLDERS[key].uid}/${slugify(FOLDERS[key].title)}`,
      ]),
    ) as Record<FolderKey, string>;

    this.registerOutputs({
      provider: this.provider,
      folders: this.folders,
      dataSources: this.dataSources,
      dashboards: this.dashboards,
      dashboardUrls: this.dashboardUrls,
      folderUrls: this.folderUrls,
    });
  }
}
