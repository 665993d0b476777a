/**
 * Every dashboard of the platform, in a stable order, with the folder it lives in; and the queries
 * of a dashboard model, for the checks that run them.
 */
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import type { RuleContext } from "../alerts/context";
import { billingDashboard } from "./billing";
import type { DashboardOptions } from "./common";
import { controlPlaneDashboard } from "./control-plane";
import { infrastructureDashboard } from "./infrastructure";
import { monitoringSelfDashboard } from "./monitoring-self";
import { platformOverviewDashboard } from "./platform-overview";
import { DASHBOARDS, type DashboardKey } from "./registry";
import { securityDashboard } from "./security";
import { sloDashboard } from "./slo";
import { tenantHealthDashboard } from "./tenant-health";

// The Pulumi component lives in ./grafana-dashboards and imports this module; it is not re-exported
// here, so that building and checking models never loads the Grafana provider.
export * from "./common";
export * from "./registry";

/** Grafana folders, by key. Folder UIDs are fixed, like dashboard UIDs. */
export const FOLDERS = {
  platform: { uid: "cameleer-platform", title: "Cameleer platform" },
  tenants: { uid: "cameleer-tenants", title: "Cameleer tenants" },
} as const;
export type FolderKey = keyof typeof FOLDERS;

type DashboardFactory = (ctx: RuleContext, options?: DashboardOptions) => Dashboard;

/** The dashboards this program builds, in display order, each with its folder. */
export const DASHBOARD_FACTORIES: readonly {
  readonly key: DashboardKey;
  readonly folder: FolderKey;
  readonly build: DashboardFactory;
}[] = [
  { key: "platformOverview", folder: "platform", build: platformOverviewDashboard },
  { key: "controlPlane", folder: "platform", build: controlPlaneDashboard },
  { key: "infrastructure", folder: "platform", build: infrastructureDashboard },
  { key: "billing", folder: "platform", build: billingDashboard },
  { key: "security", folder: "platform", build: securityDashboard },
  { key: "monitoringSelf", folder: "platform", build: monitoringSelfDashboard },
  { key: "tenantHealth", folder: "tenants", build: tenantHealthDashboard },
  { key: "slo", folder: "tenants", build: sloDashboard },
];

export interface BuiltDashboard {
  readonly key: DashboardKey;
  readonly uid: string;
  readonly title: string;
  readonly folder: FolderKey;
  readonly model: Dashboard;
}

/** Every dashboard's model for a stack's context, in {@link DASHBOARD_FACTORIES} order. */
export function allDashboards(ctx: RuleContext): BuiltDashboard[] {
  return DASHBOARD_FACTORIES.map(({ key, folder, build }) => ({
    key,
    uid: DASHBOARDS[key].uid,
    title: DASHBOARDS[key].title,
    folder,
    model: build(ctx),
  }));
}

export interface DashboardQuery {
  /** UID of the dashboard. */
  readonly dashboard: string;
  /** Title of the panel. */
  readonly panel: string;
  readonly panelId: number;
  readonly refId: string;
  readonly expr: string;
  readonly datasource: "prometheus" | "loki";
}

/** Panels of a model, those inside rows included (collapsed rows hold theirs). */
export function panelsOf(model: Dashboard): Panel[] {
  return (model.panels ?? []).flatMap((p: Panel | RowPanel) =>
    p.type === "row" ? (p as RowPanel).panels : [p as Panel],
  );
}

/** Every query of a model's panels, with the data source type that runs it. */
export function dashboardQueries(model: Dashboard): DashboardQuery[] {
  return panelsOf(model).flatMap((panel) =>
    (panel.targets ?? []).map((target) => {
      const t = target as unknown as { refId?: string; expr?: string; datasource?: { type?: string } };
      const type = t.datasource?.type ?? panel.datasource?.type;
      if (type !== "prometheus" && type !== "loki") {
        throw new Error(`${model.uid}: panel "${panel.title}" has a query on unknown data source ${type}`);
      }
      if (typeof t.expr !== "string" || t.refId === undefined) {
        throw new Error(`${model.uid}: panel "${panel.title}" has a query without expr or refId`);
      }
      return {
        dashboard: model.uid ?? "",
        panel: panel.title ?? "",
        panelId: panel.id ?? -1,
        refId: t.refId,
        expr: t.expr,
        datasource: type,
      };
    }),
  );
}
