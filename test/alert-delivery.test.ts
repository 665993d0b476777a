import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { expectedReceiver, RECEIVERS, TIMINGS } from "../components/alerting/alertmanager-config";
import { alertmanagerConfigWriter } from "../components/alerting/artefacts";
import { alertCatalog } from "../components/alerts/catalog";
import { durationSeconds } from "../components/alerts/rule-files";
import { AREAS } from "../stacks/config";
import { isSecretValue, reveal, type StackRun } from "../stacks/mock-runtime";
import { buildRuleContext } from "../stacks/rule-context";
import { parseStack } from "./helpers/config";
import { amtoolRoutes, runTool } from "./helpers/promtool";
import { committedRun, inputsOf, inventory, resource, T } from "./helpers/runs";

const PD = {
  provider: "pulumi:providers:pagerduty",
  policy: "pagerduty:index/escalationPolicy:EscalationPolicy",
  service: "pagerduty:index/service:Service",
  integration: "pagerduty:index/serviceIntegration:ServiceIntegration",
  maintenance: "pagerduty:index/maintenanceWindow:MaintenanceWindow",
};

/** The Alertmanager configuration a run deploys, as the render writes it (secrets redacted). */
function renderedConfig(run: StackRun): string {
  const secret = run.resources.filter((r) => alertmanagerConfigWriter.claims(r));
  assert.equal(secret.length, 1, "exactly one Secret holds alertmanager.yaml");
  return alertmanagerConfigWriter.write(secret, run)[0].content;
}

describe("alert delivery", () => {
  for (const stack of ["prod", "staging"]) {
    describe(stack, () => {
      const cfg = parseStack(stack);
      let run: StackRun;
      let dir: string;
      let configFile: string;

      before(async () => {
        run = await committedRun(stack);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-delivery-"));
        configFile = path.join(dir, "alertmanager.yaml");
        fs.writeFileSync(configFile, renderedConfig(run));
      });
      after(() => fs.rmSync(dir, { recursive: true, force: true }));

      it("delivers the configuration as the Secret the chart mounts, and passes amtool check-config", () => {
        const core = inputsOf<{ values: any }>(run, T.release, "kps-release").values.alertmanager
          .alertmanagerSpec;
        assert.equal(core.useExistingSecret, true);
        assert.equal(core.configSecret, "alertmanager-config");
        assert.deepEqual(core.secrets, ["alertmanager-credentials"]);
        assert.ok(isSecretValue(resource(run, T.secret, "alertmanager-config").inputs.stringData));
        const check = runTool("amtool", ["check-config", configFile], "prometheus-alertmanager");
        assert.ok(check.ok, check.output);
      });

      it("routes every alert of the catalog by its own area and severity", () => {
        const alerts = alertCatalog(buildRuleContext(cfg)).flatMap((a) => a.alerts);
        const wrong: string[] = [];
        for (const a of alerts) {
          const expected = expectedReceiver(a.area, a.severity, a.alert);
          const r = amtoolRoutes(
            configFile,
            { alertname: a.alert, area: a.area, severity: a.severity, ...a.labels },
            expected,
          );
          if (!r.ok)
            wrong.push(`${a.alert} (${a.area}/${a.severity}) should reach ${expected}: ${r.stdout.trim()}`);
        }
        assert.deepEqual(wrong, []);
      });

      it("pages only if the stack pages: PagerDuty receivers, keys and services follow the config", () => {
        const am = YAML.parse(fs.readFileSync(configFile, "utf8")) as {
          receivers: { name: string; pagerduty_configs?: unknown[] }[];
        };
        const paging = am.receivers.filter((r) => r.pagerduty_configs).map((r) => r.name);
        const credentials = reveal<Record<string, string>>(
          resource(run, T.secret, "alertmanager-credentials").inputs.stringData,
        );
        const pdResources = inventory(run).filter(
          (r) => r.startsWith("pagerduty:") || r.startsWith(PD.provider),
        );
        if (cfg.receivers.pagerduty.enabled) {
          assert.deepEqual(
            paging,
            AREAS.map((a) => RECEIVERS.critical(a)),
          );
          for (const a of AREAS) assert.ok(credentials[`pagerduty-${a}`], `credential file for ${a}`);
          assert.equal(pdResources.filter((r) => r.startsWith(PD.service)).length, AREAS.length);
        } else {
          assert.deepEqual(paging, []);
          assert.deepEqual(Object.keys(credentials), ["slack-webhook-url"]);
          assert.deepEqual(pdResources, [], "a stack that does not page creates nothing in PagerDuty");
        }
      });

      it("keeps every credential out of the configuration: files from a secret mount, the push token redacted", () => {
        const text = fs.readFileSync(configFile, "utf8");
        for (const s of run.secretValues) assert.ok(!text.includes(s));
        assert.match(text, /url: https:\/\/[^\s]+\/api\/push\/redacted-secret\?status=up/);
        assert.ok(isSecretValue(resource(run, T.secret, "alertmanager-credentials").inputs.stringData));
      });

      it("pushes the Watchdog more often than the dead-man's switch expects it", () => {
        const monitor = run.resources.find((r) => r.name === "uptime-kuma-watchdog");
        assert.ok(monitor, "the dead-man's switch push monitor exists");
        const interval = Number(reveal<Record<string, unknown>>(monitor.inputs).intervalSeconds);
        assert.ok(Number.isFinite(interval), "push monitor has an interval");
        assert.ok(
          durationSeconds(TIMINGS.watchdog.repeat_interval) * 2 <= interval,
          `Watchdog repeats every ${TIMINGS.watchdog.repeat_interval}; the monitor waits ${interval}s`,
        );
      });
    });
  }

  describe("PagerDuty as code (prod)", () => {
    const cfg = parseStack("prod");
    let run: StackRun;
    before(async () => {
      run = await committedRun("prod");
    });

    it("creates a service per owning area, with severity-based urgency, on the configured escalation", () => {
      const policy = inputsOf<{
        numLoops: number;
        rules: { escalationDelayInMinutes: number; targets: unknown[] }[];
      }>(run, PD.policy, "pagerduty-escalation");
      assert.equal(policy.numLoops, cfg.receivers.pagerduty.numLoops);
      assert.deepEqual(
        policy.rules.map((r) => r.escalationDelayInMinutes),
        cfg.receivers.pagerduty.escalation!.map((l) => l.delayMinutes),
      );
      assert.deepEqual(policy.rules[0].targets, [{ type: "schedule_reference", id: "PQ7SRE1" }]);
      for (const area of AREAS) {
        const service = inputsOf<{ name: string; incidentUrgencyRule: unknown; escalationPolicy: string }>(
          run,
          PD.service,
          `pagerduty-${area}`,
        );
        assert.match(service.name, /\(prod\)$/);
        assert.deepEqual(service.incidentUrgencyRule, { type: "constant", urgency: "severity_based" });
        const integration = inputsOf<{ type: string }>(run, PD.integration, `pagerduty-${area}-events`);
        assert.equal(integration.type, "events_api_v2_inbound_integration");
      }
    });

    it("declares the configured maintenance windows on the areas they name", () => {
      const windows = run.resources.filter((r) => r.type === PD.maintenance);
      assert.equal(windows.length, cfg.receivers.pagerduty.maintenanceWindows.length);
      const w = reveal<{ startTime: string; endTime: string; services: string[] }>(windows[0].inputs);
      assert.equal(w.startTime, cfg.receivers.pagerduty.maintenanceWindows[0].start);
      assert.deepEqual(w.services, ["pagerduty-shared-services-id"]);
    });

    it("keeps the API token and integration keys secret", () => {
      const provider = resource(run, PD.provider, "pagerduty-provider");
      assert.ok(isSecretValue(provider.inputs.token));
    });
  });
});
