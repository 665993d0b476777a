import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildAlertmanagerConfig,
  CREDENTIAL_KEYS,
  CRITICAL_EXPLAINS_WARNINGS,
  expectedReceiver,
  firingLabelSets,
  inhibitionProblems,
  inhibitRules,
  RECEIVERS,
  TIMINGS,
  type AlertLabelSet,
  type AlertmanagerConfigInput,
  type InhibitRule,
} from "../components/alerting/alertmanager-config";
import { alertCatalog } from "../components/alerts/catalog";
import { durationSeconds } from "../components/alerts/rule-files";
import { SEVERITIES } from "../components/alerts/types";
import { stableYaml } from "../components/shared/serialize";
import { AREAS } from "../stacks/config";
import { buildRuleContext } from "../stacks/rule-context";
import { parseStack } from "./helpers/config";
import { amtoolRoutes, runTool } from "./helpers/promtool";
import { startAlertmanager, waitFor, type ManagedProcess } from "./helpers/servers";

const slackChannels = parseStack("prod").receivers.slack.channels;
const base: AlertmanagerConfigInput = {
  pagerdutyAreas: [...AREAS],
  slackChannels,
  credentialsDir: "/etc/alertmanager/secrets/alertmanager-credentials",
  deadMansSwitchUrl: "https://status.example.test/api/push/token?status=up&msg=Watchdog",
  alertmanagerUrl: "https://alertmanager.example.test",
  environment: "prod",
};

interface Receiver {
  name: string;
  pagerduty_configs?: Record<string, unknown>[];
  slack_configs?: Record<string, unknown>[];
  opsgenie_configs?: Record<string, unknown>[];
  webhook_configs?: Record<string, unknown>[];
}

const receiversOf = (cfg: Record<string, unknown>) => cfg.receivers as Receiver[];
const receiver = (cfg: Record<string, unknown>, name: string) =>
  receiversOf(cfg).find((r) => r.name === name)!;

/** Runs amtool on a configuration and returns where the labels route. */
function withConfigFile<T>(cfg: Record<string, unknown>, fn: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amtool-"));
  const file = path.join(dir, "alertmanager.yaml");
  fs.writeFileSync(file, stableYaml(cfg));
  try {
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const variants: { name: string; input: AlertmanagerConfigInput }[] = [
  { name: "paging (prod)", input: base },
  { name: "chat only (staging)", input: { ...base, pagerdutyAreas: [], environment: "staging" } },
  { name: "paging with Opsgenie", input: { ...base, opsgenieTeam: "cameleer-sre" } },
];

describe("Alertmanager configuration builder", () => {
  for (const v of variants) {
    describe(v.name, () => {
      const cfg = buildAlertmanagerConfig(v.input);

      it("passes amtool check-config", () => {
        const r = withConfigFile(cfg, (file) =>
          runTool("amtool", ["check-config", file], "prometheus-alertmanager"),
        );
        assert.ok(r.ok, r.output);
        assert.match(r.output, /SUCCESS/);
      });

      it("routes every area and severity to the receiver the catalog's labels call for", () => {
        withConfigFile(cfg, (file) => {
          for (const area of AREAS) {
            for (const severity of SEVERITIES) {
              const expected = expectedReceiver(area, severity);
              const r = amtoolRoutes(file, { area, severity, alertname: "AnyAlert" }, expected);
              assert.ok(r.ok, `${area}/${severity} should reach ${expected}: ${r.output}`);
            }
          }
        });
      });

      it("sends Watchdog to the dead-man's switch only, whatever its labels", () => {
        withConfigFile(cfg, (file) => {
          for (const area of AREAS) {
            const r = amtoolRoutes(file, { alertname: "Watchdog", severity: "critical", area });
            assert.equal(r.stdout.trim(), RECEIVERS.deadMansSwitch);
          }
        });
        const dms = receiver(cfg, RECEIVERS.deadMansSwitch);
        assert.deepEqual(Object.keys(dms).sort(), ["name", "webhook_configs"]);
      });

      it("sends an alert without an owning area to a human, not to nowhere", () => {
        withConfigFile(cfg, (file) => {
          const r = amtoolRoutes(file, { alertname: "ThirdPartyAlert", severity: "critical" });
          assert.equal(r.stdout.trim(), RECEIVERS.unrouted);
        });
        assert.ok(receiver(cfg, RECEIVERS.unrouted).slack_configs?.length);
      });

      it("pages only where paging is enabled, and always tells the area's channel", () => {
        for (const area of AREAS) {
          const critical = receiver(cfg, RECEIVERS.critical(area));
          assert.equal(critical.pagerduty_configs !== undefined, v.input.pagerdutyAreas.includes(area), area);
          assert.equal(critical.opsgenie_configs !== undefined, v.input.opsgenieTeam !== undefined, area);
          assert.equal(critical.slack_configs?.[0].channel, slackChannels[area]);
          const warning = receiver(cfg, RECEIVERS.warning(area));
          assert.equal(warning.pagerduty_configs, undefined);
          assert.equal(warning.slack_configs?.[0].channel, slackChannels[area]);
        }
        assert.deepEqual(Object.keys(receiver(cfg, RECEIVERS.none)), ["name"]);
      });

      it("reads every credential from a mounted file, never inline", () => {
        const text = stableYaml(cfg);
        assert.doesNotMatch(text, /^\s*(routing_key|service_key|api_url|api_key|slack_api_url):/m);
        for (const r of receiversOf(cfg)) {
          for (const pd of r.pagerduty_configs ?? []) {
            assert.equal(
              pd.routing_key_file,
              `${base.credentialsDir}/pagerduty-${r.name.replace("critical-", "")}`,
            );
          }
          for (const s of r.slack_configs ?? [])
            assert.equal(s.api_url_file, `${base.credentialsDir}/slack-webhook-url`);
        }
      });
    });
  }

  it("maps the alert severity onto PagerDuty's and links the runbook and dashboard", () => {
    const pd = receiver(buildAlertmanagerConfig(base), RECEIVERS.critical("billing")).pagerduty_configs![0];
    assert.match(String(pd.severity), /critical.*warning.*info/);
    assert.deepEqual(
      (pd.links as { text: string }[]).map((l) => l.text),
      ["Runbook", "Dashboard"],
    );
  });

  it("repeats the Watchdog faster than pages, so the dead-man's switch never starves", () => {
    assert.ok(
      durationSeconds(TIMINGS.watchdog.repeat_interval) < durationSeconds(TIMINGS.critical.repeat_interval),
    );
    assert.ok(
      durationSeconds(TIMINGS.critical.group_interval) <= 60,
      "resolves reach PagerDuty within a minute",
    );
  });

  it("inhibits critical → warning only between the declared pairs, then degraded by down, pods by node", () => {
    const rules = buildAlertmanagerConfig(base).inhibit_rules as InhibitRule[];
    assert.deepEqual(rules, inhibitRules());
    assert.deepEqual(
      rules.map((r) => r.source_matchers[0]),
      [
        ...CRITICAL_EXPLAINS_WARNINGS.map((p) => `alertname="${p.critical}"`),
        'alertname="ControlPlaneDown"',
        'alertname="ControlPlaneDown"',
        'alertname="ControlPlaneDown"',
        'alertname="TenantServerDown"',
        'alertname="TenantServerDown"',
        'alertname="NodeNotReady"',
      ],
    );
    assert.ok(
      rules.every((r) => r.source_matchers.some((m) => m.startsWith('alertname="'))),
      "no rule selects its sources by severity alone",
    );
    assert.deepEqual(rules.at(-1)!.equal, ["node"]);
  });

  for (const stack of ["prod", "staging"]) {
    it(`compares only labels every source alert carries, and names only real alerts (${stack})`, () => {
      const alerts = firingLabelSets(alertCatalog(buildRuleContext(parseStack(stack))));
      assert.deepEqual(inhibitionProblems(inhibitRules(), CRITICAL_EXPLAINS_WARNINGS, alerts), []);
      const watchdog = alerts.filter((a) => a.alertname === "Watchdog");
      assert.ok(watchdog.length > 0);
      for (const r of inhibitRules()) {
        assert.ok(!watchdog.some((w) => r.target_matchers.every((m) => matchesOne(m, w))), String(r.equal));
      }
    });
  }

  it("flags the old catch-all rule: unrelated alerts share a target when both lack its labels", () => {
    const alerts = firingLabelSets(alertCatalog(buildRuleContext(parseStack("prod"))));
    const catchAll: InhibitRule = {
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity="warning"'],
      equal: ["area", "namespace", "tenant", "job", "instance", "pod", "node", "persistentvolumeclaim"],
    };
    const problems = inhibitionProblems([catchAll], [], alerts);
    assert.ok(
      problems.some((p) => p.includes("source CertificateExpiryImminent can fire without namespace")),
      problems.join("\n"),
    );
    const typo = {
      critical: "PersistentVolumeAlmostFull",
      warnings: ["NoSuchAlert"],
      sameTarget: ["namespace"],
    };
    assert.deepEqual(inhibitionProblems([], [typo], alerts), [
      "PersistentVolumeAlmostFull explains NoSuchAlert: no such alert in the catalog",
    ]);
  });
});

/** Test-side copy of one matcher's meaning, so the check above does not rely on the code it checks. */
function matchesOne(matcher: string, labels: AlertLabelSet): boolean {
  const [, name, op, value] = /^(\w+)(=~|!~|!=|=)"(.*)"$/.exec(matcher)!;
  const hit = new RegExp(`^(?:${value})$`).test(labels[name] ?? "");
  return op === "=" || op === "=~" ? hit : !hit;
}

interface PostedAlert {
  readonly labels: AlertLabelSet;
  readonly startsAt: string;
}

interface ListedAlert {
  readonly labels: AlertLabelSet;
  readonly fingerprint: string;
  readonly status: { readonly state: string; readonly inhibitedBy: string[] };
}

/**
 * One pair of alerts firing together: `source` and `target` name catalog alerts and fire with the
 * labels of their first promtool firing case, changed by `labels`.
 */
interface InhibitionCase {
  readonly name: string;
  readonly source: { readonly alert: string; readonly labels?: AlertLabelSet };
  readonly target: { readonly alert: string; readonly labels?: AlertLabelSet };
  readonly inhibited: boolean;
}

const certB = { exported_namespace: "cameleer-system", name: "api-cameleer-io-tls" };
const worker = { node: "ip-10-0-1-17.eu-central-1.compute.internal" };
const inhibitionCases: InhibitionCase[] = [
  // Unrelated alerts that the catch-all rule put together because both lack its labels.
  {
    name: "a certificate about to expire does not hide another certificate that is not ready",
    source: { alert: "CertificateExpiryImminent" },
    target: { alert: "CertificateNotReady", labels: certB },
    inhibited: false,
  },
  {
    name: "a certificate about to expire does not hide an unrelated failing HelmRelease",
    source: { alert: "CertificateExpiryImminent" },
    target: { alert: "FluxReconciliationFailing" },
    inhibited: false,
  },
  {
    name: "a JWT key about to expire does not hide an auth failure spike",
    source: { alert: "JwtSigningKeyExpiryImminent" },
    target: { alert: "AuthFailureSpike" },
    inhibited: false,
  },
  {
    name: "a JWT key about to expire does not hide a provisioning backlog",
    source: { alert: "JwtSigningKeyExpiryImminent" },
    target: { alert: "ProvisioningQueueBacklog" },
    inhibited: false,
  },
  {
    name: "stale metering does not hide failing Stripe webhooks",
    source: { alert: "MeteringPipelineStale" },
    target: { alert: "StripeWebhookFailureRatioHigh" },
    inhibited: false,
  },
  // A declared pair, but two targets.
  {
    name: "a full volume does not hide another volume filling up",
    source: { alert: "PersistentVolumeAlmostFull" },
    target: { alert: "PersistentVolumeFillingUp", labels: { persistentvolumeclaim: "data-other-0" } },
    inhibited: false,
  },
  {
    name: "a certificate about to expire does not hide another certificate expiring soon",
    source: { alert: "CertificateExpiryImminent" },
    target: { alert: "CertificateExpiringSoon", labels: certB },
    inhibited: false,
  },
  // Genuine pairs: one target.
  {
    name: "a volume at the critical threshold hides the same volume's warning",
    source: { alert: "PersistentVolumeAlmostFull" },
    target: { alert: "PersistentVolumeFillingUp" },
    inhibited: true,
  },
  {
    name: "a certificate about to expire hides its own expiring-soon warning",
    source: { alert: "CertificateExpiryImminent", labels: certB },
    target: { alert: "CertificateExpiringSoon", labels: certB },
    inhibited: true,
  },
  {
    name: "a JWT key about to expire hides its own expiring-soon warning",
    source: { alert: "JwtSigningKeyExpiryImminent" },
    target: { alert: "JwtSigningKeyExpiringSoon" },
    inhibited: true,
  },
  {
    name: "a down control plane hides its error rate",
    source: { alert: "ControlPlaneDown" },
    target: { alert: "ControlPlaneHighErrorRate" },
    inhibited: true,
  },
  {
    name: "a down control plane hides the fast burn of its error budget: one page for the outage",
    source: { alert: "ControlPlaneDown" },
    target: { alert: "ControlPlaneErrorBudgetFastBurn" },
    inhibited: true,
  },
  {
    name: "a down tenant server hides the fast burn of its tenant's budget",
    source: { alert: "TenantServerDown" },
    target: { alert: "TenantErrorBudgetFastBurn" },
    inhibited: true,
  },
  {
    name: "a down tenant server does not hide another tenant's budget burn",
    source: { alert: "TenantServerDown" },
    target: { alert: "TenantErrorBudgetFastBurn", labels: { namespace: "tenant-globex", tenant: "globex" } },
    inhibited: false,
  },
  {
    name: "a down node hides the OOM kills of its pods",
    source: { alert: "NodeNotReady", labels: worker },
    target: { alert: "TenantPodOOMKilled", labels: worker },
    inhibited: true,
  },
  // The dead-man's switch is never inhibited.
  {
    name: "a down control plane does not hide the Watchdog",
    source: { alert: "ControlPlaneDown" },
    target: { alert: "Watchdog" },
    inhibited: false,
  },
  {
    name: "a down node does not hide the Watchdog",
    source: { alert: "NodeNotReady" },
    target: { alert: "Watchdog" },
    inhibited: false,
  },
];

describe("Alertmanager inhibition, on a real Alertmanager", () => {
  const alerts = firingLabelSets(alertCatalog(buildRuleContext(parseStack("prod"))));
  const labelsOf = (alert: string, overrides: AlertLabelSet = {}): AlertLabelSet => {
    const found = alerts.find((a) => a.alertname === alert);
    assert.ok(found, `${alert} has a firing test case`);
    return { ...found, ...overrides };
  };
  // Nothing may leave the machine: every receiver points at the discard port.
  const nowhere = "http://127.0.0.1:9";
  let credentialsDir: string;
  let alertmanager: ManagedProcess;
  let posted: PostedAlert[] = [];

  before(async () => {
    credentialsDir = fs.mkdtempSync(path.join(os.tmpdir(), "am-inhibit-"));
    fs.writeFileSync(path.join(credentialsDir, CREDENTIAL_KEYS.slackWebhookUrl), `${nowhere}/slack\n`);
    for (const area of AREAS)
      fs.writeFileSync(path.join(credentialsDir, CREDENTIAL_KEYS.pagerduty(area)), `key-${area}\n`);
    const config = buildAlertmanagerConfig({
      ...base,
      credentialsDir,
      pagerdutyUrl: `${nowhere}/v2/enqueue`,
      deadMansSwitchUrl: `${nowhere}/push`,
    });
    alertmanager = await startAlertmanager(stableYaml(config));
  });
  after(async () => {
    await alertmanager?.stop();
    fs.rmSync(credentialsDir, { recursive: true, force: true });
  });

  async function post(body: unknown[]): Promise<void> {
    const res = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, `${await res.text()}\n${alertmanager.log()}`);
  }
  async function list(): Promise<ListedAlert[]> {
    const res = await fetch(`${alertmanager.url}/api/v2/alerts`);
    assert.equal(res.status, 200);
    return (await res.json()) as ListedAlert[];
  }
  const same = (a: AlertLabelSet, b: AlertLabelSet) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

  /**
   * Fires `labels` alone: resolves what the previous case fired, then fires a sentinel pair behind
   * them (a down node and its memory pressure). Alertmanager hands alerts to its inhibitor in the
   * order they arrive, so once the sentinel is inhibited, every alert before it has been seen.
   */
  async function fireAlone(caseIndex: number, labels: AlertLabelSet[]): Promise<ListedAlert[]> {
    const now = new Date();
    if (posted.length > 0) {
      await post(posted.map((p) => ({ labels: p.labels, startsAt: p.startsAt, endsAt: now.toISOString() })));
    }
    const sentinelNode = { node: `sentinel-${caseIndex}` };
    const fired = [
      ...labels,
      labelsOf("NodeNotReady", sentinelNode),
      labelsOf("NodeMemoryPressure", sentinelNode),
    ];
    const startsAt = new Date(now.getTime() + 1).toISOString();
    const endsAt = new Date(now.getTime() + 3_600_000).toISOString();
    posted = fired.map((l) => ({ labels: l, startsAt }));
    await post(fired.map((l) => ({ labels: l, startsAt, endsAt })));
    const sentinel = fired.at(-1)!;
    return waitFor(
      "the sentinel alert to be inhibited",
      async () => {
        const listed = await list();
        const mine = fired.map((l) => listed.find((a) => same(a.labels, l)));
        if (mine.some((a) => a === undefined)) return undefined;
        const s = listed.find((a) => same(a.labels, sentinel))!;
        return s.status.inhibitedBy.length > 0 ? (mine as ListedAlert[]) : undefined;
      },
      10_000,
      50,
    );
  }

  inhibitionCases.forEach((c, i) => {
    it(c.name, async () => {
      const source = labelsOf(c.source.alert, c.source.labels);
      const target = labelsOf(c.target.alert, c.target.labels);
      const [firedSource, firedTarget] = await fireAlone(i, [source, target]);
      assert.deepEqual(firedSource.status.inhibitedBy, [], "the source itself is not inhibited");
      assert.deepEqual(
        firedTarget.status.inhibitedBy,
        c.inhibited ? [firedSource.fingerprint] : [],
        `${JSON.stringify(target)} with ${JSON.stringify(source)}`,
      );
      assert.equal(firedTarget.status.state, c.inhibited ? "suppressed" : "active");
    });
  });
});
