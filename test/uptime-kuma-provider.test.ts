/**
 * The dynamic providers against a real Uptime Kuma server (installed by
 * `bash test/uptime-kuma-server/install.sh`). Every provider under test went through Pulumi's closure
 * serialisation and back, as the engine's dynamic-provider host loads it.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import {
  MANAGED_MARKER,
  withClient,
  type KumaMonitor,
  type UptimeKumaConnection,
} from "../components/uptime-kuma/client";
import {
  diffMonitor,
  monitorProvider,
  monitorToKuma,
  notificationProvider,
  statusPageProvider,
  statusPageToKuma,
  STATUS_PAGE_MARKER_CSS,
  type MonitorState,
  type NotificationState,
  type StatusPageState,
} from "../components/uptime-kuma/provider";
import { useUptimeKumaServer } from "./helpers/uptime-kuma-server";

type Provider = Required<pulumi.dynamic.ResourceProvider>;

/** The provider as the engine runs it: serialised to text, then loaded the way its host loads it. */
async function asDeployed(
  provider: pulumi.dynamic.ResourceProvider,
): Promise<{ provider: Provider; text: string }> {
  const { text } = await pulumi.runtime.serializeFunction(() => provider);
  const hostRequire = createRequire(require.resolve("@pulumi/pulumi/cmd/dynamic-provider"));
  const requireFromString = hostRequire("require-from-string") as (code: string) => { handler(): Provider };
  return { provider: requireFromString(text).handler(), text };
}

interface Received {
  readonly path: string;
  readonly body: any;
}

/** An HTTP server on 127.0.0.1 that records what it receives and answers with `status`. */
async function startHttpServer(
  status: number,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON
      }
      received.push({ path: req.url ?? "", body: parsed });
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 400 ? "all systems go" : "broken");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("Uptime Kuma dynamic providers against a real server", function () {
  this.timeout(60_000);
  const server = useUptimeKumaServer();
  let P: { monitor: Provider; notification: Provider; statusPage: Provider };
  let serialised: string[];
  let healthy: Awaited<ReturnType<typeof startHttpServer>>;
  let failing: Awaited<ReturnType<typeof startHttpServer>>;
  let webhook: Awaited<ReturnType<typeof startHttpServer>>;
  const conn = (): UptimeKumaConnection => server().connection;

  before(async () => {
    const deployed = await Promise.all(
      [monitorProvider, notificationProvider, statusPageProvider].map(asDeployed),
    );
    P = {
      monitor: deployed[0].provider,
      notification: deployed[1].provider,
      statusPage: deployed[2].provider,
    };
    serialised = deployed.map((d) => d.text);
    [healthy, failing, webhook] = await Promise.all([
      startHttpServer(200),
      startHttpServer(500),
      startHttpServer(200),
    ]);
  });
  after(async () => {
    await Promise.all([healthy, failing, webhook].filter((s) => s !== undefined).map((s) => s.close()));
  });

  const live = (id: string): Promise<KumaMonitor | undefined> =>
    withClient(conn(), (c) => c.getMonitor(Number(id)));

  async function createMonitor(props: Record<string, unknown>): Promise<{ id: string; state: MonitorState }> {
    const { inputs, failures } = await P.monitor.check({}, { connection: conn(), ...props });
    assert.deepEqual(failures, []);
    const { id, outs } = await P.monitor.create(inputs);
    return { id, state: outs as MonitorState };
  }

  async function createWebhook(name: string): Promise<{ id: string; state: NotificationState }> {
    const { inputs, failures } = await P.notification.check(
      {},
      {
        connection: conn(),
        name,
        type: "webhook",
        settings: { webhookURL: `${webhook.url}/${name}`, webhookContentType: "json" },
      },
    );
    assert.deepEqual(failures, []);
    const { id, outs } = await P.notification.create(inputs);
    return { id, state: outs as NotificationState };
  }

  it("serialises each provider without credentials", () => {
    assert.equal(serialised.length, 3);
    for (const text of serialised) {
      assert.ok(!text.includes(conn().password));
      assert.match(text, /socket\.io-client/, "imports its client library when it runs");
    }
  });

  it("checks inputs: documented defaults, and failures for what the server would refuse", async () => {
    const { inputs, failures } = await P.monitor.check(
      {},
      { connection: conn(), name: "d", type: "http", url: healthy.url },
    );
    assert.deepEqual(failures, []);
    assert.deepEqual(
      {
        interval: inputs.intervalSeconds,
        retry: inputs.retryIntervalSeconds,
        timeout: inputs.timeoutSeconds,
        codes: inputs.acceptedStatusCodes,
        method: inputs.method,
        active: inputs.active,
        notifications: inputs.notificationIds,
      },
      {
        interval: 60,
        retry: 60,
        timeout: 48,
        codes: ["200-299"],
        method: "GET",
        active: true,
        notifications: [],
      },
    );
    const cases: [string, Record<string, unknown>, string][] = [
      [
        "interval under 20 s",
        { type: "http", url: healthy.url, intervalSeconds: 10, retryIntervalSeconds: 20 },
        "intervalSeconds",
      ],
      [
        "retry interval under 20 s",
        { type: "http", url: healthy.url, retryIntervalSeconds: 5 },
        "retryIntervalSeconds",
      ],
      [
        "no accepted status code",
        { type: "http", url: healthy.url, acceptedStatusCodes: [] },
        "acceptedStatusCodes",
      ],
      [
        "timeout not under the interval",
        { type: "http", url: healthy.url, timeoutSeconds: 60 },
        "timeoutSeconds",
      ],
      ["http without url", { type: "http" }, "url"],
      ["push without token", { type: "push" }, "pushToken"],
      ["unsupported type", { type: "ping", url: healthy.url }, "type"],
    ];
    for (const [name, props, property] of cases) {
      const r = await P.monitor.check({}, { connection: conn(), name: "x", ...props });
      assert.deepEqual(
        r.failures?.map((f) => f.property),
        [property],
        name,
      );
    }
  });

  it("checks inputs not known yet during a preview without failing or inventing values", async () => {
    const { inputs, failures } = await P.monitor.check(
      {},
      {
        connection: { ...conn(), password: unknownValue },
        name: "watchdog",
        type: "push",
        pushToken: unknownValue,
        intervalSeconds: 300,
        notificationIds: unknownValue,
      },
    );
    assert.deepEqual(failures, []);
    assert.equal(inputs.notificationIds, unknownValue);
    assert.equal(inputs.pushToken, unknownValue);
    const page = await P.statusPage.check(
      {},
      {
        connection: conn(),
        slug: "platform",
        title: "P",
        groups: [{ name: "G", monitorIds: [unknownValue, "2"] }],
      },
    );
    assert.deepEqual(page.failures, []);
    assert.deepEqual(page.inputs.groups, [{ name: "G", monitorIds: [unknownValue, "2"] }]);
  });

  it("creates a monitor that reads back exactly as declared, marked as ours", async () => {
    const { id, state } = await createMonitor({
      name: "api",
      type: "keyword",
      url: `${healthy.url}/health`,
      keyword: "systems go",
      intervalSeconds: 20,
      description: "the API",
    });
    const read = await P.monitor.read(id, state);
    assert.equal(read.id, id);
    assert.deepEqual(read.props, state);
    assert.deepEqual(read.inputs, state);
    const m = (await live(id))!;
    assert.equal(m.description, `${MANAGED_MARKER} the API`);
    assert.equal(m.type, "keyword");
    assert.equal(m.keyword, "systems go");
    assert.equal(m.interval, 20);
    assert.equal(m.timeout, 16);
    assert.deepEqual(m.accepted_statuscodes, ["200-299"]);
    assert.deepEqual(await P.monitor.diff(id, read.props, state), {
      changes: false,
      replaces: [],
      stables: ["kind"],
    });
    await P.monitor.delete(id, state);
  });

  it("diffs: names each changed property; another server or user replaces, a new password does not", async () => {
    const { inputs: a } = await P.monitor.check(
      {},
      { connection: conn(), name: "a", type: "http", url: healthy.url },
    );
    const { inputs: b } = await P.monitor.check(
      {},
      { connection: conn(), name: "b", type: "http", url: healthy.url, intervalSeconds: 30 },
    );
    // The default timeout follows the interval.
    assert.deepEqual(diffMonitor(a, b), {
      changes: ["name", "intervalSeconds", "retryIntervalSeconds", "timeoutSeconds"],
      replaces: [],
    });
    assert.deepEqual(await P.monitor.diff("1", a, b), { changes: true, replaces: [], stables: ["kind"] });
    const otherServer = { ...a, connection: { ...conn(), url: "http://127.0.0.1:1" } };
    assert.deepEqual(await P.monitor.diff("1", a, otherServer), {
      changes: true,
      replaces: ["connection"],
      stables: ["kind"],
    });
    const otherUser = { ...a, connection: { ...conn(), username: "someone" } };
    assert.deepEqual((await P.monitor.diff("1", a, otherUser)).replaces, ["connection"]);
    const newPassword = { ...a, connection: { ...conn(), password: "rotated-Passw0rd" } };
    assert.deepEqual(await P.monitor.diff("1", a, newPassword), {
      changes: true,
      replaces: [],
      stables: ["kind"],
    });
    const slugChange = await P.statusPage.diff(
      "a",
      { connection: conn(), slug: "a", title: "A", groups: [] },
      { connection: conn(), slug: "b", title: "A", groups: [] },
    );
    assert.deepEqual(slugChange.replaces, ["slug"]);
  });

  it("updates in place: same id, new settings live", async () => {
    const { id, state } = await createMonitor({
      name: "before",
      type: "http",
      url: healthy.url,
      intervalSeconds: 20,
    });
    const { inputs: next } = await P.monitor.check(
      {},
      {
        connection: conn(),
        name: "after",
        type: "http",
        url: `${healthy.url}/v2`,
        intervalSeconds: 40,
        acceptedStatusCodes: ["200-299", "301"],
        expiryNotification: true,
      },
    );
    const { outs } = await P.monitor.update(id, state, next);
    assert.deepEqual(outs, next);
    const m = (await live(id))!;
    assert.deepEqual(
      [m.name, m.url, m.interval, m.accepted_statuscodes, m.expiryNotification],
      ["after", `${healthy.url}/v2`, 40, ["200-299", "301"], true],
    );
    assert.deepEqual((await P.monitor.read(id, outs)).props, next);
    await P.monitor.delete(id, next);
  });

  it("detects a monitor edited and paused by hand; diff wants it back and update restores it", async () => {
    const { id, state } = await createMonitor({
      name: "drifty",
      type: "http",
      url: healthy.url,
      intervalSeconds: 20,
    });
    await withClient(conn(), async (c) => {
      await c.editMonitor({ ...monitorToKuma(state), id: Number(id), name: "edited by hand", interval: 120 });
      await c.pauseMonitor(Number(id));
    });
    const read = await P.monitor.read(id, state);
    assert.equal(read.id, id);
    const drifted = read.props as MonitorState;
    assert.deepEqual([drifted.name, drifted.intervalSeconds, drifted.active], ["edited by hand", 120, false]);
    assert.deepEqual(diffMonitor(drifted, state).changes, ["name", "intervalSeconds", "active"]);
    assert.equal((await P.monitor.diff(id, drifted, state)).changes, true);
    await P.monitor.update(id, drifted, state);
    const m = (await live(id))!;
    assert.deepEqual([m.name, m.interval, m.active], ["drifty", 20, true]);
    assert.deepEqual((await P.monitor.read(id, state)).props, state);
    await P.monitor.delete(id, state);
  });

  it("reports a monitor deleted by hand as gone, so that it is recreated", async () => {
    const { id, state } = await createMonitor({
      name: "fragile",
      type: "http",
      url: healthy.url,
      intervalSeconds: 20,
    });
    await withClient(conn(), (c) => c.deleteMonitor(Number(id)));
    assert.deepEqual(await P.monitor.read(id, state), { id: "" });
    await assert.rejects(
      P.monitor.update(id, state, state),
      /deleted outside Pulumi; run `pulumi up --refresh`/,
    );
    const again = await P.monitor.create(state);
    assert.deepEqual((await P.monitor.read(again.id, again.outs)).props, state);
    await P.monitor.delete(again.id, state);
  });

  it("deletes idempotently, and never a monitor it does not manage", async () => {
    const { id, state } = await createMonitor({
      name: "doomed",
      type: "http",
      url: healthy.url,
      intervalSeconds: 20,
    });
    await P.monitor.delete(id, state);
    assert.equal(await live(id), undefined);
    await P.monitor.delete(id, state);
    // A monitor made in the UI, with the same name; SQLite may even hand it the deleted id.
    const handMade = await withClient(conn(), (c) =>
      c.addMonitor({ ...monitorToKuma(state), description: "made in the UI" }),
    );
    assert.deepEqual(await P.monitor.read(String(handMade), state), { id: "" });
    await P.monitor.delete(String(handMade), state);
    assert.equal((await live(String(handMade)))?.description, "made in the UI");
  });

  it("manages notifications: create, read, update, attach to monitors, drift, delete", async () => {
    const { id: nid, state } = await createWebhook("ops");
    assert.deepEqual((await P.notification.read(nid, state)).props, state);
    const { inputs: changed } = await P.notification.check(
      {},
      { ...state, settings: { ...state.settings, webhookURL: `${webhook.url}/ops-v2` } },
    );
    assert.deepEqual((await P.notification.diff(nid, state, changed)).changes, true);
    await P.notification.update(nid, state, changed);
    assert.deepEqual((await P.notification.read(nid, changed)).props, changed);

    const { id: mid, state: monitor } = await createMonitor({
      name: "notifying",
      type: "http",
      url: healthy.url,
      intervalSeconds: 20,
      notificationIds: [nid],
    });
    assert.deepEqual((await live(mid))!.notificationIDList, { [nid]: true });
    // Detached by hand: the monitor drifts.
    await withClient(conn(), (c) =>
      c.editMonitor({ ...monitorToKuma(monitor), id: Number(mid), notificationIDList: {} }),
    );
    const drifted = (await P.monitor.read(mid, monitor)).props as MonitorState;
    assert.deepEqual(drifted.notificationIds, []);
    assert.deepEqual(diffMonitor(drifted, monitor).changes, ["notificationIds"]);
    await P.monitor.update(mid, drifted, monitor);
    assert.deepEqual((await live(mid))!.notificationIDList, { [nid]: true });
    await P.monitor.delete(mid, monitor);

    await withClient(conn(), (c) => c.deleteNotification(Number(nid)));
    assert.deepEqual(await P.notification.read(nid, changed), { id: "" });
    await P.notification.delete(nid, changed);
  });

  it("sends a DOWN notification to a webhook when an HTTP target fails", async () => {
    const { id: nid } = await createWebhook("down-alerts");
    const { id, state } = await createMonitor({
      name: "failing endpoint",
      type: "http",
      url: `${failing.url}/health`,
      intervalSeconds: 20,
      notificationIds: [nid],
    });
    const alert = await waitFor(
      "the DOWN notification",
      () =>
        webhook.received.find(
          (r) => r.path === "/down-alerts" && r.body?.monitor?.name === "failing endpoint",
        ),
      30_000,
    );
    assert.equal(alert.body.heartbeat.status, 0, "0 is DOWN");
    assert.match(alert.body.heartbeat.msg, /500/);
    assert.ok(
      failing.received.some((r) => r.path === "/health"),
      "the target was really probed",
    );
    await P.monitor.delete(id, state);
  });

  it("marks a push monitor down one interval after its last push", async () => {
    const token = "pushTokenForTheWatchdog0123456789";
    const { id: nid } = await createWebhook("watchdog");
    const { id, state } = await createMonitor({
      name: "watchdog",
      type: "push",
      pushToken: token,
      intervalSeconds: 20,
      notificationIds: [nid],
    });
    const unknown = await fetch(`${server().url}/api/push/not-${token}?status=up&msg=OK`);
    assert.equal(unknown.status, 404);
    const push = await fetch(`${server().url}/api/push/${token}?status=up&msg=OK`);
    assert.deepEqual(await push.json(), { ok: true });
    const pushedAt = Date.now();
    const alert = await waitFor(
      "the watchdog's DOWN notification",
      () => webhook.received.find((r) => r.path === "/watchdog" && r.body?.heartbeat?.status === 0),
      45_000,
    );
    const silentFor = Date.now() - pushedAt;
    assert.ok(silentFor >= 19_000, `went down after ${silentFor} ms, before its 20 s interval`);
    assert.equal(alert.body.monitor.name, "watchdog");
    assert.match(alert.body.heartbeat.msg, /No heartbeat/);
    await P.monitor.delete(id, state);
  });

  it("manages status pages: create, read, drift, update, delete", async () => {
    const a = await createMonitor({ name: "page-a", type: "http", url: healthy.url, intervalSeconds: 20 });
    const b = await createMonitor({ name: "page-b", type: "http", url: healthy.url, intervalSeconds: 20 });
    const { inputs, failures } = await P.statusPage.check(
      {},
      {
        connection: conn(),
        slug: "platform",
        title: "Platform",
        groups: [{ name: "Public", monitorIds: [b.id, a.id] }],
      },
    );
    assert.deepEqual(failures, []);
    const { id, outs } = await P.statusPage.create(inputs);
    assert.equal(id, "platform");
    const state = outs as StatusPageState;
    assert.deepEqual((await P.statusPage.read(id, state)).props, state);
    const saved = (await withClient(conn(), (c) => c.getStatusPage(id)))!;
    assert.equal(saved.customCSS, STATUS_PAGE_MARKER_CSS, "marked in its CSS");
    assert.deepEqual([saved.description, saved.footerText], ["", ""], "not in the text the public sees");
    await assert.rejects(P.statusPage.create(inputs), /failed/, "a slug is never adopted");

    // Edited by hand: another title, the group emptied.
    await withClient(conn(), async (c) => {
      const config = (await c.getStatusPage(id))!;
      await c.saveStatusPage(id, { ...config, title: "Renamed", logo: "/icon.svg" }, "/icon.svg", [
        { name: "Public", monitorList: [] },
      ]);
    });
    const drifted = (await P.statusPage.read(id, state)).props as StatusPageState;
    assert.equal(drifted.title, "Renamed");
    assert.deepEqual(drifted.groups, [{ name: "Public", monitorIds: [] }]);
    assert.deepEqual((await P.statusPage.diff(id, drifted, state)).changes, true);
    await P.statusPage.update(id, drifted, state);
    assert.deepEqual((await P.statusPage.read(id, state)).props, state);

    await withClient(conn(), (c) => c.deleteStatusPage(id));
    assert.deepEqual(await P.statusPage.read(id, state), { id: "" });
    await P.statusPage.delete(id, state);
    await P.monitor.delete(a.id, a.state);
    await P.monitor.delete(b.id, b.state);
  });

  it("never reads, edits or deletes a status page it does not manage, even on its own slug", async () => {
    const { inputs } = await P.statusPage.check(
      {},
      { connection: conn(), slug: "reused", title: "Ours", groups: [{ name: "Public", monitorIds: [] }] },
    );
    const { id, outs } = await P.statusPage.create(inputs);
    const state = outs as StatusPageState;
    // Deleted by hand, and the slug taken by a page made in the UI: no marker in its CSS.
    const handMade = { ...statusPageToKuma(state).config, title: "Made in the UI", customCSS: "" };
    await withClient(conn(), async (c) => {
      await c.deleteStatusPage(id);
      await c.addStatusPage(handMade.title, id);
      await c.saveStatusPage(id, handMade, "/icon.svg", []);
    });
    assert.deepEqual(await P.statusPage.read(id, state), { id: "" });
    await assert.rejects(
      P.statusPage.update(id, { ...state, title: "Old" }, state),
      /deleted outside Pulumi/,
    );
    await P.statusPage.delete(id, state);
    const survivor = await withClient(conn(), (c) => c.getStatusPage(id));
    assert.deepEqual([survivor?.title, survivor?.customCSS], ["Made in the UI", ""], "left as it was");

    // Our page with the marker taken out of its CSS by hand is no longer ours either.
    await withClient(conn(), (c) =>
      c.saveStatusPage(id, { ...handMade, customCSS: STATUS_PAGE_MARKER_CSS }, "/icon.svg", []),
    );
    assert.equal((await P.statusPage.read(id, state)).id, id, "marked: ours");
    await withClient(conn(), (c) =>
      c.saveStatusPage(id, { ...handMade, customCSS: "body {}" }, "/icon.svg", []),
    );
    assert.deepEqual(await P.statusPage.read(id, state), { id: "" });
    await P.statusPage.delete(id, state);
    assert.ok(await withClient(conn(), (c) => c.getStatusPage(id)), "still there");
    await withClient(conn(), (c) => c.deleteStatusPage(id));
  });

  it("logs in with the password once per process, then by token (the server allows 20 a minute)", () => {
    const log = server().output();
    const byPassword = log.match(/Login by username \+ password/g) ?? [];
    const byToken = log.match(/Login by token/g) ?? [];
    assert.equal(byPassword.length, 1, "password logins");
    assert.ok(byToken.length > 20, `only ${byToken.length} token logins`);
  });
  describe("on a fresh server nobody has set up", () => {
    const fresh = useUptimeKumaServer({ setup: false });

    it("creates the admin account from the first operations, even when they run in parallel", async () => {
      const names = ["first", "second", "third"];
      const created = await Promise.all(
        names.map(async (name) => {
          const { inputs } = await P.monitor.check(
            {},
            { connection: fresh().connection, name, type: "http", url: healthy.url, intervalSeconds: 20 },
          );
          return P.monitor.create(inputs);
        }),
      );
      const monitors = await withClient(fresh().connection, (c) => c.monitors());
      assert.deepEqual(
        Object.values(monitors)
          .map((m) => m.name)
          .sort(),
        [...names].sort(),
      );
      assert.deepEqual(created.map((c) => c.id).sort(), Object.keys(monitors).sort());
      assert.equal(
        fresh()
          .output()
          .match(/Login by username \+ password/g)?.length,
        1,
      );
    });
  });
});
