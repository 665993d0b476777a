/**
 * The monthly SLA report in the cluster: a CronJob that runs `sla-report-cli` on a pinned `node`
 * image against the in-cluster Prometheus, for the month that just ended, and keeps the HTML and CSV
 * on a volume that outlives the stack.
 *
 * No image is built: the report's modules (plain TypeScript importing only Node and each other) are
 * transpiled here and shipped in a ConfigMap, so what runs in the cluster is exactly what the tests
 * run against a real Prometheus.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import { COMMON_LABELS } from "../shared/labels";
import { CONTAINER_SECURITY, nonRootPodSecurity } from "../shared/pod-security";
import { IMAGES } from "../versions";

/** The modules the report runs, in this folder: the CLI and everything it imports. */
export const SLA_REPORT_MODULES = [
  "sla-report-cli",
  "sla-report",
  "sla-report-render",
  "progress",
  "sli",
] as const;

/** Where the ConfigMap is mounted in the job's container. */
export const SLA_REPORT_CODE_DIR = "/opt/sla-report";
/** Where the volume of reports is mounted. */
export const SLA_REPORT_OUT_DIR = "/reports";

/** Pod labels of the report's job; the monitoring namespace's NetworkPolicies admit it to Prometheus. */
export const SLA_REPORT_POD_LABELS = { "app.kubernetes.io/name": "sla-report" } as const;

/**
 * The report's modules as CommonJS for Node 20, by file name (`sla-report-cli.js`, ...). Fails if a
 * module imports anything but Node's built-ins and its siblings: the job's image has nothing else.
 */
export function slaReportScripts(
  dir: string = __dirname,
  modules: readonly string[] = SLA_REPORT_MODULES,
): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const module of modules) {
    const source = fs.readFileSync(path.join(dir, `${module}.ts`), "utf8");
    const file = ts.createSourceFile(`${module}.ts`, source, ts.ScriptTarget.ES2022);
    for (const statement of file.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const from = statement.moduleSpecifier.text;
      const sibling = from.startsWith("./") && modules.includes(from.slice(2));
      if (!from.startsWith("node:") && !sibling) {
        throw new Error(
          `${module}.ts imports "${from}": the SLA report may import node:* and its own modules only`,
        );
      }
    }
    const out = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
      fileName: `${module}.ts`,
      reportDiagnostics: false,
    });
    scripts[`${module}.js`] = out.outputText;
  }
  return scripts;
}

export interface SlaReportJobArgs {
  readonly namespace: pulumi.Input<string>;
  /** In-cluster URL of Prometheus, e.g. `http://kps-prometheus.monitoring.svc:9090`. */
  readonly prometheusUrl: pulumi.Input<string>;
  /** Five-field cron schedule, UTC; each run reports the month before. */
  readonly schedule: string;
  /** Tiers in the report; all when empty. */
  readonly tiers: readonly string[];
  readonly storageClass: string;
  /** Size of the reports' volume. */
  readonly storageSize: string;
}

/**
 * A CronJob, its code and its volume. The volume is retained when the stack lets go of it: the
 * reports are the record of what tenants were owed.
 */
export class SlaReportJob extends pulumi.ComponentResource {
  public readonly cronJob: k8s.batch.v1.CronJob;
  public readonly code: k8s.core.v1.ConfigMap;
  public readonly reports: k8s.core.v1.PersistentVolumeClaim;

  constructor(name: string, args: SlaReportJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:slo:SlaReportJob", name, {}, opts);
    const labels = { ...COMMON_LABELS, ...SLA_REPORT_POD_LABELS };
    this.code = new k8s.core.v1.ConfigMap(
      `${name}-code`,
      {
        metadata: { name: `${name}-code`, namespace: args.namespace, labels },
        data: slaReportScripts(),
      },
      { parent: this },
    );
    this.reports = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      {
        metadata: { name: `${name}-data`, namespace: args.namespace, labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: args.storageClass,
          resources: { requests: { storage: args.storageSize } },
        },
      },
      { parent: this, retainOnDelete: true },
    );
    // The image's `node` user.
    const RUN_AS = 1000;
    const cli = [
      "node",
      `${SLA_REPORT_CODE_DIR}/sla-report-cli.js`,
      "--month",
      "previous",
      "--out",
      SLA_REPORT_OUT_DIR,
      ...(args.tiers.length > 0 ? ["--tier", args.tiers.join(",")] : []),
    ];
    this.cronJob = new k8s.batch.v1.CronJob(
      name,
      {
        metadata: { name, namespace: args.namespace, labels },
        spec: {
          schedule: args.schedule,
          timeZone: "Etc/UTC",
          // One report at a time; a run missed by more than a day is left to a human.
          concurrencyPolicy: "Forbid",
          startingDeadlineSeconds: 86400,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels },
            spec: {
              backoffLimit: 3,
              activeDeadlineSeconds: 3600,
              template: {
                metadata: { labels },
                spec: {
                  restartPolicy: "Never",
                  automountServiceAccountToken: false,
                  securityContext: nonRootPodSecurity(RUN_AS),
                  containers: [
                    {
                      name: "sla-report",
                      image: `${IMAGES.node.repository}:${IMAGES.node.tag}`,
                      command: pulumi
                        .output(args.prometheusUrl)
                        .apply((url) => [...cli, "--prometheus", url]),
                      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                      securityContext: { ...CONTAINER_SECURITY, readOnlyRootFilesystem: true },
                      volumeMounts: [
                        { name: "code", mountPath: SLA_REPORT_CODE_DIR, readOnly: true },
                        { name: "reports", mountPath: SLA_REPORT_OUT_DIR },
                      ],
                    },
                  ],
                  volumes: [
                    { name: "code", configMap: { name: this.code.metadata.name } },
                    { name: "reports", persistentVolumeClaim: { claimName: this.reports.metadata.name } },
                  ],
                },
              },
            },
          },
        },
      },
      { parent: this },
    );
    this.registerOutputs({ cronJob: this.cronJob, code: this.code, reports: this.reports });
  }
}
