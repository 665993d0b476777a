import * as pagerduty from "@pulumi/pagerduty";
import * as pulumi from "@pulumi/pulumi";
import type { Area } from "../../stacks/config";

export interface EscalationLevel {
  readonly delayMinutes: number;
  readonly targets: readonly { readonly type: "user" | "schedule"; readonly id: string }[];
}

export interface MaintenanceWindowSpec {
  readonly description: string;
  /** ISO 8601 with offset. */
  readonly start: string;
  readonly end: string;
  readonly areas: readonly Area[];
}

export interface PagerDutyPagingArgs {
  /** PagerDuty REST API token (a secret). */
  readonly token: pulumi.Input<string>;
  readonly environment: string;
  /** One service is created per area. */
  readonly areas: readonly Area[];
  readonly escalation: readonly EscalationLevel[];
  /** Times the escalation policy loops when nobody acknowledges. */
  readonly numLoops: number;
  readonly maintenanceWindows: readonly MaintenanceWindowSpec[];
}

/** Human names of the owning areas, as services appear in PagerDuty. */
export const AREA_TITLES: Record<Area, string> = {
  "control-plane": "Control plane",
  tenants: "Tenant infrastructure",
  "shared-services": "Shared services",
  kubernetes: "Kubernetes",
  billing: "Billing",
  monitoring: "Monitoring platform",
};

/**
 * PagerDuty as code: one escalation policy, a service per owning area whose incidents take their
 * urgency from the event's severity (critical/error page at high urgency, warning/info at low), and
 * an Events API v2 integration per service whose key Alertmanager and Uptime Kuma send with.
 */
export class PagerDutyPaging extends pulumi.ComponentResource {
  public readonly escalationPolicy: pagerduty.EscalationPolicy;
  public readonly services: Readonly<Partial<Record<Area, pagerduty.Service>>>;
  /** Events API v2 integration keys per area (secrets). */
  public readonly integrationKeys: Readonly<Partial<Record<Area, pulumi.Output<string>>>>;
  public readonly serviceUrls: Readonly<Partial<Record<Area, pulumi.Output<string>>>>;

  constructor(name: string, args: PagerDutyPagingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:alerting:PagerDutyPaging", name, {}, opts);
    const provider = new pagerduty.Provider(`${name}-provider`, { token: args.token }, { parent: this });
    const childOpts = { parent: this, provider };

    this.escalationPolicy = new pagerduty.EscalationPolicy(
      `${name}-escalation`,
      {
        name: `Cameleer platform (${args.environment})`,
        description: "Managed by platform-monitoring (Pulumi). Edit the stack config, not the UI.",
        numLoops: args.numLoops,
        rules: args.escalation.map((level) => ({
          escalationDelayInMinutes: level.delayMinutes,
          targets: level.targets.map((t) => ({ type: `${t.type}_reference`, id: t.id })),
        })),
      },
      childOpts,
    );

    const services: Partial<Record<Area, pagerduty.Service>> = {};
    const keys: Partial<Record<Area, pulumi.Output<string>>> = {};
    const urls: Partial<Record<Area, pulumi.Output<string>>> = {};
    for (const area of args.areas) {
      const service = new pagerduty.Service(
        `${name}-${area}`,
        {
          name: `Cameleer ${AREA_TITLES[area]} (${args.environment})`,
          description: `Alerts of the ${area} area, from Alertmanager and Uptime Kuma. Managed by platform-monitoring.`,
          escalationPolicy: this.escalationPolicy.id,
          alertCreation: "create_alerts_and_incidents",
          // Alertmanager resolves what recovers; an incident nobody touches must not close silently.
          autoResolveTimeout: "null",
          acknowledgementTimeout: "1800",
          incidentUrgencyRule: { type: "constant", urgency: "severity_based" },
        },
        childOpts,
      );
      const integration = new pagerduty.ServiceIntegration(
        `${name}-${area}-events`,
        {
          name: "Alertmanager (Events API v2)",
          service: service.id,
          type: "events_api_v2_inbound_integration",
        },
        childOpts,
      );
      services[area] = service;
      keys[area] = pulumi.secret(integration.integrationKey);
      urls[area] = service.htmlUrl;
    }
    this.services = services;
    this.integrationKeys = keys;
    this.serviceUrls = urls;

    for (const w of args.maintenanceWindows) {
      const ids = w.areas
        .map((a) => services[a]?.id)
        .filter((id): id is pulumi.Output<string> => id !== undefined);
      // Named by when and what, not by position: reordering the config must not replace windows.
      const key = `${w.start.replace(/[^0-9]/g, "").slice(0, 12)}-${[...w.areas].sort().join("-")}`;
      new pagerduty.MaintenanceWindow(
        `${name}-maintenance-${key}`,
        { description: w.description, startTime: w.start, endTime: w.end, services: ids },
        childOpts,
      );
    }

    this.registerOutputs({
      escalationPolicy: this.escalationPolicy,
      services: this.services,
      integrationKeys: this.integrationKeys,
      serviceUrls: this.serviceUrls,
    });
  }
}
