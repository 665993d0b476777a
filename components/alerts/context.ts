/**
 * What a rule factory may read: named selectors, thresholds from stack config, and link builders.
 * Rule factories never spell a job or namespace matcher themselves; they fill these in, so a renamed
 * job or a new tenant prefix changes one line (kubernetes-mixin's `config.libsonnet` pattern).
 */
import type { Thresholds, Tier } from "../../stacks/config";
import { dashboardUrl } from "../dashboards/registry";
import type { DashboardLink, Duration } from "./types";

/** Label matchers (without braces) selecting each source of series. */
export interface Selectors {
  /** The control plane's own metrics: `job="cameleer-saas", namespace="cameleer-system"`. */
  readonly controlPlane: string;
  /** Every tenant's `cameleer3-server`. */
  readonly tenantServer: string;
  /** Any series in a tenant namespace (kube-state-metrics, cAdvisor, kubelet). */
  readonly tenantNamespaces: string;
  readonly kubeStateMetrics: string;
  readonly kubelet: string;
  readonly cadvisor: string;
  readonly nodeExporter: string;
  readonly postgres: string;
  readonly opensearch: string;
  /** Probes of the control plane and public endpoints. */
  readonly blackbox: string;
  /** Flux custom-resource state (`gotk_resource_info`). */
  readonly fluxState: string;
  /** Flux controllers' own metrics. */
  readonly fluxControllers: string;
  readonly certManager: string;
  readonly prometheus: string;
  readonly alertmanager: string;
  readonly grafana: string;
  readonly loki: string;
  /** The tenant-isolation canary's cross-namespace probes. */
  readonly isolationCanary: string;
}

export interface TierTargets {
  /** Objective, as a ratio (0.999). */
  readonly slo: number;
  /** Contractual availability, as a ratio. */
  readonly sla: number;
}

/** The objectives that are not per tier: the SLIs' traffic floor and the control plane's SLOs. */
export interface SloSettings {
  /** Requests per second a quiet SLI's failures are counted against (see the stack config). */
  readonly minRequestRate: number;
  readonly controlPlane: {
    /** Objective of the availability SLI, as a ratio (0.999). */
    readonly availability: number;
    /** Objective of the latency SLI, as a ratio (0.99). */
    readonly latency: number;
    /** The latency SLI's threshold: a bucket bound of the control plane's histogram, in seconds. */
    readonly latencyThresholdSeconds: number;
  };
}

/** The plain names behind the selectors, for test series that must match them. */
export interface PlatformNames {
  readonly namespaces: {
    readonly monitoring: string;
    readonly controlPlane: string;
    readonly flux: string;
    readonly certManager: string;
  };
  readonly jobs: {
    readonly controlPlane: string;
    readonly tenantServer: string;
    readonly kubeStateMetrics: string;
    readonly kubelet: string;
    readonly nodeExporter: string;
    readonly postgres: string;
    readonly opensearch: string;
    readonly blackbox: string;
    readonly fluxState: string;
    readonly prometheus: string;
    readonly alertmanager: string;
    readonly grafana: string;
    /** Loki's jobs are `<namespace>/<this>-<component>`. */
    readonly lokiPrefix: string;
    readonly isolationCanary: string;
  };
}

export interface RuleContext {
  readonly environment: string;
  readonly names: PlatformNames;
  readonly selectors: Selectors;
  readonly thresholds: Thresholds;
  /** Prefix of tenant namespaces, e.g. `tenant-`; the `tenant` label is what follows it. */
  readonly tenantPrefix: string;
  readonly prometheusReplicas: number;
  readonly alertmanagerReplicas: number;
  /** The global evaluation interval; promtool tests evaluate at the same pace. */
  readonly evaluationInterval: Duration;
  /** Interval of the groups holding `critical` alerts (they page, so they are evaluated sooner). */
  readonly pagingEvaluationInterval: Duration;
  readonly tiers: Readonly<Record<Tier, TierTargets>>;
  readonly slo: SloSettings;
  /** How often every target is scraped; SLIs that must outlast one failed scrape span two. */
  readonly scrapeInterval: Duration;
  readonly runbookBaseUrl: string;
  readonly grafanaUrl: string;
}

/** `ControlPlaneDown` → `control-plane-down`; `PodOOMKilled` → `pod-oom-killed`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/** The runbook page of an alert, relative to the repository root. */
export function runbookPath(alert: string): string {
  return `docs/runbooks/${kebabCase(alert)}.md`;
}

export function runbookUrl(ctx: Pick<RuleContext, "runbookBaseUrl">, alert: string): string {
  return `${ctx.runbookBaseUrl}/${kebabCase(alert)}.md`;
}

export function alertDashboardUrl(ctx: Pick<RuleContext, "grafanaUrl">, link: DashboardLink): string {
  return dashboardUrl(ctx.grafanaUrl, link.dashboard, link.vars ?? {});
}

/** Escapes a literal for use inside a PromQL regular expression. */
export function regexEscape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Adds a `tenant` label taken from the namespace (`tenant-acme` → `acme`). Derived from the
 * namespace itself, not joined from kube_namespace_labels: a tenant alert must still fire when
 * kube-state-metrics is the thing that is down.
 */
export function withTenantLabel(ctx: Pick<RuleContext, "tenantPrefix">, expr: string): string {
  return `label_replace(${expr}, "tenant", "$1", "namespace", "${regexEscape(ctx.tenantPrefix)}(.+)")`;
}
