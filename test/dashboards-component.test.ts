/**
 * The GrafanaDashboards component under Pulumi's mocks: every resource it registers, with its exact
 * type, name and key inputs, and what the render writes of them.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import type { RuleContext } from "../components/alerts/context";
import {
  allDashboards,
  dashboardUrl,
  FOLDERS,
  LOKI_DATASOURCE_UID,
  PROMETHEUS_DATASOURCE_UID,
  slugify,
} from "../components/dashboards";
import { GRAFANA_TYPES, grafanaWriter } from "../components/dashboards/artefacts";
import { GrafanaDashboards, type GrafanaDashboardsArgs } from "../components/dashboards/grafana-dashboards";
import { stableJson } from "../components/shared/serialize";
import { PROJECT } from "../stacks/config";
import { isSecretValue, reveal, type RecordedResource, type StackRun } from "../stacks/mock-runtime";
import { buildRuleContext } from "../stacks/rule-context";
import { parseStack } from "./helpers/config";
import { promiseOf } from "./helpers/promise";

const T = {
  component: "platform-monitoring:dashboards:GrafanaDashboards",
  provider: "pulumi:providers:grafana",
  ...GRAFANA_TYPES,
} as const;

const ADMIN_PASSWORD = "placeholder-grafana-admin-password";
const PROMETHEUS_URL = "http://kps-prometheus.monitoring.svc:9090";
const LOKI_URL = "http://loki-gateway.monitoring.svc";

interface Registered extends RecordedResource {
  /** Reference of the provider the engine would use (`urn::id`), when one was given. */
  readonly provider?: string;
}

interface ComponentRun {
  readonly resources: Registered[];
  readonly component: GrafanaDashboards;
}

/** Pulumi's hook that drains outstanding registrations; internal to the SDK, hence the cast. */
const waitForRPCs = (): Promise<void> =>
  (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

function argsFor(ctx: RuleContext): GrafanaDashboardsArgs {
  return {
    grafanaUrl: ctx.grafanaUrl,
    adminUser: "admin",
    adminPassword: pulumi.secret(ADMIN_PASSWORD),
    prometheusUrl: pulumi.output(PROMETHEUS_URL),
    lokiUrl: LOKI_URL,
    context: ctx,
    scrapeInterval: "30s",
  };
}

/** Builds the component under mocks, recording every resource with its inputs and provider. */
async function runComponent(stack: string, args: GrafanaDashboardsArgs): Promise<ComponentRun> {
  const resources: Registered[] = [];
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
        });
        const uid = typeof inputs.uid === "string" ? inputs.uid : `${a.name}-uid`;
        return { id: `${a.name}-id`, state: { ...inputs, uid } };
      },
      call(a: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        throw new Error(`unexpected provider function call ${a.token}: the mocks know no functions`);
      },
    },
    PROJECT,
    stack,
    false,
  );
  const component = new GrafanaDashboards("dashboards", args);
  await promiseOf(pulumi.all(Object.values(component.dashboards).map((d) => d.urn)));
  await waitForRPCs();
  return { resources, component };
}

function one(run: ComponentRun, type: string, name: string): Registered {
  const found = run.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

const inputs = <I = any>(run: ComponentRun, type: string, name: string): I =>
  reveal<I>(one(run, type, name).inputs);

describe("GrafanaDashboards component under mocks", () => {
  for (const stack of ["prod", "staging"]) {
    describe(stack, () => {
      const ctx = buildRuleContext(parseStack(stack));
      const dashboards = allDashboards(ctx);
      let run: ComponentRun;
      before(async function () {
        this.timeout(60_000);
        run = await runComponent(stack, argsFor(ctx));
      });

      it("registers exactly the provider, two folders, two data sources and one dashboard per model", () => {
        const expected = [
          `${T.component} dashboards`,
          `${T.provider} dashboards-grafana`,
          ...Object.values(FOLDERS).map((f) => `${T.folder} dashboards-${f.uid}`),
          `${T.dataSource} dashboards-prometheus`,
          `${T.dataSource} dashboards-loki`,
          ...dashboards.map((d) => `${T.dashboard} dashboards-${d.uid}`),
        ].sort();
        assert.deepEqual(run.resources.map((r) => `${r.type} ${r.name}`).sort(), expected);
      });

      it("signs in to the stack's Grafana as admin, the password kept secret", () => {
        const provider = one(run, T.provider, "dashboards-grafana");
        assert.equal(provider.inputs.url, ctx.grafanaUrl);
        assert.ok(isSecretValue(provider.inputs.auth), "auth must be a secret");
        assert.equal(reveal(provider.inputs.auth), `admin:${ADMIN_PASSWORD}`);
        for (const r of run.resources.filter((x) => x.type !== T.provider)) {
          assert.ok(
            !JSON.stringify(reveal(r.inputs)).includes(ADMIN_PASSWORD),
            `${r.name} holds the password`,
          );
        }
      });

      it("creates every Grafana object through that provider", () => {
        for (const r of run.resources.filter((x) => x.type.startsWith("grafana:"))) {
          assert.match(r.provider ?? "", /::dashboards-grafana::dashboards-grafana-id$/, r.name);
        }
      });

      it("creates the folders with fixed uids", () => {
        for (const f of Object.values(FOLDERS)) {
          assert.deepEqual(inputs(run, T.folder, `dashboards-${f.uid}`), { uid: f.uid, title: f.title });
        }
      });

      it("creates the data sources with the uids the panels use, pointing in-cluster", () => {
        const prometheus = inputs(run, T.dataSource, "dashboards-prometheus");
        assert.equal(prometheus.uid, PROMETHEUS_DATASOURCE_UID);
        assert.equal(prometheus.type, "prometheus");
        assert.equal(prometheus.url, PROMETHEUS_URL);
        assert.equal(prometheus.isDefault, true);
        assert.deepEqual(JSON.parse(prometheus.jsonDataEncoded), { httpMethod: "POST", timeInterval: "30s" });
        const loki = inputs(run, T.dataSource, "dashboards-loki");
        assert.equal(loki.uid, LOKI_DATASOURCE_UID);
        assert.equal(loki.type, "loki");
        assert.equal(loki.url, LOKI_URL);
        assert.equal(loki.isDefault, false);
      });

      it("sends each model as stableJson, into its folder, overwriting edits", () => {
        for (const d of dashboards) {
          const i = inputs(run, T.dashboard, `dashboards-${d.uid}`);
          assert.equal(i.configJson, stableJson(d.model), d.key);
          assert.equal(i.folder, FOLDERS[d.folder].uid, d.key);
          assert.equal(i.overwrite, true, d.key);
        }
      });

      it("outputs the dashboards' and folders' URLs as plain strings", () => {
        assert.deepEqual(
          run.component.dashboardUrls,
          Object.fromEntries(dashboards.map((d) => [d.key, dashboardUrl(ctx.grafanaUrl, d.key)])),
        );
        for (const url of Object.values(run.component.dashboardUrls)) assert.equal(typeof url, "string");
        assert.deepEqual(
          run.component.folderUrls,
          Object.fromEntries(
            Object.entries(FOLDERS).map(([k, f]) => [
              k,
              `${ctx.grafanaUrl}/dashboards/f/${f.uid}/${slugify(f.title)}`,
            ]),
          ),
        );
      });

      it("renders one file per dashboard, folder and data source, by uid, secrets masked", () => {
        const claimed = run.resources.filter((r) => grafanaWriter.claims(r));
        assert.equal(claimed.length, dashboards.length + 4);
        assert.equal(grafanaWriter.claims(one(run, T.provider, "dashboards-grafana")), false);
        const runStub: StackRun = {
          stack,
          resources: run.resources,
          outputs: {},
          secretValues: [ADMIN_PASSWORD],
        };
        const artefacts = grafanaWriter.write(claimed, runStub);
        assert.deepEqual(
          artefacts.map((a) => a.path).sort(),
          [
            ...dashboards.map((d) => `grafana/dashboards/${d.uid}.json`),
            ...Object.values(FOLDERS).map((f) => `grafana/folders/${f.uid}.json`),
            `grafana/datasources/${PROMETHEUS_DATASOURCE_UID}.json`,
            `grafana/datasources/${LOKI_DATASOURCE_UID}.json`,
          ].sort(),
        );
        for (const d of dashboards) {
          const a = artefacts.find((x) => x.path === `grafana/dashboards/${d.uid}.json`)!;
          assert.equal(a.content, stableJson(d.model));
        }
        for (const a of artefacts) assert.ok(!a.content.includes(ADMIN_PASSWORD), a.path);
      });
    });
  }

  it("refuses a Grafana URL with a trailing slash", async () => {
    const ctx = buildRuleContext(parseStack("prod"));
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs as Record<string, unknown> }),
        call: (a) => {
          throw new Error(`unexpected call ${a.token}`);
        },
      },
      PROJECT,
      "prod",
      false,
    );
    assert.throws(
      () => new GrafanaDashboards("bad", { ...argsFor(ctx), grafanaUrl: `${ctx.grafanaUrl}/` }),
      /trailing slash/,
    );
  });
});
