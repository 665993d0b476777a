/**
 * The paging path end to end, with real servers: a metrics endpoint the caller controls → a real
 * Prometheus evaluating the catalog's rules → a real Alertmanager with the generated configuration
 * → a fake PagerDuty Events API, a fake Slack and a fake dead-man's switch, all on 127.0.0.1.
 * Used by the end-to-end test (short intervals) and by `npm run bench:page` (prod intervals).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { alertCatalog } from "../../components/alerts/catalog";
import type { RuleContext } from "../../components/alerts/context";
import { ruleGroups } from "../../components/alerts/rule-files";
import type { AlertDefinition, Duration } from "../../components/alerts/types";
import {
  buildAlertmanagerConfig,
  CREDENTIAL_KEYS,
  type GroupTimings,
  TIMINGS,
} from "../../components/alerting/alertmanager-config";
import { stableYaml } from "../../components/shared/serialize";
import { AREAS, type PlainStackConfig } from "../../stacks/config";
import { buildRuleContext } from "../../stacks/rule-context";
import {
  startAlertmanager,
  startFakePagerDuty,
  startHttpServer,
  startMetricsEndpoint,
  startPrometheus,
  waitFor,
  type ManagedProcess,
  type PagerDutyEvent,
  type TestHttpServer,
} from "./servers";

/** The alert driven through the pipeline: a customer-facing endpoint stops answering. */
export const DRIVEN_ALERT = "PublicEndpointDown";

export interface PipelineOptions {
  readonly config: PlainStackConfig;
  readonly scrapeInterval: Duration;
  readonly evaluationInterval: Duration;
  /** Overrides the catalog's `for` of the driven alert (tests only). */
  readonly alertFor?: Duration;
  readonly timings?: Readonly<Record<"critical" | "warning" | "watchdog", GroupTimings>>;
  /**
   * Prometheus's `--rules.alert.resend-delay` (default 1m). Tests with second intervals shorten it:
   * an alert that fires before Prometheus has discovered Alertmanager is only resent after it.
   */
  readonly resendDelay?: Duration;
}

export interface PagingPipeline {
  readonly ctx: RuleContext;
  readonly alert: AlertDefinition;
  readonly pagerduty: TestHttpServer & { events(): PagerDutyEvent[] };
  readonly slack: TestHttpServer;
  readonly deadMansSwitch: TestHttpServer;
  readonly prometheus: ManagedProcess;
  readonly alertmanager: ManagedProcess;
  /** The routing key Alertmanager must use for the driven alert's area. */
  readonly routingKey: string;
  /** The endpoint starts failing (probe_success 0). */
  fault(): void;
  /** The endpoint recovers (probe_success 1). */
  recover(): void;
  /** Resolves when Prometheus has scraped the endpoint at least once. */
  scraped(): Promise<void>;
  stop(): Promise<void>;
}

const PROBE_LABELS =
  'job="blackbox-exporter",probe="public",target="login",instance="https://app.cameleer.io/login"';

function findAlert(ctx: RuleContext, name: string): AlertDefinition {
  const found = alertCatalog(ctx)
    .flatMap((a) => a.alerts)
    .find((a) => a.alert === name);
  if (!found) throw new Error(`alert ${name} is not in the catalog`);
  return found;
}

export async function startPagingPipeline(options: PipelineOptions): Promise<PagingPipeline> {
  const ctx = buildRuleContext(options.config);
  const driven = findAlert(ctx, DRIVEN_ALERT);
  const alert: AlertDefinition = { ...driven, for: options.alertFor ?? driven.for };
  const watchdog = findAlert(ctx, "Watchdog");
  const stops: (() => Promise<void>)[] = [];
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "am-keys-"));
  stops.push(() => Promise.resolve(fs.rmSync(keysDir, { recursive: true, force: true })));
  try {
    const metrics = await startMetricsEndpoint(`probe_success{${PROBE_LABELS}} 1\n`);
    stops.push(() => metrics.close());
    const pagerduty = await startFakePagerDuty();
    stops.push(() => pagerduty.close());
    const slack = await startHttpServer(() => ({ status: 200, body: "ok" }));
    stops.push(() => slack.close());
    const deadMansSwitch = await startHttpServer(() => ({ status: 200, body: '{"ok":true}' }));
    stops.push(() => deadMansSwitch.close());

    for (const area of AREAS) {
      fs.writeFileSync(path.join(keysDir, CREDENTIAL_KEYS.pagerduty(area)), `routing-key-${area}\n`);
    }
    fs.writeFileSync(path.join(keysDir, CREDENTIAL_KEYS.slackWebhookUrl), `${slack.url}/services/T/B/X\n`);

    const amConfig = buildAlertmanagerConfig({
      pagerdutyAreas: [...AREAS],
      pagerdutyUrl: `${pagerduty.url}/v2/enqueue`,
      slackChannels: options.config.receivers.slack.channels,
      credentialsDir: keysDir,
      deadMansSwitchUrl: `${deadMansSwitch.url}/api/push/dms-token?status=up&msg=Watchdog`,
      alertmanagerUrl: "https://alertmanager.test",
      environment: options.config.environment,
      timings: options.timings ?? TIMINGS,
    });
    const alertmanager = await startAlertmanager(stableYaml(amConfig));
    stops.push(() => alertmanager.stop());

    const rules = stableYaml({
      groups: [
        ...ruleGroups({ area: driven.area, alerts: [alert] }, ctx),
        ...ruleGroups({ area: watchdog.area, alerts: [watchdog] }, ctx),
      ],
    });
    const promConfig = stableYaml({
      global: { scrape_interval: options.scrapeInterval, evaluation_interval: options.evaluationInterval },
      rule_files: ["rules.yml"],
      alerting: {
        alertmanagers: [{ static_configs: [{ targets: [alertmanager.url.replace("http://", "")] }] }],
      },
      scrape_configs: [
        {
          job_name: "probes",
          honor_labels: true,
          static_configs: [{ targets: [metrics.url.replace("http://", "")] }],
        },
      ],
    });
    const prometheus = await startPrometheus(
      promConfig,
      { "rules.yml": rules },
      options.resendDelay ? [`--rules.alert.resend-delay=${options.resendDelay}`] : [],
    );
    stops.push(() => prometheus.stop());

    return {
      ctx,
      alert,
      pagerduty,
      slack,
      deadMansSwitch,
      prometheus,
      alertmanager,
      routingKey: `routing-key-${driven.area}`,
      fault: () => metrics.set(`probe_success{${PROBE_LABELS}} 0\n`),
      recover: () => metrics.set(`probe_success{${PROBE_LABELS}} 1\n`),
      scraped: async () => {
        await waitFor(
          "the first scrape of the probe endpoint",
          async () => {
            const res = await fetch(`${prometheus.url}/api/v1/query?query=probe_success`);
            const body = (await res.json()) as { data: { result: unknown[] } };
            return body.data.result.length > 0 ? true : undefined;
          },
          120_000,
          250,
        );
      },
      stop: async () => {
        for (const stop of stops.reverse()) await stop();
      },
    };
  } catch (e) {
    for (const stop of stops.reverse()) await stop();
    throw e;
  }
}

/** The first PagerDuty event of `action` for the driven alert after `since`. */
export function eventAfter(
  p: PagingPipeline,
  action: "trigger" | "resolve",
  since: number,
): PagerDutyEvent | undefined {
  return p.pagerduty.events().find((e) => e.event_action === action && e.at >= since);
}
