/**
 * The Alertmanager configuration, derived from the catalog's owning areas and severities:
 *
 * - `critical` → the area's pager (PagerDuty service, Opsgenie when enabled) and its Slack channel;
 *   a stack without paging (staging) sends criticals to Slack only;
 * - `warning` → the area's Slack channel;
 * - `info` → nowhere;
 * - `Watchdog` → the dead-man's switch only (an external push monitor that pages when it stops).
 *
 * Credentials are never written into the configuration: receivers read them from files mounted from
 * a Secret (`*_file` fields). The one exception is the dead-man's switch URL, whose token is part of
 * the URL and which Alertmanager's webhook receiver cannot read from a file before v0.26: the whole
 * configuration is therefore delivered as a Secret.
 *
 * Inhibition is opt-in and names its alerts: a critical silences only the warnings declared as
 * explained by it ({@link CRITICAL_EXPLAINS_WARNINGS}), and only when both name the same target.
 * Alertmanager counts a label absent on both alerts as equal, so every label an inhibit rule compares
 * must be carried by every alert its source selects; {@link inhibitionProblems} checks that against
 * the labels the catalog's own promtool tests prove each alert carries.
 */
import { AREAS, type Area } from "../../stacks/config";
import { alertLabels } from "../alerts/rule-files";
import type { AreaRules, Severity } from "../alerts/types";

/** Names of the files (keys of the credentials Secret) each receiver reads. */
export const CREDENTIAL_KEYS = {
  slackWebhookUrl: "slack-webhook-url",
  opsgenieApiKey: "opsgenie-api-key",
  pagerduty: (area: Area) => `pagerduty-${area}`,
} as const;

/**
 * A critical alert and the warnings it explains when both are about one target: the same condition
 * at a lower threshold, or one part of what the critical reports for the whole. While the critical
 * fires, those warnings of that target are held back; warnings of other targets, and warnings it
 * does not list, still reach the channel.
 */
export interface CriticalExplainsWarnings {
  readonly critical: string;
  readonly warnings: readonly string[];
  /**
   * The labels that name the target. The critical and every listed warning carry all of them (a
   * label missing on both would match anything); {@link inhibitionProblems} checks it.
   */
  readonly sameTarget: readonly string[];
}

export const CRITICAL_EXPLAINS_WARNINGS: readonly CriticalExplainsWarnings[] = [
  // The same condition at a lower threshold.
  {
    critical: "PersistentVolumeAlmostFull",
    warnings: ["PersistentVolumeFillingUp", "PersistentVolumeFillingUpPredicted"],
    sameTarget: ["namespace", "persistentvolumeclaim"],
  },
  {
    critical: "CertificateExpiryImminent",
    warnings: ["CertificateExpiringSoon"],
    sameTarget: ["exported_namespace", "name"],
  },
  {
    critical: "JwtSigningKeyExpiryImminent",
    warnings: ["JwtSigningKeyExpiringSoon"],
    sameTarget: ["job", "namespace", "kid"],
  },
  {
    critical: "OpenSearchDiskWatermarkHigh",
    warnings: ["OpenSearchDiskWatermarkLow"],
    sameTarget: ["job", "cluster", "name"],
  },
  { critical: "UsageReportLagCritical", warnings: ["UsageReportLagHigh"], sameTarget: ["job", "namespace"] },
  // The whole explains its parts.
  {
    critical: "ControlPlaneHighErrorRate",
    warnings: ["ControlPlaneEndpointErrorRateHigh"],
    sameTarget: ["job", "namespace"],
  },
  {
    critical: "ControlPlaneHighLatency",
    warnings: ["ControlPlaneEndpointLatencyHigh"],
    sameTarget: ["job", "namespace"],
  },
  {
    // A wedged JVM fails its readiness probe too.
    critical: "ControlPlaneLivenessProbeFailing",
    warnings: ["ControlPlaneReadinessProbeFailing"],
    sameTarget: ["job", "service"],
  },
  {
    // A red cluster has unassigned primary shards by definition.
    critical: "OpenSearchClusterRed",
    warnings: ["OpenSearchUnassignedShards"],
    sameTarget: ["job", "cluster"],
  },
  {
    critical: "StripeWebhooksAllFailing",
    warnings: ["StripeWebhookFailureRatioHigh"],
    sameTarget: ["job", "namespace"],
  },
];

/** One Alertmanager inhibit rule. */
export interface InhibitRule {
  readonly source_matchers: readonly string[];
  readonly target_matchers: readonly string[];
  /** Labels with the same value on both alerts; see {@link inhibitionProblems}. */
  readonly equal: readonly string[];
}

/** A cause that explains many alerts at once, matched by their labels rather than by name. */
const CAUSE_RULES: readonly InhibitRule[] = [
  {
    // An unreachable control plane explains every alert on its own metrics (errors, latency,
    // provisioning, metering): page once, for the cause.
    source_matchers: ['alertname="ControlPlaneDown"'],
    target_matchers: ['job="cameleer-saas"', 'alertname!="ControlPlaneDown"'],
    equal: ["namespace"],
  },
  {
    // ... and its failing health probes, which carry the prober's job.
    source_matchers: ['alertname="ControlPlaneDown"'],
    target_matchers: ['alertname=~"ControlPlane.+ProbeFailing"'],
    equal: [],
  },
  {
    // ... and the burn of the control plane's error and latency budgets, which its SLIs count.
    source_matchers: ['alertname="ControlPlaneDown"'],
    target_matchers: ['alertname=~"ControlPlane(Error|Latency)Budget(Fast|Slow)Burn"'],
    equal: [],
  },
  {
    // A tenant server that is down explains its pods' restarts and errors.
    source_matchers: ['alertname="TenantServerDown"'],
    target_matchers: ['area="tenants"', 'severity="warning"'],
    equal: ["namespace"],
  },
  {
    // ... and the fast burn of that tenant's error budget: one page for the outage.
    source_matchers: ['alertname="TenantServerDown"'],
    target_matchers: ['alertname="TenantErrorBudgetFastBurn"'],
    equal: ["namespace"],
  },
  {
    // A node that is down explains the alerts of the pods it ran.
    source_matchers: ['alertname="NodeNotReady"'],
    target_matchers: ['alertname!~"NodeNotReady|Watchdog"'],
    equal: ["node"],
  },
];

/** Every inhibit rule: the declared critical → warning pairs, then the causes. */
export function inhibitRules(): InhibitRule[] {
  return [
    ...CRITICAL_EXPLAINS_WARNINGS.map((p) => ({
      source_matchers: [`alertname="${p.critical}"`, 'severity="critical"'],
      target_matchers: [
        p.warnings.length === 1 ? `alertname="${p.warnings[0]}"` : `alertname=~"${p.warnings.join("|")}"`,
        'severity="warning"',
      ],
      equal: p.sameTarget,
    })),
    ...CAUSE_RULES,
  ];
}

/** Labels of one alert as it fires (`alertname` included). */
export type AlertLabelSet = Readonly<Record<string, string>>;

/**
 * The label sets the catalog's alerts fire with: one per expected alert of every promtool test
 * case, which promtool checks label for label against the real rule.
 */
export function firingLabelSets(catalog: readonly AreaRules[]): AlertLabelSet[] {
  return catalog.flatMap((area) =>
    area.alerts.flatMap((def) =>
      def.tests.flatMap((t) =>
        t.expect.map((e) => ({ ...e.labels, ...alertLabels(def), alertname: def.alert })),
      ),
    ),
  );
}

/** Whether labels satisfy one Alertmanager matcher (`name="v"`, `!=`, `=~`, `!~`; regexes anchored). */
function matches(matcher: string, labels: AlertLabelSet): boolean {
  const m = /^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"(.*)"$/.exec(matcher);
  if (!m) throw new Error(`unsupported matcher ${matcher}`);
  const [, name, op, value] = m;
  const actual = labels[name] ?? "";
  switch (op) {
    case "=":
      return actual === value;
    case "!=":
      return actual !== value;
    case "=~":
      return new RegExp(`^(?:${value})$`).test(actual);
    default:
      return !new RegExp(`^(?:${value})$`).test(actual);
  }
}

const selects = (matchers: readonly string[], labels: AlertLabelSet) =>
  matchers.every((m) => matches(m, labels));

/**
 * Problems of inhibit rules against the label sets alerts fire with, each a sentence: a rule whose
 * source selects an alert that lacks an `equal` label (it would inhibit every target lacking it too:
 * the "same target" of two unrelated alerts), a rule that selects no source or no target that could
 * match, and a declared pair naming an alert that does not exist, has another severity, or lacks a
 * target label.
 */
export function inhibitionProblems(
  rules: readonly InhibitRule[],
  pairs: readonly CriticalExplainsWarnings[],
  alerts: readonly AlertLabelSet[],
): string[] {
  const problems: string[] = [];
  rules.forEach((rule, i) => {
    const where = `inhibit rule ${i} (${rule.source_matchers.join(", ")} → ${rule.target_matchers.join(", ")})`;
    const sources = alerts.filter((a) => selects(rule.source_matchers, a));
    if (sources.length === 0) problems.push(`${where}: its source matches no alert`);
    for (const s of sources) {
      const missing = rule.equal.filter((l) => s[l] === undefined);
      if (missing.length > 0)
        problems.push(`${where}: source ${s.alertname} can fire without ${missing.join(", ")}`);
    }
    const targets = alerts.filter(
      (a) => selects(rule.target_matchers, a) && rule.equal.every((l) => a[l] !== undefined),
    );
    if (targets.length === 0)
      problems.push(`${where}: no alert it could inhibit carries ${rule.equal.join(", ")}`);
  });
  const byName = new Map<string, AlertLabelSet[]>();
  for (const a of alerts) byName.set(a.alertname, [...(byName.get(a.alertname) ?? []), a]);
  for (const p of pairs) {
    const named: [string, Severity][] = [
      [p.critical, "critical"],
      ...p.warnings.map((w): [string, Severity] => [w, "warning"]),
    ];
    for (const [name, severity] of named) {
      const sets = byName.get(name);
      if (!sets) {
        problems.push(`${p.critical} explains ${name}: no such alert in the catalog`);
        continue;
      }
      for (const labels of sets) {
        if (labels.severity !== severity)
          problems.push(`${p.critical} explains ${name}: ${name} is ${labels.severity}, not ${severity}`);
        const missing = p.sameTarget.filter((l) => labels[l] === undefined);
        if (missing.length > 0)
          problems.push(`${p.critical} explains ${name}: ${name} can fire without ${missing.join(", ")}`);
      }
    }
  }
  return [...new Set(problems)];
}

/** Group timings per severity: pages fast, repeats rarely; chat batches more. */
export interface GroupTimings {
  readonly group_wait: string;
  readonly group_interval: string;
  readonly repeat_interval: string;
}

/**
 * Group timings per severity. Pages go out 10 s after the first alert of a group and resolve within
 * a minute of recovery (group_interval paces resolved notifications too); chat batches more and
 * repeats rarely. Watchdog repeats every 2 minutes, well inside the dead-man's switch's interval.
 */
export const TIMINGS: Readonly<Record<"critical" | "warning" | "watchdog", GroupTimings>> = {
  critical: { group_wait: "10s", group_interval: "1m", repeat_interval: "1h" },
  warning: { group_wait: "1m", group_interval: "5m", repeat_interval: "12h" },
  watchdog: { group_wait: "0s", group_interval: "1m", repeat_interval: "2m" },
};

export interface AlertmanagerConfigInput {
  /** Areas that page through PagerDuty (the stack has PagerDuty enabled). Empty: nothing pages. */
  readonly pagerdutyAreas: readonly Area[];
  /** Events API v2 endpoint; only tests override it. */
  readonly pagerdutyUrl?: string;
  readonly slackChannels: Readonly<Record<Area, string>>;
  /** Opsgenie team receiving criticals, when Opsgenie is enabled. */
  readonly opsgenieTeam?: string;
  /** Directory holding the credential files (the mounted Secret). */
  readonly credentialsDir: string;
  /** Push URL of the dead-man's switch (contains its token: a secret). */
  readonly deadMansSwitchUrl: string;
  /** Links in notifications point at these UIs. */
  readonly alertmanagerUrl: string;
  readonly environment: string;
  /** Group timings; only tests shorten them. Defaults to {@link TIMINGS}. */
  readonly timings?: typeof TIMINGS;
}

/** Receiver names, derived: `critical-<area>`, `warning-<area>`, plus the fixed ones. */
export const RECEIVERS = {
  critical: (area: Area) => `critical-${area}`,
  warning: (area: Area) => `warning-${area}`,
  deadMansSwitch: "dead-mans-switch",
  none: "blackhole",
  unrouted: "unrouted",
} as const;

/** The receiver an alert with these labels should reach, as the route tree decides (for tests). */
export function expectedReceiver(area: Area, severity: Severity, alertname = "x"): string {
  if (alertname === "Watchdog") return RECEIVERS.deadMansSwitch;
  if (severity === "info") return RECEIVERS.none;
  return severity === "critical" ? RECEIVERS.critical(area) : RECEIVERS.warning(area);
}

const SLACK_TITLE =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] ' +
  "{{ .CommonLabels.alertname }}{{ if .CommonLabels.tenant }} ({{ .CommonLabels.tenant }}){{ end }}";
const SLACK_TEXT =
  "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n" +
  "<{{ .Annotations.runbook_url }}|Runbook> · <{{ .Annotations.dashboard_url }}|Dashboard>\n{{ end }}";

function slackConfig(input: AlertmanagerConfigInput, area: Area) {
  return {
    api_url_file: `${input.credentialsDir}/${CREDENTIAL_KEYS.slackWebhookUrl}`,
    channel: input.slackChannels[area],
    send_resolved: true,
    title: SLACK_TITLE,
    text: SLACK_TEXT,
  };
}

function pagerdutyConfig(input: AlertmanagerConfigInput, area: Area) {
  return {
    routing_key_file: `${input.credentialsDir}/${CREDENTIAL_KEYS.pagerduty(area)}`,
    ...(input.pagerdutyUrl ? { url: input.pagerdutyUrl } : {}),
    send_resolved: true,
    // PagerDuty's own severities: critical, error, warning, info.
    severity:
      '{{ if eq .CommonLabels.severity "critical" }}critical{{ else if eq .CommonLabels.severity "warning" }}' +
      "warning{{ else }}info{{ end }}",
    description: "{{ .CommonAnnotations.summary }}",
    client: `Cameleer Alertmanager (${input.environment})`,
    client_url: input.alertmanagerUrl,
    links: [
      { href: "{{ .CommonAnnotations.runbook_url }}", text: "Runbook" },
      { href: "{{ .CommonAnnotations.dashboard_url }}", text: "Dashboard" },
    ],
    details: {
      description: "{{ .CommonAnnotations.description }}",
      firing: "{{ .Alerts.Firing | len }}",
      area: area,
      environment: input.environment,
    },
  };
}

function opsgenieConfig(input: AlertmanagerConfigInput, area: Area) {
  return {
    api_key_file: `${input.credentialsDir}/${CREDENTIAL_KEYS.opsgenieApiKey}`,
    send_resolved: true,
    message: "{{ .CommonAnnotations.summary }}",
    description: "{{ .CommonAnnotations.description }}",
    priority: "P1",
    tags: `cameleer,${input.environment},${area}`,
    responders: [{ type: "team", name: input.opsgenieTeam }],
  };
}

export function buildAlertmanagerConfig(input: AlertmanagerConfigInput): Record<string, unknown> {
  const timings = input.timings ?? TIMINGS;
  const receivers: Record<string, unknown>[] = [
    { name: RECEIVERS.none },
    { name: RECEIVERS.unrouted, slack_configs: [slackConfig(input, "monitoring")] },
    {
      name: RECEIVERS.deadMansSwitch,
      webhook_configs: [{ url: input.deadMansSwitchUrl, send_resolved: false, max_alerts: 1 }],
    },
  ];
  const areaRoutes: Record<string, unknown>[] = [];
  for (const area of AREAS) {
    const pages = input.pagerdutyAreas.includes(area);
    receivers.push({
      name: RECEIVERS.critical(area),
      ...(pages ? { pagerduty_configs: [pagerdutyConfig(input, area)] } : {}),
      ...(input.opsgenieTeam ? { opsgenie_configs: [opsgenieConfig(input, area)] } : {}),
      slack_configs: [slackConfig(input, area)],
    });
    receivers.push({ name: RECEIVERS.warning(area), slack_configs: [slackConfig(input, area)] });
    areaRoutes.push({
      matchers: [`area="${area}"`],
      receiver: RECEIVERS.warning(area),
      routes: [
        { matchers: ['severity="critical"'], receiver: RECEIVERS.critical(area), ...timings.critical },
        { matchers: ['severity="warning"'], receiver: RECEIVERS.warning(area), ...timings.warning },
      ],
    });
  }

  return {
    global: { resolve_timeout: "5m" },
    route: {
      // Anything the tree below does not place (no area label) still reaches a human.
      receiver: RECEIVERS.unrouted,
      group_by: ["alertname", "namespace", "tenant"],
      ...timings.warning,
      routes: [
        { matchers: ['alertname="Watchdog"'], receiver: RECEIVERS.deadMansSwitch, ...timings.watchdog },
        { matchers: ['severity="info"'], receiver: RECEIVERS.none },
        ...areaRoutes,
      ],
    },
    inhibit_rules: inhibitRules(),
    receivers,
  };
}
