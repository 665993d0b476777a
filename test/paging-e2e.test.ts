import { strict as assert } from "node:assert";
import { runbookUrl } from "../components/alerts/context";
import { parseStack } from "./helpers/config";
import { eventAfter, startPagingPipeline, type PagingPipeline } from "./helpers/paging-pipeline";
import { waitFor } from "./helpers/servers";

/**
 * A fault travels the real paging path: metrics endpoint → Prometheus (the catalog's rule) →
 * Alertmanager (the generated prod configuration) → PagerDuty Events API v2 (a fake that answers
 * 202). Intervals are shortened; `npm run bench:page` runs the same path with prod's.
 */
describe("paging end to end (real Prometheus and Alertmanager on 127.0.0.1)", function () {
  this.timeout(180_000);
  let p: PagingPipeline;

  before(async () => {
    p = await startPagingPipeline({
      config: parseStack("prod"),
      scrapeInterval: "1s",
      evaluationInterval: "1s",
      alertFor: "5s",
      resendDelay: "2s",
      timings: {
        critical: { group_wait: "1s", group_interval: "2s", repeat_interval: "1h" },
        warning: { group_wait: "1s", group_interval: "2s", repeat_interval: "1h" },
        watchdog: { group_wait: "0s", group_interval: "1s", repeat_interval: "2s" },
      },
    });
    await p.scraped();
  });

  after(async () => {
    await p?.stop();
  });

  it("pages the area's PagerDuty service when the fault outlasts `for`, then resolves it", async () => {
    const faultAt = Date.now();
    p.fault();
    const trigger = await waitFor("a PagerDuty trigger", () => eventAfter(p, "trigger", faultAt), 60_000);
    assert.equal(trigger.routing_key, p.routingKey);
    assert.equal(trigger.payload?.severity, "critical");
    assert.equal(trigger.payload?.summary, "Public endpoint login is unreachable");
    assert.ok(trigger.dedup_key.length > 0, "Alertmanager sends a dedup key");
    assert.deepEqual(
      trigger.links?.map((l) => l.text),
      ["Runbook", "Dashboard"],
    );
    assert.equal(trigger.links?.[0].href, runbookUrl(p.ctx, "PublicEndpointDown"));
    assert.ok(trigger.at - faultAt >= 5_000, "no page before the alert's `for` has elapsed");

    const recoverAt = Date.now();
    p.recover();
    const resolve = await waitFor("a PagerDuty resolve", () => eventAfter(p, "resolve", recoverAt), 60_000);
    assert.equal(resolve.dedup_key, trigger.dedup_key, "the resolve closes the same incident");
    assert.equal(resolve.routing_key, p.routingKey);
  });

  it("also posts the critical to the area's Slack channel", () => {
    const posts = p.slack.requests.map(
      (r) => JSON.parse(r.body) as { channel: string; attachments: { title: string }[] },
    );
    const critical = posts.find((b) => b.attachments[0].title.includes("PublicEndpointDown"));
    assert.ok(critical, "a Slack message for the critical");
    assert.equal(critical.channel, parseStack("prod").receivers.slack.channels["control-plane"]);
  });

  it("sends the Watchdog to the dead-man's switch and nowhere else", async () => {
    await waitFor(
      "a dead-man's-switch push",
      () => (p.deadMansSwitch.requests.length > 1 ? true : undefined),
      30_000,
    );
    for (const r of p.deadMansSwitch.requests) {
      assert.equal(r.method, "POST");
      assert.match(r.url, /^\/api\/push\/dms-token\?status=up/);
      const body = JSON.parse(r.body) as { alerts: { labels: { alertname: string } }[] };
      assert.deepEqual(
        body.alerts.map((a) => a.labels.alertname),
        ["Watchdog"],
      );
    }
    assert.ok(p.pagerduty.events().every((e) => !e.payload?.summary.includes("Watchdog")));
    assert.ok(p.slack.requests.every((r) => !r.body.includes("Watchdog")));
  });
});
