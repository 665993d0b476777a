import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { Loki } from "../components/logging/loki";
import {
  MONITORING_PORTS as PORTS,
  MonitoringNetworkPolicies,
  networkPolicySpecs,
} from "../components/security/network-policies";
import { CREDENTIAL_SHAPES, DEFAULT_PASSWORDS, isCredentialKey } from "../policy/credentials";
import { maskSecrets } from "../stacks/artefacts";
import { PROJECT, type StackConfig } from "../stacks/config";
import { isSecretValue, reveal, type RecordedResource, type StackRun } from "../stacks/mock-runtime";
import { render } from "../stacks/render";
import { COMPONENT_NAMES } from "../stacks/rule-context";
import { parseStack } from "./helpers/config";
import { inputsOf, resource, T } from "./helpers/runs";

/** Pulumi's hook that drains outstanding registrations; internal to the SDK, hence the cast. */
const waitForRPCs = (): Promise<void> =>
  (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

/** Builds components outside the program under mocks and returns what they register. */
async function registered(build: () => void): Promise<RecordedResource[]> {
  const resources: RecordedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(a: pulumi.runtime.MockResourceArgs) {
        const inputs = a.inputs as Record<string, unknown>;
        resources.push({ type: a.type, name: a.name, custom: a.custom ?? true, inputs });
        return { id: `${a.name}-id`, state: inputs };
      },
      call(a: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        throw new Error(`unexpected provider function call ${a.token}`);
      },
    },
    PROJECT,
    "security-test",
    false,
  );
  build();
  await waitForRPCs();
  return resources;
}

// --- NetworkPolicy semantics, as a CNI enforces them (ingress only) ---------------------------------

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
}
interface Policy {
  namespace: string;
  podSelector: Selector;
  policyTypes: string[];
  ingress: { from?: Peer[]; ports?: { protocol?: string; port: number }[] }[];
}
/** A pod; `namespace: undefined` is a client outside every pod network (the API server). */
interface Pod {
  readonly namespace?: string;
  readonly labels: Record<string, string>;
}

function selects(selector: Selector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator === "In") return (e.values ?? []).includes(labels[e.key]);
    if (e.operator === "NotIn") return !(e.values ?? []).includes(labels[e.key]);
    if (e.operator === "Exists") return e.key in labels;
    if (e.operator === "DoesNotExist") return !(e.key in labels);
    throw new Error(`operator ${e.operator}`);
  });
  return byLabel && byExpression;
}

function peerAdmits(peer: Peer, policyNamespace: string, from: Pod): boolean {
  if (from.namespace === undefined) return false;
  const namespaceLabels = { "kubernetes.io/metadata.name": from.namespace };
  const inNamespace = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels)
    : from.namespace === policyNamespace;
  return inNamespace && (peer.podSelector ? selects(peer.podSelector, from.labels) : true);
}

function ingressAllowed(policies: Policy[], from: Pod, to: Pod, port: number, protocol = "TCP"): boolean {
  const applying = policies.filter(
    (p) =>
      p.namespace === to.namespace && p.policyTypes.includes("Ingress") && selects(p.podSelector, to.labels),
  );
  if (applying.length === 0) return true;
  return applying.some((p) =>
    p.ingress.some(
      (rule) =>
        (rule.from === undefined || rule.from.some((peer) => peerAdmits(peer, p.namespace, from))) &&
        (rule.ports === undefined ||
          rule.ports.some((x) => x.port === port && (x.protocol ?? "TCP") === protocol)),
    ),
  );
}

/** The pods of the monitoring namespace with the labels the charts set (see docs/security.md). */
const NS = "monitoring";
const kps = COMPONENT_NAMES.core;
const lokiPod = (component: string): Pod => ({
  namespace: NS,
  labels: {
    "app.kubernetes.io/name": "loki",
    "app.kubernetes.io/instance": COMPONENT_NAMES.loki,
    "app.kubernetes.io/component": component,
  },
});
const PODS = {
  prometheus: {
    namespace: NS,
    labels: {
      "app.kubernetes.io/name": "prometheus",
      "app.kubernetes.io/instance": kps,
      "operator.prometheus.io/name": kps,
      "operator.prometheus.io/shard": "0",
      prometheus: kps,
    },
  },
  alertmanager: {
    namespace: NS,
    labels: {
      "app.kubernetes.io/name": "alertmanager",
      "app.kubernetes.io/instance": kps,
      alertmanager: kps,
    },
  },
  grafana: {
    namespace: NS,
    labels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": kps },
  },
  operator: { namespace: NS, labels: { app: "kube-prometheus-stack-operator", release: kps } },
  kubeStateMetrics: {
    namespace: NS,
    labels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": kps },
  },
  lokiSingleBinary: lokiPod("single-binary"),
  lokiRead: lokiPod("read"),
  lokiWrite: lokiPod("write"),
  lokiBackend: lokiPod("backend"),
  lokiGateway: lokiPod("gateway"),
  alloy: {
    namespace: NS,
    labels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": COMPONENT_NAMES.logShipper },
  },
  postgresExporter: {
    namespace: NS,
    labels: { app: "prometheus-postgres-exporter", release: "postgres-exporter" },
  },
  blackboxExporter: {
    namespace: NS,
    labels: {
      "app.kubernetes.io/name": "prometheus-blackbox-exporter",
      "app.kubernetes.io/instance": "blackbox-exporter",
    },
  },
  fluxStateMetrics: { namespace: NS, labels: { "app.kubernetes.io/name": "flux-state-metrics" } },
  slaReport: { namespace: NS, labels: { "app.kubernetes.io/name": "sla-report" } },
  ingressController: { namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx" } },
  tenant: { namespace: "tenant-acme", labels: { "app.kubernetes.io/name": "cameleer3-server" } },
  controlPlane: { namespace: "cameleer-system", labels: { "app.kubernetes.io/name": "cameleer-saas" } },
  apiServer: { labels: {} },
} satisfies Record<string, Pod>;
type PodName = keyof typeof PODS;

/** [from, to, port, protocol, allowed]: the matrix of docs/security.md. */
const MATRIX: [PodName, PodName, number, "TCP" | "UDP", boolean][] = [
  ["grafana", "prometheus", PORTS.prometheusWeb, "TCP", true],
  ["ingressController", "prometheus", PORTS.prometheusWeb, "TCP", true],
  ["slaReport", "prometheus", PORTS.prometheusWeb, "TCP", true],
  ["prometheus", "prometheus", PORTS.prometheusWeb, "TCP", true],
  ["prometheus", "alertmanager", PORTS.alertmanagerWeb, "TCP", true],
  ["lokiBackend", "alertmanager", PORTS.alertmanagerWeb, "TCP", true],
  ["lokiSingleBinary", "alertmanager", PORTS.alertmanagerWeb, "TCP", true],
  ["ingressController", "alertmanager", PORTS.alertmanagerWeb, "TCP", true],
  ["alertmanager", "alertmanager", PORTS.alertmanagerMesh, "TCP", true],
  ["alertmanager", "alertmanager", PORTS.alertmanagerMesh, "UDP", true],
  ["ingressController", "grafana", PORTS.grafanaHttp, "TCP", true],
  ["prometheus", "grafana", PORTS.grafanaHttp, "TCP", true],
  ["alloy", "lokiGateway", PORTS.lokiGateway, "TCP", true],
  ["grafana", "lokiGateway", PORTS.lokiGateway, "TCP", true],
  ["lokiGateway", "lokiRead", PORTS.lokiHttp, "TCP", true],
  ["lokiRead", "lokiBackend", PORTS.lokiGrpc, "TCP", true],
  ["lokiWrite", "lokiBackend", PORTS.lokiMemberlist, "TCP", true],
  ["prometheus", "lokiWrite", PORTS.lokiHttp, "TCP", true],
  ["prometheus", "postgresExporter", 9187, "TCP", true],
  ["prometheus", "blackboxExporter", 9115, "TCP", true],
  ["prometheus", "fluxStateMetrics", 8080, "TCP", true],
  ["prometheus", "kubeStateMetrics", 8080, "TCP", true],
  ["prometheus", "alloy", 12345, "TCP", true],
  ["prometheus", "operator", PORTS.operatorWebhook, "TCP", true],
  ["apiServer", "operator", PORTS.operatorWebhook, "TCP", true],
  ["tenant", "prometheus", PORTS.prometheusWeb, "TCP", false],
  ["controlPlane", "grafana", PORTS.grafanaHttp, "TCP", false],
  ["tenant", "lokiGateway", PORTS.lokiGateway, "TCP", false],
  ["alloy", "prometheus", PORTS.prometheusWeb, "TCP", false],
  ["grafana", "alertmanager", PORTS.alertmanagerWeb, "TCP", false],
  ["lokiRead", "alertmanager", PORTS.alertmanagerWeb, "TCP", false],
  ["ingressController", "grafana", PORTS.prometheusWeb, "TCP", false],
  ["ingressController", "postgresExporter", 9187, "TCP", false],
  ["grafana", "blackboxExporter", 9115, "TCP", false],
  ["alloy", "postgresExporter", 9187, "TCP", false],
  ["tenant", "kubeStateMetrics", 8080, "TCP", false],
  ["apiServer", "prometheus", PORTS.prometheusWeb, "TCP", false],
  ["apiServer", "operator", 8080, "TCP", false],
  ["slaReport", "alertmanager", PORTS.alertmanagerWeb, "TCP", false],
  ["slaReport", "grafana", PORTS.grafanaHttp, "TCP", false],
];

// --- Credential scanning -----------------------------------------------------------------------------

/** Shapes a rendered file must never contain: the policy's, plus any PEM block. */
const RENDER_SHAPES = [...CREDENTIAL_SHAPES, { name: "PEM block", pattern: /-----BEGIN/ }];

function shapesIn(text: string): string[] {
  return RENDER_SHAPES.filter((s) => s.pattern.test(text)).map((s) => s.name);
}

function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return files;
}

/** Every `[path, string]` leaf of a value. */
function leaves(value: unknown, at: string[] = []): [string[], string][] {
  if (typeof value === "string") return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, String(i)]));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  }
  return [];
}

type Values = Record<string, any>;
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const valuesOf = (run: StackRun, name: string) => inputsOf<{ values: Values }>(run, T.release, name).values;

describe("security and reliability of the platform", () => {
  describe("the scanners", () => {
    for (const [text, shape] of [
      ["url: https://hooks.slack.com/services/T0123/B0456/abcdefXYZ", "Slack webhook URL"],
      ["token: xoxb-123456789012-abcdefghijkl", "Slack token"],
      ["routing_key: 0123456789abcdef0123456789abcdef", "PagerDuty key"],
      ["aws_access_key_id = AKIAABCDEFGHIJKLMNOP", "AWS access key ID"],
      ["-----BEGIN CERTIFICATE-----", "PEM block"],
      ["postgres://exporter:hunter22@db:5432/x", "URL with a password"],
    ] as const) {
      it(`finds: ${shape}`, () => assert.ok(shapesIn(text).includes(shape), shapesIn(text).join()));
    }
    it("passes ordinary configuration", () => {
      assert.deepEqual(shapesIn("url: https://grafana.ops.cameleer.io/d/abc\nsecretName: grafana-tls"), []);
    });
  });

  describe("NetworkPolicies of the monitoring namespace", () => {
    let resources: RecordedResource[];
    let policies: Policy[];
    before(async () => {
      resources = await registered(() => {
        new MonitoringNetworkPolicies("monitoring-network", {
          namespace: NS,
          ingressControllerNamespace: "ingress-nginx",
          releases: { core: kps, loki: COMPONENT_NAMES.loki, logShipper: COMPONENT_NAMES.logShipper },
        });
      });
      policies = resources
        .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((r) => {
          const { metadata, spec } = r.inputs as {
            metadata: { namespace: string };
            spec: Omit<Policy, "namespace">;
          };
          return { namespace: metadata.namespace, ...spec };
        });
    });

    it("registers one NetworkPolicy per component plus default-deny, named from the component", () => {
      assert.deepEqual(resources.map((r) => `${r.type} ${r.name}`).sort(), [
        ...[
          "alertmanager",
          "default-deny-ingress",
          "grafana",
          "loki",
          "operator-webhook",
          "prometheus",
          "prometheus-scrape",
        ].map((s) => `kubernetes:networking.k8s.io/v1:NetworkPolicy monitoring-network-${s}`),
        "platform-monitoring:security:MonitoringNetworkPolicies monitoring-network",
      ]);
      for (const r of resources.filter((x) => x.custom)) {
        assert.equal((r.inputs.metadata as { name: string }).name, r.name);
      }
    });

    it("creates the policies that isolate every pod only after the ones that admit traffic", () => {
      const order = resources.filter((r) => r.custom).map((r) => r.name.replace("monitoring-network-", ""));
      const last = order.slice(-2).sort();
      assert.deepEqual(last, ["default-deny-ingress", "prometheus-scrape"], order.join(", "));
    });

    it("denies all ingress by default: every pod of the namespace is isolated", () => {
      for (const [name, pod] of Object.entries(PODS as Record<string, Pod>)) {
        if (pod.namespace !== NS) continue;
        assert.ok(
          policies.some((p) => selects(p.podSelector, pod.labels) && p.ingress.length === 0),
          `${name} is not under default-deny`,
        );
      }
    });

    for (const [from, to, port, protocol, allowed] of MATRIX) {
      it(`${allowed ? "admits" : "denies"} ${from} → ${to}:${port}/${protocol}`, () => {
        assert.equal(ingressAllowed(policies, PODS[from], PODS[to], port, protocol), allowed);
      });
    }

    it("admits the UIs from the configured ingress controller's namespace only", () => {
      const elsewhere: Pod = { namespace: "traefik", labels: PODS.ingressController.labels };
      assert.equal(ingressAllowed(policies, elsewhere, PODS.grafana, PORTS.grafanaHttp), false);
      const other = networkPolicySpecs({
        ingressControllerNamespace: "traefik",
        releases: { core: kps, loki: COMPONENT_NAMES.loki, logShipper: COMPONENT_NAMES.logShipper },
      }).map((p) => ({ namespace: NS, ...(p.spec as unknown as Omit<Policy, "namespace">) }));
      assert.equal(ingressAllowed(other, elsewhere, PODS.grafana, PORTS.grafanaHttp), true);
    });

    it("rejects a malformed ingress controller namespace", async () => {
      await assert.rejects(
        registered(() => {
          new MonitoringNetworkPolicies("bad", {
            namespace: NS,
            ingressControllerNamespace: "Ingress_Nginx",
            releases: { core: kps, loki: "loki", logShipper: "alloy" },
          });
        }),
        /ingressControllerNamespace must be a namespace name/,
      );
    });
  });

  for (const stack of ["prod", "staging"]) {
    describe(stack, () => {
      const cfg: StackConfig = parseStack(stack);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `security-${stack}-`));
      let run: StackRun;
      let files: Map<string, string>;
      before(async () => {
        const result = await render(stack, tmp);
        run = result.run;
        files = readTree(tmp);
      });
      after(() => fs.rmSync(tmp, { recursive: true, force: true }));

      describe("secrets", () => {
        it("writes no secret value and no credential shape into any rendered file", () => {
          assert.ok(files.size > 20 && run.secretValues.length >= 5);
          for (const [file, text] of files) {
            for (const s of run.secretValues) assert.ok(!text.includes(s), `${file} contains a secret value`);
            assert.deepEqual(shapesIn(text), [], `${file} contains a credential`);
          }
        });

        it("exposes no secret in the stack outputs except as a Pulumi secret", () => {
          const plain = JSON.stringify(maskSecrets(run.outputs));
          for (const s of run.secretValues)
            assert.ok(!plain.includes(s), "an output holds a secret in the clear");
          assert.deepEqual(shapesIn(plain), []);
          assert.ok(isSecretValue(run.outputs.grafanaAdminPassword));
        });

        it("passes secret values between resources only inside secret markers", () => {
          for (const r of run.resources) {
            const plain = JSON.stringify(maskSecrets(r.inputs));
            for (const s of run.secretValues)
              assert.ok(!plain.includes(s), `${r.type} ${r.name} leaks a secret`);
          }
        });

        it("keeps every Kubernetes Secret's data a Pulumi secret", () => {
          const secrets = run.resources.filter((r) => r.type === T.secret);
          assert.ok(secrets.length >= 4);
          for (const s of secrets) {
            for (const field of ["data", "stringData"]) {
              if (s.inputs[field] !== undefined)
                assert.ok(isSecretValue(s.inputs[field]), `${s.name}.${field}`);
            }
          }
        });

        it("uses no default password anywhere: credentials are generated or come from secret config", () => {
          for (const r of run.resources) {
            for (const [at, value] of leaves(reveal(r.inputs))) {
              const key = [...at].reverse().find((k) => !/^[0-9]+$/.test(k)) ?? "";
              if (!isCredentialKey(key)) continue;
              assert.ok(
                !DEFAULT_PASSWORDS.includes(value.trim().toLowerCase()),
                `${r.type} ${r.name} ${at.join(".")} is a default password`,
              );
            }
          }
          const grafana = valuesOf(run, "kps-release").grafana;
          assert.equal(grafana.adminPassword, undefined);
          assert.equal(grafana.admin.existingSecret, "kps-grafana-admin");
          assert.deepEqual(grafana.envValueFrom.GF_SECURITY_SECRET_KEY, {
            secretKeyRef: { name: "kps-grafana-admin", key: "secret-key" },
          });
          const adminSecret = resource(run, T.secret, "kps-grafana-admin").inputs.stringData;
          assert.ok(isSecretValue(adminSecret));
          assert.deepEqual(Object.keys(reveal<object>(adminSecret)).sort(), [
            "admin-password",
            "admin-user",
            "secret-key",
          ]);
          for (const name of ["kps-grafana-admin", "kps-grafana-secret-key", "uptime-kuma-admin-password"]) {
            const p = inputsOf<{ length: number }>(run, "random:index/randomPassword:RandomPassword", name);
            assert.ok(p.length >= 32, name);
          }
        });
      });

      describe("access", () => {
        it("serves the Prometheus and Alertmanager UIs over TLS behind forward authentication", () => {
          const v = valuesOf(run, "kps-release");
          for (const [ui, host] of [
            ["prometheus", cfg.ingress.prometheusHost],
            ["alertmanager", cfg.ingress.alertmanagerHost],
          ] as const) {
            const ingress = v[ui].ingress;
            assert.equal(ingress.ingressClassName, cfg.ingress.className);
            assert.deepEqual(ingress.tls, [{ secretName: `${host.split(".")[0]}-tls`, hosts: [host] }]);
            assert.equal(ingress.annotations["cert-manager.io/cluster-issuer"], cfg.ingress.clusterIssuer);
            assert.equal(ingress.annotations["nginx.ingress.kubernetes.io/auth-url"], cfg.ingress.authUrl);
            assert.equal(
              ingress.annotations["nginx.ingress.kubernetes.io/auth-signin"],
              cfg.ingress.authSignInUrl,
            );
          }
        });

        it("serves Grafana over TLS with its own login: no anonymous access, no sign-up", () => {
          const g = valuesOf(run, "kps-release").grafana;
          assert.deepEqual(g.ingress.tls[0].hosts, [cfg.ingress.grafanaHost]);
          assert.equal(g.ingress.annotations["cert-manager.io/cluster-issuer"], cfg.ingress.clusterIssuer);
          const ini = g["grafana.ini"];
          assert.equal(ini["auth.anonymous"].enabled, false);
          assert.equal(ini["auth.basic"].enabled, true);
          assert.equal(ini.users.allow_sign_up, false);
          assert.equal(ini.security.cookie_secure, true);
          assert.equal(ini.server.root_url, `https://${cfg.ingress.grafanaHost}`);
        });

        it("gives the exporters that need no Kubernetes API no token and no Role", () => {
          const pg = valuesOf(run, "postgres-exporter-release");
          assert.equal(pg.automountServiceAccountToken, false);
          assert.equal(pg.rbac.create, false);
          assert.equal(pg.securityContext.allowPrivilegeEscalation, false);
          assert.equal(pg.securityContext.readOnlyRootFilesystem, true);
          assert.equal(
            valuesOf(run, "opensearch-exporter-release").serviceAccount.automountServiceAccountToken,
            false,
          );
          assert.equal(valuesOf(run, "blackbox-exporter-release").automountServiceAccountToken, false);
        });

        it("lets the Flux state exporter list and watch Flux objects, and nothing else", () => {
          const v = valuesOf(run, "flux-state-metrics-release");
          assert.deepEqual(v.collectors, [], "no built-in collector, so none of the chart's default rules");
          for (const rule of v.rbac.extraRules) {
            assert.deepEqual(rule.verbs, ["list", "watch"]);
            for (const group of rule.apiGroups) assert.match(group, /\.toolkit\.fluxcd\.io$/);
          }
        });

        it("sends no usage reports from Alloy", () => {
          assert.equal(valuesOf(run, "alloy-release").alloy.enableReporting, false);
        });

        it("lets Alloy list and watch pods, and read no Secret or ConfigMap", () => {
          // Chart 1.2.1 hard-codes a ClusterRole reading every Secret and ConfigMap: it must not render.
          const v = valuesOf(run, "alloy-release");
          assert.deepEqual(v.rbac, { create: false });
          assert.deepEqual(v.serviceAccount, { create: true, name: "alloy" });
          const role = inputsOf<Values>(run, CLUSTER_ROLE, "alloy-pods");
          assert.equal(role.metadata.name, "alloy-pods");
          assert.deepEqual(role.rules, [
            { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
          ]);
          const binding = inputsOf<Values>(run, CLUSTER_ROLE_BINDING, "alloy-pods");
          assert.deepEqual(binding.roleRef, {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "alloy-pods",
          });
          assert.deepEqual(binding.subjects, [
            { kind: "ServiceAccount", name: "alloy", namespace: cfg.namespaces.monitoring },
          ]);
          const bindings = run.resources.filter((r) =>
            JSON.stringify(reveal<Values>(r.inputs).subjects ?? []).includes('"name":"alloy"'),
          );
          assert.deepEqual(
            bindings.map((r) => `${r.type} ${r.name}`),
            [`${CLUSTER_ROLE_BINDING} alloy-pods`],
            "no other binding grants Alloy's service account anything",
          );
        });

        it("lets Loki's rules sidecar read ConfigMaps of the monitoring namespace only, with a Role", () => {
          const v = valuesOf(run, "loki-release");
          assert.deepEqual(v.rbac, { namespaced: true });
          assert.deepEqual(v.sidecar.rules, {
            enabled: true,
            label: "monitoring.cameleer.io/loki-rules",
            labelValue: "platform-monitoring",
            folder: "/rules/fake",
            searchNamespace: cfg.namespaces.monitoring,
            resource: "configmap",
          });
          // ...which is where the log alert rules are, with the label the sidecar looks for.
          const rules = inputsOf<Values>(run, T.configMap, "alert-rules-loki").metadata;
          assert.equal(rules.namespace, cfg.namespaces.monitoring);
          assert.equal(rules.labels[v.sidecar.rules.label], v.sidecar.rules.labelValue);
        });
      });

      describe("reliability", () => {
        it("spreads Prometheus and Alertmanager replicas over nodes under a PodDisruptionBudget", () => {
          const v = valuesOf(run, "kps-release");
          assert.equal(v.prometheus.prometheusSpec.podAntiAffinity, "hard");
          assert.equal(v.alertmanager.alertmanagerSpec.podAntiAffinity, "hard");
          assert.equal(v.prometheus.podDisruptionBudget.enabled, cfg.prometheus.replicas > 1);
          assert.equal(v.alertmanager.podDisruptionBudget.enabled, cfg.alertmanager.replicas > 1);
          if (cfg.alertmanager.replicas > 1) {
            assert.ok(v.alertmanager.podDisruptionBudget.minAvailable < cfg.alertmanager.replicas);
          }
        });

        it("runs Loki's components replicated, one per node, with the chart's PodDisruptionBudgets", () => {
          const v = valuesOf(run, "loki-release");
          if (cfg.loki.mode === "scalable") {
            assert.ok(cfg.loki.replicas > 1, "the chart adds PodDisruptionBudgets from 2 replicas");
            for (const c of ["write", "read", "backend"]) {
              assert.equal(v[c].replicas, cfg.loki.replicas);
              const [term] = v[c].affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
              assert.equal(term.topologyKey, "kubernetes.io/hostname");
              assert.equal(term.labelSelector.matchLabels["app.kubernetes.io/component"], c);
            }
            assert.equal(v.gateway.replicas, 2);
          } else {
            assert.equal(v.singleBinary.replicas, 1);
            assert.equal(v.gateway.replicas, 1);
          }
        });

        it("sizes Prometheus, Alertmanager and Grafana from the stack's config", () => {
          const v = valuesOf(run, "kps-release");
          assert.equal(
            v.prometheus.prometheusSpec.resources.requests.memory,
            cfg.prometheus.resources.memory,
          );
          assert.equal(
            v.alertmanager.alertmanagerSpec.resources.requests.memory,
            cfg.alertmanager.resources.memory,
          );
          assert.equal(v.grafana.resources.requests.memory, cfg.grafana.resources.memory);
        });

        it("sizes every Loki pod from the stack's config", () => {
          // Staging's sizes equal the component's default; prod's differ, so a lost wiring fails there.
          const v = valuesOf(run, "loki-release");
          const { cpu, memory, cpuLimit } = cfg.loki.resources;
          const pods = cfg.loki.mode === "scalable" ? ["write", "read", "backend"] : ["singleBinary"];
          for (const c of pods) {
            assert.deepEqual(
              v[c].resources,
              { requests: { cpu, memory }, limits: cpuLimit ? { cpu: cpuLimit, memory } : { memory } },
              c,
            );
          }
        });

        it("keeps Loki's and Grafana's volumes when their releases go", () => {
          const loki = valuesOf(run, "loki-release");
          for (const c of cfg.loki.mode === "scalable" ? ["write", "backend"] : ["singleBinary"]) {
            assert.equal(loki[c].persistence.enableStatefulSetAutoDeletePVC, false, c);
          }
          const grafana = valuesOf(run, "kps-release").grafana;
          assert.equal(grafana.persistence.annotations["helm.sh/resource-policy"], "keep");
        });
      });
    });
  }

  describe("the Loki component, given the stacks' sizes", () => {
    for (const stack of ["prod", "staging"]) {
      it(stack, async () => {
        const cfg = parseStack(stack);
        const resources = await registered(() => {
          new Loki("loki", {
            namespace: NS,
            mode: cfg.loki.mode,
            retention: cfg.loki.retention,
            replicas: cfg.loki.replicas,
            storage: cfg.loki.storage,
            storageClass: cfg.kubernetes.storageClass,
            alertmanagerUrl: "http://kps-alertmanager.monitoring.svc:9093",
            resources: cfg.loki.resources,
          });
        });
        const values = (resources.find((r) => r.type === T.release)?.inputs as { values: Values }).values;
        const pods = cfg.loki.mode === "scalable" ? ["write", "read", "backend"] : ["singleBinary"];
        for (const c of pods) {
          assert.deepEqual(values[c].resources, {
            requests: { cpu: cfg.loki.resources.cpu, memory: cfg.loki.resources.memory },
            limits: { memory: cfg.loki.resources.memory },
          });
        }
      });
    }
  });
});
