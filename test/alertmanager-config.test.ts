import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildAlertmanagerConfig,
  expectedReceiver,
  RECEIVERS,
  TIMINGS,
  type AlertmanagerConfigInput,
} from "../components/alerting/alertmanager-config";
import { durationSeconds } from "../components/alerts/rule-files";
import { SEVERITIES } from "../components/alerts/types";
import { stableYaml } from "../components/shared/serialize";
import { AREAS } from "../stacks/config";
import { parseStack } from "./helpers/config";
import { amtoolRoutes, runTool } from "./helpers/promtool";

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

  it("inhibits warnings of a target that has a critical, degraded by down, and pods by their node", () => {
    const rules = buildAlertmanagerConfig(base).inhibit_rules as {
      source_matchers: string[];
      equal: string[];
    }[];
    assert.deepEqual(
      rules.map((r) => r.source_matchers[0]),
      [
        'severity="critical"',
        'alertname="ControlPlaneDown"',
        'alertname="ControlPlaneDown"',
        'alertname="TenantServerDown"',
        'alertname="NodeNotReady"',
      ],
    );
    assert.ok(rules[0].equal.includes("area") && rules[0].equal.includes("namespace"));
    assert.deepEqual(rules[4].equal, ["node"]);
  });
});
