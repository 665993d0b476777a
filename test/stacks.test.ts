import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { isSecretValue, REPO_ROOT, type StackRun } from "../stacks/mock-runtime";
import { CHARTS } from "../components/versions";
import { RULE_SELECTOR_LABELS } from "../components/shared/labels";
import { DASHBOARD_FACTORIES, DASHBOARDS, FOLDERS, slugify } from "../components/dashboards";
import { parseStack } from "./helpers/config";
import { committedRun, inputsOf, inventory, resource, T } from "./helpers/runs";

interface ReleaseInputs {
  name: string;
  namespace: string;
  chart: string;
  version: string;
  skipCrds: boolean;
  atomic: boolean;
  repositoryOpts: { repo: string };
  values: Record<string, any>;
}

const release = (run: StackRun, name: string) => inputsOf<ReleaseInputs>(run, T.release, name);

describe("stack programs under mocks", () => {
  for (const stack of ["prod", "staging"]) {
    describe(stack, () => {
      let run: StackRun;
      const cfg = parseStack(stack);
      before(async () => {
        run = await committedRun(stack);
      });

      it("registers the monitoring platform's foundation resources", () => {
        const expected = [
          "pulumi:providers:kubernetes watched-cluster",
          `${T.namespace} monitoring-namespace`,
          "platform-monitoring:core:PrometheusOperatorCrds prometheus-operator-crds",
          `${T.release} prometheus-operator-crds-release`,
          "platform-monitoring:core:MonitoringCore kps",
          "random:index/randomPassword:RandomPassword kps-grafana-admin",
          `${T.secret} kps-grafana-admin`,
          `${T.release} kps-release`,
          "platform-monitoring:logging:Loki loki",
          `${T.release} loki-release`,
          "platform-monitoring:logging:LogShipper alloy",
          `${T.release} alloy-release`,
          "platform-monitoring:exporters:PostgresExporter postgres-exporter",
          `${T.secret} postgres-exporter-credentials`,
          `${T.release} postgres-exporter-release`,
          "platform-monitoring:exporters:OpenSearchExporter opensearch-exporter",
          `${T.secret} opensearch-exporter-credentials`,
          `${T.release} opensearch-exporter-release`,
          "platform-monitoring:exporters:BlackboxExporter blackbox-exporter",
          `${T.release} blackbox-exporter-release`,
          `${T.probe} blackbox-exporter-control-plane-liveness`,
          `${T.probe} blackbox-exporter-control-plane-readiness`,
          ...cfg.controlPlane.publicEndpoints.map((e) => `${T.probe} blackbox-exporter-public-${e.name}`),
          "platform-monitoring:exporters:FluxStateMetrics flux-state-metrics",
          `${T.release} flux-state-metrics-release`,
          "platform-monitoring:exporters:ApplicationScrapeTargets cameleer",
          `${T.serviceMonitor} cameleer-control-plane`,
          `${T.serviceMonitor} cameleer-tenant-servers`,
        ];
        const actual = inventory(run);
        for (const e of expected) assert.ok(actual.includes(e), `missing ${e}`);
      });

      it("registers exactly the resources of its inventory (test/inventory/<stack>.txt)", () => {
        // The reviewed list of every resource, type and name: a resource added, renamed (which
        // would replace it) or lost shows as a diff here. UPDATE_INVENTORY=1 rewrites the file.
        const file = path.join(REPO_ROOT, "test", "inventory", `${stack}.txt`);
        const actual = inventory(run).join("\n") + "\n";
        if (process.env.UPDATE_INVENTORY === "1") fs.writeFileSync(file, actual);
        assert.equal(actual, fs.readFileSync(file, "utf8"));
      });

      it("gives every Kubernetes object an explicit namespace-scoped name, so two runs never differ", () => {
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x.custom)) {
          const metadata = r.inputs.metadata as { name?: string } | undefined;
          const name = r.type === T.release ? r.inputs.name : metadata?.name;
          assert.equal(typeof name, "string", `${r.type} ${r.name} has no fixed name`);
        }
      });

      it("pins every chart to the versions module", () => {
        const releases = run.resources.filter((r) => r.type === T.release);
        assert.equal(releases.length, 8);
        const pinned = Object.values(CHARTS).map((c) => `${c.repo} ${c.chart} ${c.version}`);
        for (const r of releases) {
          const i = r.inputs as unknown as ReleaseInputs;
          assert.ok(
            pinned.includes(`${i.repositoryOpts.repo} ${i.chart} ${i.version}`),
            `${r.name} unpinned`,
          );
          assert.equal(i.atomic, true);
        }
      });

      it("installs the operator CRDs as their own release, before any custom resource", () => {
        assert.equal(release(run, "prometheus-operator-crds-release").skipCrds, false);
        assert.equal(release(run, "kps-release").skipCrds, true);
        assert.equal(release(run, "kps-release").values.crds.enabled, false);
        const order = run.resources.map((r) => `${r.type} ${r.name}`);
        const crdsAt = order.indexOf(`${T.release} prometheus-operator-crds-release`);
        const customResources = run.resources.filter((r) => r.type.includes("monitoring.coreos.com"));
        assert.ok(customResources.length > 0);
        for (const r of customResources) {
          assert.ok(order.indexOf(`${r.type} ${r.name}`) > crdsAt, `${r.name} registered before the CRDs`);
        }
      });

      it("sizes Prometheus and Alertmanager from config, with HA where there are replicas", () => {
        const v = release(run, "kps-release").values;
        const p = v.prometheus.prometheusSpec;
        assert.equal(p.replicas, cfg.prometheus.replicas);
        assert.equal(p.retention, cfg.prometheus.retention);
        assert.equal(p.retentionSize, cfg.prometheus.retentionSize);
        assert.equal(
          p.storageSpec.volumeClaimTemplate.spec.resources.requests.storage,
          cfg.prometheus.storageSize,
        );
        assert.equal(p.storageSpec.volumeClaimTemplate.spec.storageClassName, cfg.kubernetes.storageClass);
        assert.deepEqual(p.externalLabels, { cluster: cfg.kubernetes.clusterName, environment: stack });
        assert.equal(v.prometheus.podDisruptionBudget.enabled, cfg.prometheus.replicas > 1);
        assert.equal(v.alertmanager.alertmanagerSpec.replicas, cfg.alertmanager.replicas);
        assert.equal(v.alertmanager.podDisruptionBudget.enabled, cfg.alertmanager.replicas > 1);
        assert.deepEqual(p.resources.requests, {
          cpu: cfg.prometheus.resources.cpu,
          memory: cfg.prometheus.resources.memory,
        });
      });

      it("avoids the *SelectorNilUsesHelmValues trap: our rules and monitors are always selected", () => {
        const p = release(run, "kps-release").values.prometheus.prometheusSpec;
        for (const kind of ["rule", "serviceMonitor", "podMonitor", "probe", "scrapeConfig"]) {
          assert.equal(p[`${kind}SelectorNilUsesHelmValues`], false, kind);
          assert.deepEqual(p[`${kind}NamespaceSelector`], {}, kind);
        }
        assert.deepEqual(p.ruleSelector, { matchLabels: RULE_SELECTOR_LABELS });
        assert.deepEqual(p.serviceMonitorSelector, {});
      });

      it("turns off Grafana's anonymous access and takes its admin password from a generated secret", () => {
        const g = release(run, "kps-release").values.grafana;
        assert.equal(g["grafana.ini"]["auth.anonymous"].enabled, false);
        assert.equal(g.admin.existingSecret, "kps-grafana-admin");
        assert.equal(g.adminPassword, undefined);
        const secret = resource(run, T.secret, "kps-grafana-admin");
        assert.ok(
          isSecretValue(secret.inputs.stringData),
          "admin password Secret data must be a Pulumi secret",
        );
        const password = inputsOf<{ length: number; special: boolean }>(
          run,
          "random:index/randomPassword:RandomPassword",
          "kps-grafana-admin",
        );
        assert.ok(password.length >= 32);
      });

      it("allow-lists the tenant and tier namespace labels in kube-state-metrics", () => {
        const ksm = release(run, "kps-release").values["kube-state-metrics"];
        assert.ok(ksm.metricLabelsAllowlist.includes("namespaces=[cameleer.io/tenant,cameleer.io/tier]"));
      });

      it("protects the Prometheus and Alertmanager UIs with TLS and forward auth", () => {
        const v = release(run, "kps-release").values;
        for (const [ui, host] of [
          ["prometheus", cfg.ingress.prometheusHost],
          ["alertmanager", cfg.ingress.alertmanagerHost],
        ] as const) {
          const ingress = v[ui].ingress;
          assert.deepEqual(ingress.hosts, [host]);
          assert.deepEqual(ingress.tls[0].hosts, [host]);
          assert.equal(ingress.annotations["nginx.ingress.kubernetes.io/auth-url"], cfg.ingress.authUrl);
        }
      });

      it("runs Loki in the mode its config asks for, on the matching storage", () => {
        const v = release(run, "loki-release").values;
        if (cfg.loki.storage.type === "s3") {
          assert.equal(v.deploymentMode, "SimpleScalable");
          assert.equal(v.loki.storage.bucketNames.chunks, cfg.loki.storage.chunksBucket);
          assert.equal(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"], cfg.loki.storage.roleArn);
          assert.equal(v.write.replicas, cfg.loki.replicas);
          assert.equal(v.singleBinary.replicas, 0);
        } else {
          assert.equal(v.deploymentMode, "SingleBinary");
          assert.equal(v.loki.storage.type, "filesystem");
          assert.equal(v.singleBinary.persistence.size, cfg.loki.storage.size);
          assert.equal(v.write.replicas, 0);
        }
        assert.equal(v.loki.limits_config.retention_period, cfg.loki.retention);
        assert.equal(v.loki.compactor.retention_enabled, true);
      });

      it("ships platform logs only: tenant namespaces are dropped before Loki", () => {
        const content: string = release(run, "alloy-release").values.alloy.configMap.content;
        assert.match(content, /regex\s+= "tenant-\.\+"\s+action\s+= "drop"/);
      });

      it("keeps exporter credentials out of Helm values", () => {
        const pg = release(run, "postgres-exporter-release").values;
        assert.deepEqual(pg.config.datasource.passwordSecret, {
          name: "postgres-exporter-credentials",
          key: "password",
        });
        assert.equal(pg.config.datasource.host, cfg.exporters.postgres.host);
        assert.ok(pg.extraArgs.includes("--collector.stat_statements"));
        const os = release(run, "opensearch-exporter-release").values;
        assert.equal(os.es.uri, cfg.exporters.opensearch.url);
        assert.deepEqual(os.extraEnvSecrets.ES_PASSWORD, {
          secret: "opensearch-exporter-credentials",
          key: "password",
        });
        for (const name of ["postgres-exporter-credentials", "opensearch-exporter-credentials"]) {
          assert.ok(isSecretValue(resource(run, T.secret, name).inputs.stringData), name);
        }
      });

      it("probes the control plane's liveness and readiness and every public endpoint", () => {
        const liveness = inputsOf<{ spec: any }>(
          run,
          T.probe,
          "blackbox-exporter-control-plane-liveness",
        ).spec;
        assert.deepEqual(liveness.targets.staticConfig.static, [
          `${cfg.controlPlane.actuatorUrl}/actuator/health/liveness`,
        ]);
        assert.equal(liveness.module, "http_actuator_health");
        for (const e of cfg.controlPlane.publicEndpoints) {
          const spec = inputsOf<{ spec: any }>(run, T.probe, `blackbox-exporter-public-${e.name}`).spec;
          assert.deepEqual(spec.targets.staticConfig.static, [e.url]);
          assert.deepEqual(spec.targets.staticConfig.labels, { probe: "public", target: e.name });
        }
      });

      it("scrapes every tenant server by label, with no tenant list, and labels it with its tenant", () => {
        const spec = inputsOf<{ spec: any }>(run, T.serviceMonitor, "cameleer-tenant-servers").spec;
        assert.deepEqual(spec.namespaceSelector, { any: true });
        assert.deepEqual(spec.selector.matchLabels, { "app.kubernetes.io/name": "cameleer3-server" });
        const [keep, tenant] = spec.endpoints[0].relabelings;
        assert.deepEqual(keep, {
          action: "keep",
          regex: "tenant-.+",
          sourceLabels: ["__meta_kubernetes_namespace"],
        });
        assert.equal(tenant.targetLabel, "tenant");
        assert.equal(tenant.regex, "tenant-(.+)");
        const cp = inputsOf<{ spec: any }>(run, T.serviceMonitor, "cameleer-control-plane").spec;
        assert.deepEqual(cp.namespaceSelector, { matchNames: [cfg.namespaces.controlPlane] });
        assert.equal(cp.endpoints[0].path, "/actuator/prometheus");
      });

      it("reports Flux state through a second kube-state-metrics, leaving the main one whole", () => {
        const v = release(run, "flux-state-metrics-release").values;
        assert.deepEqual(v.extraArgs, ["--custom-resource-state-only=true"]);
        assert.equal(v.nameOverride, "flux-state-metrics");
        const kinds = v.customResourceState.config.spec.resources.map((r: any) => r.groupVersionKind.kind);
        assert.ok(kinds.includes("Kustomization") && kinds.includes("HelmRelease"));
        const ksm = release(run, "kps-release").values["kube-state-metrics"];
        assert.equal(ksm.extraArgs, undefined);
      });

      it("runs the monthly SLA report on the 1st where the config asks for it, keeping the reports", () => {
        const names = inventory(run);
        if (!cfg.slaReport.enabled) {
          assert.deepEqual(
            names.filter((n) => n.includes("sla-report")),
            [],
          );
          return;
        }
        const job = inputsOf<{ spec: any }>(run, "kubernetes:batch/v1:CronJob", "sla-report").spec;
        assert.equal(job.schedule, cfg.slaReport.schedule);
        assert.equal(job.timeZone, "Etc/UTC");
        assert.equal(job.concurrencyPolicy, "Forbid");
        const pod = job.jobTemplate.spec.template.spec;
        const [container] = pod.containers;
        // Every tier is the default: no --tier filter.
        assert.deepEqual(container.command, [
          "node",
          "/opt/sla-report/sla-report-cli.js",
          "--month",
          "previous",
          "--out",
          "/reports",
          "--prometheus",
          `http://kps-prometheus.${cfg.namespaces.monitoring}.svc:9090`,
        ]);
        assert.match(container.image, /^docker\.io\/library\/node:20\.[0-9]+\.[0-9]+-alpine$/);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(container.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(
          job.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/name"],
          "sla-report",
        );
        const code = inputsOf<{ data: Record<string, string> }>(run, T.configMap, "sla-report-code").data;
        assert.deepEqual(Object.keys(code).sort(), [
          "progress.js",
          "sla-report-cli.js",
          "sla-report-render.js",
          "sla-report.js",
          "sli.js",
        ]);
        const claim = inputsOf<{ spec: any }>(
          run,
          "kubernetes:core/v1:PersistentVolumeClaim",
          "sla-report-data",
        );
        assert.equal(claim.spec.resources.requests.storage, cfg.slaReport.storageSize);
        assert.equal(claim.spec.storageClassName, cfg.kubernetes.storageClass);
      });

      it("exposes the UI URLs, and the Grafana admin password only as a secret", () => {
        assert.equal(run.outputs.grafanaUrl, `https://${cfg.ingress.grafanaHost}`);
        assert.equal(run.outputs.prometheusUrl, `https://${cfg.ingress.prometheusHost}`);
        assert.equal(run.outputs.alertmanagerUrl, `https://${cfg.ingress.alertmanagerHost}`);
        assert.ok(isSecretValue(run.outputs.grafanaAdminPassword));
      });

      it("exposes the URL of every dashboard it builds and of every Grafana folder", () => {
        const grafanaUrl = `https://${cfg.ingress.grafanaHost}`;
        // Only the dashboards the factory list builds: a key registered without a factory has no URL.
        assert.deepEqual(
          run.outputs.dashboardUrls,
          Object.fromEntries(
            DASHBOARD_FACTORIES.map(({ key }) => [
              key,
              `${grafanaUrl}/d/${DASHBOARDS[key].uid}/${slugify(DASHBOARDS[key].title)}`,
            ]),
          ),
        );
        assert.deepEqual(
          run.outputs.grafanaFolderUrls,
          Object.fromEntries(
            Object.entries(FOLDERS).map(([key, f]) => [
              key,
              `${grafanaUrl}/dashboards/f/${f.uid}/${slugify(f.title)}`,
            ]),
          ),
        );
        // One of each spelled out, so a broken slug cannot hide behind the same helper on both sides.
        const urls = run.outputs as {
          dashboardUrls: Record<string, string>;
          grafanaFolderUrls: Record<string, string>;
        };
        assert.equal(
          urls.dashboardUrls.platformOverview,
          `${grafanaUrl}/d/cameleer-platform-overview/platform-overview`,
        );
        assert.equal(
          urls.grafanaFolderUrls.tenants,
          `${grafanaUrl}/dashboards/f/cameleer-tenants/cameleer-tenants`,
        );
      });
    });
  }
});
