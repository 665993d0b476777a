import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Secret, type ResourceValidationPolicy } from "@pulumi/policy";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { alertRulesRoutable } from "../policy/alert-rules";
import { CHART_CONTAINERS, containerResources } from "../policy/container-resources";
import { noPlaintextCredentials } from "../policy/credentials";
import { grafanaAnonymousAccessOff } from "../policy/grafana-access";
import { PLATFORM_POLICIES } from "../policy/policies";
import {
  dataNamespaces,
  RETAINED_ON_DELETE,
  statefulNamespacesRetained,
  statefulVolumesRetained,
} from "../policy/stateful-data";
import {
  asPolicySees,
  resourceArgs,
  runResourcePolicy,
  runStackPolicy,
  runViolations,
  runWithOptions,
  stackArgs,
  type RunWithOptions,
  type TestResource,
  type Violation,
} from "../policy/testing";
import { REPO_ROOT } from "../stacks/mock-runtime";
import { parseStack } from "./helpers/config";

const T = {
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  namespace: "kubernetes:core/v1:Namespace",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  release: "kubernetes:helm.sh/v3:Release",
  rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  cronJob: "kubernetes:batch/v1:CronJob",
} as const;

/** A Pulumi secret as the engine receives it. */
const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });
/** What `@pulumi/kubernetes` registers every Secret with. */
const SECRET_OUTPUTS = ["data", "stringData"];
const sized = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } };
const release = (
  chart: string,
  values: Record<string, unknown>,
  name = `${chart}-release`,
): TestResource => ({
  type: T.release,
  name,
  props: { chart, name: chart, namespace: "monitoring", values },
});

/** A table row: a resource and the violations it must produce (substrings; none for a pass). */
interface Case {
  readonly name: string;
  readonly resource: TestResource;
  readonly violations: string[];
}

function table(policy: ResourceValidationPolicy, cases: Case[]): void {
  describe(policy.name, () => {
    it("is mandatory", () => assert.equal(policy.enforcementLevel, "mandatory"));
    for (const c of cases) {
      it(`${c.violations.length === 0 ? "passes" : "rejects"}: ${c.name}`, async () => {
        const found = await runResourcePolicy(policy, resourceArgs(c.resource));
        if (c.violations.length === 0) assert.deepEqual(found, []);
        for (const v of c.violations) {
          assert.ok(
            found.some((f) => f.includes(v)),
            `expected a violation mentioning ${JSON.stringify(v)}; got ${JSON.stringify(found)}`,
          );
        }
      });
    }
  });
}

const alert = (labels: Record<string, string>, annotations: Record<string, string>) => ({
  alert: "TenantServerDown",
  expr: "up == 0",
  for: "5m",
  labels,
  annotations,
});
const GOOD_LABELS = { severity: "critical", area: "tenants" };
const GOOD_ANNOTATIONS = {
  summary: "A tenant server is down",
  runbook_url: "https://github.com/cameleer/platform-monitoring/blob/main/docs/runbooks/TenantServerDown.md",
};
const prometheusRule = (rules: unknown[]): TestResource => ({
  type: T.rule,
  props: { spec: { groups: [{ name: "tenants.alerts", rules }] } },
});
const lokiRules = (text: string, labelled = true): TestResource => ({
  type: T.configMap,
  props: {
    metadata: { labels: labelled ? { "monitoring.cameleer.io/loki-rules": "platform-monitoring" } : {} },
    data: { "platform-log-alerts.yaml": text },
  },
});

describe("policy pack", () => {
  describe("how @pulumi/policy presents secrets", () => {
    const inputs = { stringData: secret({ password: "s3cr3t-value" }) };

    it("validations see a Pulumi secret as its plaintext, with no marker", () => {
      const props = asPolicySees(inputs);
      assert.deepEqual(JSON.parse(JSON.stringify(props)), { stringData: { password: "s3cr3t-value" } });
    });

    it("only remediations get Secret wrappers, and even they read plaintext through the proxy", () => {
      const props = asPolicySees(inputs, true);
      assert.deepEqual(JSON.parse(JSON.stringify(props.stringData)), { password: "s3cr3t-value" });
      const target = (props as Record<string, Record<string, unknown>>).__getSpecialProxyTarget;
      assert.ok(target.stringData instanceof Secret, "the raw remediation props hold a policy.Secret");
    });
  });

  table(alertRulesRoutable, [
    {
      name: "an alert with severity, area, summary and runbook, and a recording rule",
      resource: prometheusRule([
        { record: "tenant:up:sum", expr: "sum(up)" },
        alert(GOOD_LABELS, GOOD_ANNOTATIONS),
      ]),
      violations: [],
    },
    {
      name: "an alert without severity",
      resource: prometheusRule([alert({ area: "tenants" }, GOOD_ANNOTATIONS)]),
      violations: ["alert TenantServerDown (group tenants.alerts): label severity is undefined"],
    },
    {
      name: "a severity outside critical|warning|info",
      resource: prometheusRule([alert({ ...GOOD_LABELS, severity: "page" }, GOOD_ANNOTATIONS)]),
      violations: ['label severity is "page"; allowed: critical, warning, info'],
    },
    {
      name: "an unknown area",
      resource: prometheusRule([alert({ ...GOOD_LABELS, area: "database" }, GOOD_ANNOTATIONS)]),
      violations: ['label area is "database"; allowed: control-plane, tenants'],
    },
    {
      name: "no summary and a runbook that is not an https URL",
      resource: prometheusRule([alert(GOOD_LABELS, { runbook_url: "docs/runbooks/TenantServerDown.md" })]),
      violations: ["annotation summary is missing", "annotation runbook_url must be an https:// URL"],
    },
    {
      name: "a Loki ruler alert without area",
      resource: lokiRules(
        "groups:\n  - name: tenants.logs\n    rules:\n      - alert: ErrorBurst\n        expr: 'sum(rate({app=\"x\"}[5m])) > 1'\n        labels: { severity: warning }\n        annotations: { summary: s, runbook_url: 'https://r.example/ErrorBurst' }\n",
      ),
      violations: [
        "platform-log-alerts.yaml: alert ErrorBurst (group tenants.logs): label area is undefined",
      ],
    },
    {
      name: "a ConfigMap the Loki ruler does not load",
      resource: lokiRules("groups: [{ name: x, rules: [{ alert: A }] }]", false),
      violations: [],
    },
  ]);

  table(noPlaintextCredentials, [
    {
      name: "a Secret whose data is a Pulumi secret registered as secret outputs",
      resource: {
        type: T.secret,
        props: { stringData: secret({ "admin-user": "admin", "admin-password": "mJ4v0Qe9rT2xW7zP" }) },
        additionalSecretOutputs: SECRET_OUTPUTS,
      },
      violations: [],
    },
    {
      name: "a Secret registered without secret outputs (the state would hold it in plain text)",
      resource: { type: T.secret, props: { stringData: { password: "mJ4v0Qe9rT2xW7zP" } } },
      violations: ["stringData is not registered as a secret output"],
    },
    {
      name: "a default password, even inside a Pulumi secret",
      resource: {
        type: T.secret,
        props: { stringData: secret({ "admin-password": "prom-operator" }) },
        additionalSecretOutputs: SECRET_OUTPUTS,
      },
      violations: ["stringData.admin-password: a well-known default password"],
    },
    {
      name: "a base64 default password in data, and an empty token",
      resource: {
        type: T.secret,
        props: {
          data: secret({ password: Buffer.from("admin").toString("base64"), token: "" }),
        },
        additionalSecretOutputs: SECRET_OUTPUTS,
      },
      violations: ["data.password: a well-known default password", "data.token: an empty credential"],
    },
    {
      name: "Helm values that only refer to existing Secrets",
      resource: release("kube-prometheus-stack", {
        grafana: {
          admin: {
            existingSecret: "kps-grafana-admin",
            userKey: "admin-user",
            passwordKey: "admin-password",
          },
          envValueFrom: { GF_SECURITY_SECRET_KEY: { secretKeyRef: { name: "kps-grafana-admin", key: "k" } } },
        },
        alertmanager: {
          alertmanagerSpec: { configSecret: "alertmanager-config", secrets: ["alertmanager-credentials"] },
          ingress: { tls: [{ secretName: "alertmanager-tls", hosts: ["am.example.com"] }] },
        },
        prometheusOperator: { admissionWebhooks: { patch: { resources: sized } } },
        extraEnvSecrets: { ES_PASSWORD: { secret: "opensearch-exporter-credentials", key: "password" } },
        config: { datasource: { passwordSecret: { name: "pg-credentials", key: "password" } } },
        bearerTokenFile: "/var/run/secrets/token",
        automountServiceAccountToken: false,
      }),
      violations: [],
    },
    {
      name: "a literal password and API key in Helm values",
      resource: release("grafana", {
        adminPassword: "hunter2-but-longer",
        opsgenie: { api_key: "0123456789abcdef" },
      }),
      violations: [
        "values of grafana: adminPassword: a literal credential",
        "opsgenie.api_key: a literal credential",
      ],
    },
    {
      name: "a Slack webhook and a URL with a password under innocent keys",
      resource: release("prometheus-elasticsearch-exporter", {
        es: { uri: "https://monitoring:hunter22@opensearch:9200" },
        receivers: [{ url: "https://hooks.slack.com/services/T000/B000/XXXXXXXX" }],
      }),
      violations: [
        "es.uri: contains a URL with a password",
        "receivers[0].url: contains a Slack webhook URL",
      ],
    },
    {
      name: "a token in a ConfigMap",
      resource: {
        type: T.configMap,
        props: { data: { token: "abc123", "config.yaml": "key: AKIAABCDEFGHIJKLMNOP" } },
      },
      violations: ["data: token: a literal credential", "data: config.yaml: contains a AWS access key ID"],
    },
    {
      name: "a literal password in a container's environment",
      resource: {
        type: T.deployment,
        props: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: "app",
                    env: [
                      { name: "DB_PASSWORD", value: "hunter2" },
                      { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "x", key: "y" } } },
                    ],
                  },
                ],
              },
            },
          },
        },
      },
      violations: ["container app env DB_PASSWORD: a literal credential; use valueFrom.secretKeyRef"],
    },
  ]);

  const deployment = (container: Record<string, unknown>, init?: Record<string, unknown>): TestResource => ({
    type: T.deployment,
    props: {
      spec: {
        template: {
          spec: {
            containers: [{ name: "app", ...container }],
            ...(init ? { initContainers: [{ name: "init", ...init }] } : {}),
          },
        },
      },
    },
  });

  table(containerResources, [
    {
      name: "a Deployment whose containers have requests and a memory limit",
      resource: deployment({ resources: sized }, { resources: sized }),
      violations: [],
    },
    {
      name: "an init container without resources",
      resource: deployment({ resources: sized }, {}),
      violations: ["initContainer init: no resources"],
    },
    {
      name: "a DaemonSet without a memory limit",
      resource: {
        type: T.daemonSet,
        props: {
          spec: {
            template: { spec: { containers: [{ name: "agent", resources: { requests: sized.requests } }] } },
          },
        },
      },
      violations: ["container agent: missing limits.memory"],
    },
    {
      name: "a CronJob's container without a CPU request",
      resource: {
        type: T.cronJob,
        props: {
          spec: {
            jobTemplate: {
              spec: {
                template: {
                  spec: {
                    containers: [
                      {
                        name: "report",
                        resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } },
                      },
                    ],
                  },
                },
              },
            },
          },
        },
      },
      violations: ["container report: missing requests.cpu"],
    },
    {
      name: "Alloy with both of its containers sized",
      resource: release("alloy", { alloy: { resources: sized }, configReloader: { resources: sized } }),
      violations: [],
    },
    {
      name: "Alloy's config reloader left at the chart's default",
      resource: release("alloy", { alloy: { resources: sized } }),
      violations: ["alloy configReloader.resources: no resources"],
    },
    {
      name: "Loki single binary without its rules sidecar sized",
      resource: release("loki", {
        deploymentMode: "SingleBinary",
        singleBinary: { replicas: 1, resources: sized },
        write: { replicas: 0 },
        read: { replicas: 0 },
        backend: { replicas: 0 },
        gateway: { resources: sized },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
      }),
      violations: ["loki sidecar.resources: no resources"],
    },
    {
      name: "an empty resources block anywhere in the values",
      resource: release("prometheus-postgres-exporter", { resources: sized, extra: { resources: {} } }),
      violations: ["extra.resources: missing requests.cpu, requests.memory, limits.memory"],
    },
    {
      name: "a volume claim's storage request is not a container's resources",
      resource: release("prometheus-blackbox-exporter", {
        resources: sized,
        storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "1Gi" } } } } },
      }),
      violations: [],
    },
    {
      name: "a chart nobody reviewed",
      resource: release("redis", { resources: sized }),
      violations: ["chart redis is not reviewed"],
    },
  ]);

  const kpsStateful = (grafanaPersistence: Record<string, unknown>) =>
    release("kube-prometheus-stack", {
      prometheus: {
        prometheusSpec: {
          storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "50Gi" } } } } },
        },
      },
      alertmanager: {
        alertmanagerSpec: {
          storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "1Gi" } } } } },
        },
      },
      grafana: { persistence: grafanaPersistence },
    });
  const lokiSingle = (persistence: Record<string, unknown>) =>
    release("loki", { deploymentMode: "SingleBinary", singleBinary: { replicas: 1, persistence } });

  table(statefulVolumesRetained, [
    {
      name: "an unprotected PersistentVolumeClaim",
      resource: { type: T.pvc, name: "sla-reports-data", props: {} },
      violations: ["must be protected (protect: true) or retained"],
    },
    {
      name: "a protected PersistentVolumeClaim",
      resource: { type: T.pvc, props: {}, protect: true },
      violations: [],
    },
    {
      name: "a claim the program retains on delete (listed)",
      resource: { type: T.pvc, name: RETAINED_ON_DELETE[1], props: {} },
      violations: [],
    },
    {
      name: "kube-prometheus-stack with persistent volumes and Grafana's claim kept by Helm",
      resource: kpsStateful({
        enabled: true,
        type: "pvc",
        annotations: { "helm.sh/resource-policy": "keep" },
      }),
      violations: [],
    },
    {
      name: "Grafana's chart-managed claim without helm.sh/resource-policy: keep",
      resource: kpsStateful({ enabled: true, type: "pvc" }),
      violations: ["grafana.persistence.annotations: the claim is a template of the chart"],
    },
    {
      name: "Prometheus without a volume",
      resource: release("kube-prometheus-stack", {
        prometheus: { prometheusSpec: {} },
        alertmanager: { enabled: false },
        grafana: { enabled: false },
      }),
      violations: ["Prometheus has no persistent volume"],
    },
    {
      name: "Loki single binary on a retained volume",
      resource: lokiSingle({ enabled: true, size: "30Gi", enableStatefulSetAutoDeletePVC: false }),
      violations: [],
    },
    {
      name: "Loki single binary left at the chart's auto-delete default",
      resource: lokiSingle({ enabled: true, size: "30Gi" }),
      violations: ["singleBinary.persistence.enableStatefulSetAutoDeletePVC must be false"],
    },
    {
      name: "Loki scalable with auto-delete on the backend",
      resource: release("loki", {
        deploymentMode: "SimpleScalable",
        write: { persistence: { enableStatefulSetAutoDeletePVC: false } },
        backend: { persistence: { enableStatefulSetAutoDeletePVC: true } },
      }),
      violations: [
        "backend.persistence.enableStatefulSetAutoDeletePVC must be false",
        "deletes the StatefulSet's claims",
      ],
    },
    {
      name: "a StatefulSet whose claims go with it",
      resource: {
        type: T.statefulSet,
        props: {
          spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" } },
        },
      },
      violations: ["whenDeleted: Delete deletes the claims"],
    },
  ]);

  describe(statefulNamespacesRetained.name, () => {
    const ns = (name: string, opts: Partial<TestResource> = {}): TestResource => ({
      type: T.namespace,
      name: `${name}-namespace`,
      props: { metadata: { name } },
      ...opts,
    });
    const pvcIn = (namespace: string): TestResource => ({
      type: T.pvc,
      name: "data",
      props: { metadata: { namespace } },
      protect: true,
    });
    const cases: [string, TestResource[], string[]][] = [
      ["a namespace holding a claim, unprotected", [ns("sla"), pvcIn("sla")], ["sla-namespace"]],
      [
        "a namespace holding a stateful chart, unprotected",
        [ns("monitoring", { name: "observability-namespace" }), release("loki", {})],
        ["observability-namespace"],
      ],
      ["a protected namespace holding a claim", [ns("sla", { protect: true }), pvcIn("sla")], []],
      [
        "a namespace the program retains on delete",
        [ns("uptime-kuma", { name: "uptime-kuma-namespace" }), pvcIn("uptime-kuma")],
        [],
      ],
      ["a namespace without data", [ns("isolation-canary"), release("prometheus-blackbox-exporter", {})], []],
    ];
    it("is mandatory", () => assert.equal(statefulNamespacesRetained.enforcementLevel, "mandatory"));
    for (const [name, resources, expected] of cases) {
      it(`${expected.length ? "rejects" : "passes"}: ${name}`, async () => {
        const found = await runStackPolicy(statefulNamespacesRetained, stackArgs(resources));
        assert.deepEqual(
          found.map(([urn]) => urn.split("::").pop()),
          expected,
          JSON.stringify(found),
        );
        for (const [, message] of found) assert.match(message, /holds persistent volumes/);
      });
    }
  });

  const kpsGrafana = (grafana: Record<string, unknown>) => release("kube-prometheus-stack", { grafana });
  table(grafanaAnonymousAccessOff, [
    {
      name: "kube-prometheus-stack with auth.anonymous disabled",
      resource: kpsGrafana({ "grafana.ini": { "auth.anonymous": { enabled: false } } }),
      violations: [],
    },
    {
      name: "kube-prometheus-stack without Grafana",
      resource: kpsGrafana({ enabled: false }),
      violations: [],
    },
    {
      name: "anonymous access left unstated",
      resource: kpsGrafana({ "grafana.ini": { server: { root_url: "https://grafana.example.com" } } }),
      violations: ["kube-prometheus-stack grafana.grafana.ini.auth.anonymous.enabled must be false"],
    },
    {
      name: "anonymous access on in the standalone chart",
      resource: release("grafana", {
        "grafana.ini": { "auth.anonymous": { enabled: true, org_role: "Viewer" } },
      }),
      violations: ["grafana grafana.ini.auth.anonymous.enabled must be false"],
    },
    {
      name: "anonymous access switched on by an environment variable",
      resource: kpsGrafana({
        "grafana.ini": { "auth.anonymous": { enabled: false } },
        env: { GF_AUTH_ANONYMOUS_ENABLED: "true" },
      }),
      violations: ["grafana.env.GF_AUTH_ANONYMOUS_ENABLED switches anonymous access on"],
    },
    {
      name: "a Deployment running Grafana with anonymous access",
      resource: deployment({ env: [{ name: "GF_AUTH_ANONYMOUS_ENABLED", value: "true" }] }),
      violations: ["container app: GF_AUTH_ANONYMOUS_ENABLED=true"],
    },
    {
      name: "a grafana.ini in a ConfigMap that enables it",
      resource: {
        type: T.configMap,
        props: { data: { "grafana.ini": "[server]\nroot_url = x\n[auth.anonymous]\nenabled = true\n" } },
      },
      violations: ["data.grafana.ini: [auth.anonymous] enabled = true"],
    },
  ]);

  it("reviews every chart the program deploys", () => {
    for (const chart of [
      "kube-prometheus-stack",
      "prometheus-operator-crds",
      "loki",
      "alloy",
      "prometheus-postgres-exporter",
      "prometheus-elasticsearch-exporter",
      "prometheus-blackbox-exporter",
      "kube-state-metrics",
    ]) {
      assert.ok(chart in CHART_CONTAINERS, chart);
    }
  });

  for (const stack of ["prod", "staging"]) {
    describe(`every policy over every resource of the real ${stack} program`, () => {
      let registered: RunWithOptions;
      let violations: Violation[];
      before(async () => {
        registered = await runWithOptions(stack);
        violations = await runViolations(registered, PLATFORM_POLICIES);
      });

      it("violates no policy", () => {
        assert.ok(registered.run.resources.length > 50);
        assert.deepEqual(violations, []);
      });

      it("retains the monitoring namespace, which holds the platform's volumes", () => {
        // The namespace policy passes for this reason, not because it found nothing to check.
        const resources = registered.run.resources
          .filter((r) => r.custom)
          .map((r) => ({ type: r.type, name: r.name, urn: r.name, props: r.inputs, protect: false }));
        const monitoring = parseStack(stack).namespaces.monitoring;
        assert.ok(dataNamespaces(resources).has(monitoring), `${monitoring} holds no data`);
        assert.equal(registered.options.get(`${T.namespace} monitoring-namespace`)?.retainOnDelete, true);
        assert.ok(RETAINED_ON_DELETE.includes("monitoring-namespace"));
      });

      it("declares in RETAINED_ON_DELETE exactly the resources it registers with retainOnDelete", () => {
        const retained = [...registered.options]
          .filter(([, o]) => o.retainOnDelete)
          .map(([key]) => key.split(" ")[1])
          .sort();
        // The SLA report's volume exists only where the stack runs the report.
        const expected = RETAINED_ON_DELETE.filter(
          (n) => n !== "sla-report-data" || parseStack(stack).slaReport.enabled,
        );
        assert.deepEqual(retained, [...expected].sort());
      });

      it("registers every Kubernetes Secret with its data as secret outputs", () => {
        const secrets = registered.run.resources.filter((r) => r.type === T.secret);
        assert.ok(secrets.length >= 4);
        for (const s of secrets) {
          const o = registered.options.get(`${s.type} ${s.name}`);
          assert.deepEqual([...(o?.additionalSecretOutputs ?? [])].sort(), SECRET_OUTPUTS, s.name);
        }
      });
    });
  }

  describe("the pack, served over the analyzer protocol as `pulumi preview --policy-pack policy` runs it", () => {
    let pack: ChildProcess;
    let client: analyzerrpc.AnalyzerClient;
    const unary = <Res>(invoke: (cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown) =>
      new Promise<Res>((resolve, reject) => invoke((e, r) => (e ? reject(e) : resolve(r))));

    before(async function () {
      this.timeout(60_000);
      pack = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
        cwd: path.join(REPO_ROOT, "policy"),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      pack.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      const port = await new Promise<string>((resolve, reject) => {
        pack.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim()));
        pack.once("exit", (code) => reject(new Error(`the policy pack exited with ${code}: ${stderr}`)));
      });
      client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });
    after(() => {
      client?.close();
      pack?.kill();
    });

    const analyze = async (r: TestResource) => {
      const req = new analyzerproto.AnalyzeRequest();
      req.setType(r.type);
      req.setName(r.name ?? "test");
      req.setUrn(`urn:pulumi:test::platform-monitoring::${r.type}::${r.name ?? "test"}`);
      req.setProperties(
        structproto.Struct.fromJavaScript(r.props as Record<string, structproto.JavaScriptValue>),
      );
      const opts = new analyzerproto.AnalyzerResourceOptions();
      opts.setProtect(r.protect ?? false);
      opts.setAdditionalsecretoutputsList(r.additionalSecretOutputs ?? []);
      req.setOptions(opts);
      const res = await unary<analyzerproto.AnalyzeResponse>((cb) => client.analyze(req, cb));
      return res.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(),
        mandatory: d.getEnforcementlevel() === analyzerproto.EnforcementLevel.MANDATORY,
        message: d.getMessage(),
      }));
    };

    it("serves the six policies, all mandatory", async () => {
      const info = await unary<analyzerproto.AnalyzerInfo>((cb) =>
        client.getAnalyzerInfo(new emptyproto.Empty(), cb),
      );
      assert.equal(info.getName(), "platform-monitoring");
      assert.deepEqual(
        info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]),
        PLATFORM_POLICIES.map((p) => [p.name, analyzerproto.EnforcementLevel.MANDATORY]),
      );
    });

    it("sees a secret's plaintext: a default password inside a Pulumi secret is a mandatory violation", async () => {
      const found = await analyze({
        type: T.secret,
        props: { stringData: secret({ password: "changeme" }) },
        additionalSecretOutputs: SECRET_OUTPUTS,
      });
      assert.deepEqual(
        found.map((f) => [f.policy, f.mandatory]),
        [["no-plaintext-credentials", true]],
      );
      assert.match(found[0].message, /stringData\.password: a well-known default password/);
    });

    it("passes every resource of the real staging program", async function () {
      this.timeout(60_000);
      const { run, options } = await runWithOptions("staging");
      const problems: string[] = [];
      for (const r of run.resources.filter((x) => x.custom)) {
        const o = options.get(`${r.type} ${r.name}`);
        const found = await analyze({
          type: r.type,
          name: r.name,
          props: JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown>,
          protect: o?.protect,
          additionalSecretOutputs: o?.additionalSecretOutputs,
        });
        problems.push(...found.map((f) => `${r.type} ${r.name}: ${f.policy}: ${f.message}`));
      }
      assert.deepEqual(problems, []);
    });
  });
});
