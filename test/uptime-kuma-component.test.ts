import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { uptimeKumaWriter } from "../components/uptime-kuma/artefacts";
import { KINDS } from "../components/uptime-kuma/provider";
import { UPTIME_KUMA_IMAGE, UptimeKuma, type UptimeKumaArgs } from "../components/uptime-kuma/uptime-kuma";
import { PROJECT, type StackConfig } from "../stacks/config";
import { isSecretValue, reveal, type RecordedResource, type StackRun } from "../stacks/mock-runtime";
import { parseStack } from "./helpers/config";
import { promiseOf } from "./helpers/promise";

const T = {
  component: "platform-monitoring:uptime-kuma:UptimeKuma",
  k8sProvider: "pulumi:providers:kubernetes",
  namespace: "kubernetes:core/v1:Namespace",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  password: "random:index/randomPassword:RandomPassword",
  dynamic: "pulumi-nodejs:dynamic:Resource",
} as const;

interface Registered extends RecordedResource {
  /** Reference of the provider the engine would use (`urn::id`), when one was given. */
  readonly provider?: string;
  /** The options the resource was created with, as a transformation saw them. */
  readonly opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
}

interface ComponentRun {
  readonly resources: Registered[];
  readonly component: UptimeKuma;
  readonly secretValues: string[];
}

const SLACK_URL = "https://hooks.slack.test/services/placeholder-slack-webhook";
const PAGERDUTY_KEY = "placeholder-pagerduty-integration-key";

/** Pulumi's hook that drains outstanding registrations; internal to the SDK, hence the cast. */
const waitForRPCs = (): Promise<void> =>
  (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

/** The args the lead's program passes, from a stack's real config. */
function argsFor(cfg: StackConfig, pagerdutyIntegrationKey?: string): UptimeKumaArgs {
  return {
    ...cfg.uptimeKuma,
    publicEndpoints: cfg.controlPlane.publicEndpoints,
    grafanaUrl: `https://${cfg.ingress.grafanaHost}`,
    ingressClassName: cfg.ingress.className,
    clusterIssuer: cfg.ingress.clusterIssuer,
    slackWebhookUrl: pulumi.secret(SLACK_URL),
    pagerdutyIntegrationKey:
      pagerdutyIntegrationKey === undefined ? undefined : pulumi.secret(pagerdutyIntegrationKey),
  };
}

/** Builds the component under mocks, recording every resource with its inputs, provider and options. */
async function runComponent(stack: string, args: UptimeKumaArgs): Promise<ComponentRun> {
  const resources: Registered[] = [];
  const opts = new Map<string, pulumi.ResourceOptions>();
  const secretValues = [SLACK_URL, PAGERDUTY_KEY];
  await pulumi.runtime.setMocks(
    {
      newResource(a: pulumi.runtime.MockResourceArgs) {
        const inputs = a.inputs as Record<string, unknown>;
        resources.push({
          type: a.type,
          name: a.name,
          custom: a.custom ?? true,
          inputs,
          provider: a.provider,
          opts: opts.get(`${a.type} ${a.name}`) ?? {},
        });
        // Generated values come back plain, as a careless provider might: the component keeps them secret.
        const state =
          a.type === T.password
            ? { ...inputs, result: `mock-random-${stack}-${a.name}-value` }
            : { ...inputs };
        if (a.type === T.password) secretValues.push(state.result as string);
        return { id: `${a.name}-id`, state };
      },
      call(a: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        throw new Error(`unexpected provider function call ${a.token}: the mocks know no functions`);
      },
    },
    PROJECT,
    stack,
    false,
  );
  const component = new UptimeKuma("uptime-kuma", args, {
    transformations: [
      (t) => {
        opts.set(`${t.type} ${t.name}`, t.opts);
        return undefined;
      },
    ],
  });
  await promiseOf(pulumi.all([component.deadMansSwitchUrl, component.adminPassword]));
  await waitForRPCs();
  return { resources, component, secretValues };
}

function one(run: ComponentRun, type: string, name: string): Registered {
  const found = run.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

const inputs = <T = any>(run: ComponentRun, type: string, name: string): T =>
  reveal<T>(one(run, type, name).inputs);
const dynamicOf = (run: ComponentRun, kind: string) =>
  run.resources.filter((r) => r.type === T.dynamic && r.inputs.kind === kind);

describe("UptimeKuma component under mocks", () => {
  for (const stack of ["prod", "staging"]) {
    describe(stack, () => {
      const cfg = parseStack(stack);
      // Prod pages through PagerDuty; staging has it off and passes no key.
      const pagerdutyKey = cfg.receivers.pagerduty.enabled ? PAGERDUTY_KEY : undefined;
      let run: ComponentRun;
      before(async function () {
        this.timeout(60_000);
        run = await runComponent(stack, argsFor(cfg, pagerdutyKey));
      });

      it("registers exactly the expected resources", () => {
        const monitors = [
          ...cfg.controlPlane.publicEndpoints.map((e) => `public-${e.name}`),
          "grafana",
          ...cfg.uptimeKuma.tenantEndpoints.map((t) => `tenant-${t.tenant}`),
          "watchdog",
        ];
        const expected = [
          `${T.component} uptime-kuma`,
          `${T.k8sProvider} uptime-kuma-cluster`,
          `${T.namespace} uptime-kuma-namespace`,
          `${T.pvc} uptime-kuma-data`,
          `${T.deployment} uptime-kuma-deployment`,
          `${T.service} uptime-kuma-service`,
          `${T.ingress} uptime-kuma-ingress`,
          `${T.password} uptime-kuma-admin-password`,
          `${T.password} uptime-kuma-watchdog-push-token`,
          `${T.dynamic} uptime-kuma-slack`,
          ...(pagerdutyKey ? [`${T.dynamic} uptime-kuma-pagerduty`] : []),
          ...monitors.map((m) => `${T.dynamic} uptime-kuma-${m}`),
          `${T.dynamic} uptime-kuma-status-page`,
        ].sort();
        assert.deepEqual(run.resources.map((r) => `${r.type} ${r.name}`).sort(), expected);
      });

      it("deploys into the uptimeKuma context through its own Kubernetes provider, never the watched one", () => {
        assert.notEqual(cfg.uptimeKuma.context, cfg.kubernetes.context);
        assert.equal(inputs(run, T.k8sProvider, "uptime-kuma-cluster").context, cfg.uptimeKuma.context);
        const k8sObjects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.equal(k8sObjects.length, 5);
        for (const r of k8sObjects) {
          assert.match(
            r.provider ?? "",
            /::uptime-kuma-cluster::uptime-kuma-cluster-id$/,
            `${r.name} provider`,
          );
          assert.equal(
            r.inputs.metadata && (r.inputs.metadata as any).labels["app.kubernetes.io/managed-by"],
            "pulumi",
          );
        }
        for (const r of run.resources.filter((x) => x.type === T.dynamic)) {
          assert.doesNotMatch(
            r.provider ?? "",
            /kubernetes/,
            `${r.name} must not go through the Kubernetes provider`,
          );
        }
        assert.equal(
          inputs(run, T.namespace, "uptime-kuma-namespace").metadata.name,
          cfg.uptimeKuma.namespace,
        );
      });

      it("keeps the data: the volume and its namespace are retained when deleted", () => {
        for (const [type, name] of [
          [T.pvc, "uptime-kuma-data"],
          [T.namespace, "uptime-kuma-namespace"],
        ] as const) {
          assert.equal(one(run, type, name).opts.retainOnDelete, true, `${name} retainOnDelete`);
        }
        const pvc = inputs(run, T.pvc, "uptime-kuma-data");
        assert.equal(pvc.metadata.namespace, cfg.uptimeKuma.namespace);
        assert.deepEqual(pvc.spec.resources.requests, { storage: cfg.uptimeKuma.storageSize });
        assert.deepEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
      });

      it("runs one non-root pod on a pinned image, with requests, limits, probes and its volume", () => {
        const d = inputs(run, T.deployment, "uptime-kuma-deployment");
        assert.equal(d.spec.replicas, 1);
        assert.equal(d.spec.strategy.type, "Recreate");
        const pod = d.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.ok(pod.securityContext.runAsUser > 0);
        assert.equal(pod.automountServiceAccountToken, false);
        const [c] = pod.containers;
        assert.equal(c.image, UPTIME_KUMA_IMAGE);
        assert.match(c.image, /:[0-9]+\.[0-9]+\.[0-9]+/, "image pinned to a release");
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
        assert.ok(c.resources.limits.memory);
        for (const p of ["startupProbe", "readinessProbe", "livenessProbe"]) {
          assert.equal(c[p].httpGet.port, "http", p);
        }
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(pod.volumes, [
          { name: "data", persistentVolumeClaim: { claimName: "uptime-kuma-data" } },
        ]);
        // SQLite is chosen before the first start, so the server never shows its database-choice page.
        assert.match(pod.initContainers[0].command[2], /db-config\.json/);
        assert.match(pod.initContainers[0].command[2], /"client":"sqlite3"/);
      });

      it("serves the UI over TLS with a cert-manager certificate, on the configured ingress class", () => {
        const ing = inputs(run, T.ingress, "uptime-kuma-ingress");
        assert.equal(ing.metadata.annotations["cert-manager.io/cluster-issuer"], cfg.ingress.clusterIssuer);
        assert.equal(ing.spec.ingressClassName, cfg.ingress.className);
        assert.deepEqual(ing.spec.tls, [{ hosts: [cfg.uptimeKuma.host], secretName: "uptime-kuma-tls" }]);
        assert.equal(ing.spec.rules[0].host, cfg.uptimeKuma.host);
        assert.equal(ing.spec.rules[0].http.paths[0].backend.service.name, "uptime-kuma");
        assert.equal(run.component.url, `https://${cfg.uptimeKuma.host}`);
      });

      it("checks every public endpoint, Grafana's health and every paying tenant, with TLS expiry notices", () => {
        const checks: [string, string][] = [
          ...cfg.controlPlane.publicEndpoints.map((e): [string, string] => [`public-${e.name}`, e.url]),
          ["grafana", `https://${cfg.ingress.grafanaHost}/api/health`],
          ...cfg.uptimeKuma.tenantEndpoints.map((t): [string, string] => [`tenant-${t.tenant}`, t.url]),
        ];
        for (const [name, url] of checks) {
          const m = inputs(run, T.dynamic, `uptime-kuma-${name}`);
          assert.equal(m.kind, KINDS.monitor);
          assert.equal(m.type, "http", name);
          assert.equal(m.url, url, name);
          assert.equal(m.expiryNotification, true, name);
          assert.equal(m.intervalSeconds, 60, name);
          assert.ok(m.maxRetries >= 1, `${name} retries before paging`);
        }
        assert.equal(dynamicOf(run, KINDS.monitor).length, checks.length + 1);
      });

      it("has a push monitor for Alertmanager's Watchdog, whose URL is a secret output", async () => {
        const w = one(run, T.dynamic, "uptime-kuma-watchdog");
        assert.equal(w.inputs.type, "push");
        assert.equal(w.inputs.intervalSeconds, 300);
        assert.equal(w.inputs.maxRetries, 0);
        assert.ok(isSecretValue(w.inputs.pushToken), "push token is a secret input");
        const token = reveal<string>(w.inputs.pushToken);
        assert.equal(token, `mock-random-${stack}-uptime-kuma-watchdog-push-token-value`);
        const gen = inputs(run, T.password, "uptime-kuma-watchdog-push-token");
        assert.equal(gen.length, 32);
        assert.equal(gen.special, false);
        assert.equal(run.component.deadMansSwitchIntervalSeconds, 300);
        assert.equal(await pulumi.isSecret(run.component.deadMansSwitchUrl), true);
        assert.equal(
          await promiseOf(run.component.deadMansSwitchUrl),
          `https://${cfg.uptimeKuma.host}/api/push/${token}?status=up&msg=Watchdog`,
        );
      });

      it("pages through PagerDuty only when given a key, and reports every monitor to Slack", () => {
        const names = dynamicOf(run, KINDS.notification).map((r) => r.name);
        assert.deepEqual(
          names.sort(),
          pagerdutyKey ? ["uptime-kuma-pagerduty", "uptime-kuma-slack"] : ["uptime-kuma-slack"],
        );
        const slack = inputs(run, T.dynamic, "uptime-kuma-slack");
        assert.equal(slack.type, "slack");
        assert.deepEqual(slack.settings, { slackwebhookURL: SLACK_URL });
        const paging = pagerdutyKey
          ? ["uptime-kuma-slack-id", "uptime-kuma-pagerduty-id"]
          : ["uptime-kuma-slack-id"];
        if (pagerdutyKey) {
          const pd = inputs(run, T.dynamic, "uptime-kuma-pagerduty");
          assert.equal(pd.type, "PagerDuty");
          assert.equal(pd.settings.pagerdutyIntegrationKey, pagerdutyKey);
          assert.equal(pd.settings.pagerdutyIntegrationUrl, "https://events.pagerduty.com/v2/enqueue");
        }
        for (const m of dynamicOf(run, KINDS.monitor)) {
          const expected = m.name === "uptime-kuma-grafana" ? ["uptime-kuma-slack-id"] : paging;
          assert.deepEqual(reveal(m.inputs.notificationIds), expected, m.name);
        }
      });

      it("lists the control plane's public endpoints, and only them, on the status page", () => {
        const page = inputs(run, T.dynamic, "uptime-kuma-status-page");
        assert.equal(page.kind, KINDS.statusPage);
        assert.equal(page.slug, "platform");
        assert.deepEqual(page.groups, [
          {
            name: "Public endpoints",
            monitorIds: cfg.controlPlane.publicEndpoints.map((e) => `uptime-kuma-public-${e.name}-id`),
          },
        ]);
      });

      it("keeps every credential a secret: connection, notification settings, outputs", async () => {
        for (const r of run.resources.filter((x) => x.type === T.dynamic)) {
          // The password makes the whole connection secret on its way to the engine.
          assert.ok(isSecretValue(r.inputs.connection), `${r.name} connection`);
          assert.deepEqual(reveal(r.inputs.connection), {
            url: `https://${cfg.uptimeKuma.host}`,
            username: "admin",
            password: `mock-random-${stack}-uptime-kuma-admin-password-value`,
          });
          assert.ok(
            r.opts.additionalSecretOutputs?.includes("connection"),
            `${r.name} keeps its state secret`,
          );
          if (r.inputs.kind === KINDS.notification)
            assert.ok(isSecretValue(r.inputs.settings), `${r.name} settings`);
        }
        assert.equal(await pulumi.isSecret(run.component.adminPassword), true);
      });

      it("renders one JSON file per monitor, notification and status page, with no secret in them", () => {
        const claimed = run.resources.filter((r) => uptimeKumaWriter.claims(r));
        assert.equal(claimed.length, run.resources.filter((r) => r.type === T.dynamic).length);
        const stackRun: StackRun = {
          stack,
          resources: run.resources,
          outputs: {},
          secretValues: run.secretValues,
        };
        const files = uptimeKumaWriter.write(claimed, stackRun);
        assert.deepEqual(
          files.map((f) => f.path).sort(),
          [
            ...dynamicOf(run, KINDS.monitor).map((r) => `uptime-kuma/monitors/${r.name}.json`),
            ...dynamicOf(run, KINDS.notification).map((r) => `uptime-kuma/notifications/${r.name}.json`),
            "uptime-kuma/status-pages/platform.json",
          ].sort(),
        );
        for (const f of files) {
          for (const s of run.secretValues) assert.ok(!f.content.includes(s), `${f.path} holds a secret`);
          assert.ok(!f.content.includes("__provider"), `${f.path} holds the serialised provider`);
          const parsed = JSON.parse(f.content);
          assert.equal(parsed.connection, "[secret]");
        }
        const watchdog = JSON.parse(
          files.find((f) => f.path.endsWith("/uptime-kuma-watchdog.json"))!.content,
        );
        assert.equal(watchdog.pushToken, "[secret]");
        assert.equal(watchdog.type, "push");
        // Sorted keys: the same input always gives the same bytes.
        assert.deepEqual(Object.keys(watchdog), [...Object.keys(watchdog)].sort());
      });
    });
  }

  it("refuses a dead-man's-switch interval below Uptime Kuma's minimum of 20 s", async () => {
    const cfg = parseStack("staging");
    await assert.rejects(
      runComponent("staging", { ...argsFor(cfg), deadMansSwitchIntervalSeconds: 10 }),
      /deadMansSwitchIntervalSeconds must be an integer of at least 20/,
    );
  });
});
