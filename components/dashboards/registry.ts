/**
 * Every dashboard's identity, defined once. UIDs are fixed strings, never derived from titles, so a
 * renamed dashboard keeps its URL, its links from alerts and its bookmarks.
 */
export const DASHBOARDS = {
  platformOverview: { uid: "cameleer-platform-overview", title: "Platform overview" },
  tenantHealth: { uid: "cameleer-tenant-health", title: "Tenant health" },
  billing: { uid: "cameleer-billing", title: "Billing" },
  infrastructure: { uid: "cameleer-infrastructure", title: "Infrastructure" },
  security: { uid: "cameleer-security", title: "Security" },
  controlPlane: { uid: "cameleer-control-plane", title: "Control plane" },
  monitoringSelf: { uid: "cameleer-monitoring-self", title: "Monitoring self" },
  slo: { uid: "cameleer-slo", title: "Tenant SLOs" },
} as const;

export type DashboardKey = keyof typeof DASHBOARDS;

/** Grafana's slug of a title: lower case, non-alphanumerics to single dashes. */
export function slugify(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** `<grafana>/d/<uid>/<slug>`, optionally with template variables (`?var-tenant=...`). */
export function dashboardUrl(
  grafanaUrl: string,
  key: DashboardKey,
  vars: Record<string, string> = {},
): string {
  const d = DASHBOARDS[key];
  const query = Object.entries(vars)
    .map(([k, v]) => `var-${k}=${v}`)
    .join("&");
  return `${grafanaUrl}/d/${d.uid}/${slugify(d.title)}${query ? `?${query}` : ""}`;
}
