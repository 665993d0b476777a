/**
 * Kubernetes: the cluster every tenant and the control plane run on. Volumes, nodes, scheduling and
 * the platform's own Deployments. A full volume loses data, so only that pages; the rest warns,
 * because Kubernetes heals most node and scheduling trouble by itself and the customer-facing alerts
 * (control plane, tenants) page when it does not.
 */
import { regexEscape, type RuleContext } from "../context";
import { humanizePercentage } from "../rule-files";
import { gauge, series } from "../testing";
import type { AlertDefinition, AlertTestCase, AreaRules, Duration } from "../types";

/**
 * How far ahead PersistentVolumeFillingUpPredicted looks: four days covers a long weekend plus the
 * working day it takes to resize a volume or clean it up.
 */
const VOLUME_PREDICTION_DAYS = 4;
/** The growth the prediction extrapolates: six hours smooths out a nightly batch or a compaction. */
const VOLUME_PREDICTION_WINDOW: Duration = "6h";
/**
 * Usage below which a predicted fill is not worth a warning: a fresh, nearly empty volume being
 * loaded extrapolates to "full" within days, and has weeks of room in practice.
 */
const VOLUME_PREDICTION_MIN_USAGE = 0.5;
/**
 * Free space on a node filesystem below which we warn. Not in the stack config: 10 % is the kubelet's
 * default hard eviction threshold (`nodefs.available<10%`), the same on every cluster we run.
 */
const NODE_FILESYSTEM_MIN_AVAILABLE = 0.1;
/**
 * Available memory below which a node is short: under 10 % the kubelet's memory eviction (and, for
 * pods over their requests, the kernel's OOM killer) is one burst away.
 */
const NODE_MEMORY_MIN_AVAILABLE = 0.1;

export function kubernetesRules(ctx: RuleContext): AreaRules {
  const t = ctx.thresholds;
  const ksm = ctx.selectors.kubeStateMetrics;
  const ne = ctx.selectors.nodeExporter;
  const { monitoring, controlPlane } = ctx.names.namespaces;
  // No named selector covers "the platform's own namespaces"; built from the same names the
  // selectors use, so a renamed namespace still changes one line of stack config.
  const platformNamespaces = `namespace=~"${regexEscape(monitoring)}|${regexEscape(controlPlane)}"`;

  const ksmTarget = { job: ctx.names.jobs.kubeStateMetrics, instance: "10.0.3.41:8080" };
  // node-exporter series carry the node's name as `node` (relabelled in MonitoringCore), so that a
  // NodeNotReady can inhibit them.
  const nodeExporterTarget = {
    job: ctx.names.jobs.nodeExporter,
    instance: "10.0.1.12:9100",
    node: "ip-10-0-1-12.eu-central-1.compute.internal",
  };

  const fsBy = "instance, node, device, mountpoint";
  const fsSelector = `${ne}, fstype!="tmpfs"`;
  const rootFs = { ...nodeExporterTarget, device: "/dev/nvme0n1p1", fstype: "xfs", mountpoint: "/" };
  const nodeFsSize = 80 * 2 ** 30;
  /** The three series node-exporter exports for one filesystem, at a given share of free space. */
  const filesystem = (labels: Record<string, string>, availValues: string, readonly = 0) => [
    series("node_filesystem_avail_bytes", labels, availValues),
    series("node_filesystem_size_bytes", labels, gauge(nodeFsSize, 60)),
    series("node_filesystem_readonly", labels, gauge(readonly, 60)),
  ];
  const fsAvail = (ratio: number) => Math.round(ratio * nodeFsSize);
  const fsLabels = {
    instance: rootFs.instance,
    node: rootFs.node,
    device: rootFs.device,
    mountpoint: rootFs.mountpoint,
  };

  const memTotal = 32 * 2 ** 30;
  const memAvail = (ratio: number) => Math.round(ratio * memTotal);
  const memory = (availValues: string) => [
    series("node_memory_MemAvailable_bytes", nodeExporterTarget, availValues),
    series("node_memory_MemTotal_bytes", nodeExporterTarget, gauge(memTotal, 60)),
  ];

  const deployment = (namespace: string, name: string, spec: number, availableValues: string) => [
    series("kube_deployment_spec_replicas", { ...ksmTarget, namespace, deployment: name }, gauge(spec, 40)),
    series(
      "kube_deployment_status_replicas_available",
      { ...ksmTarget, namespace, deployment: name },
      availableValues,
    ),
  ];
  const grafana = ctx.names.jobs.grafana;

  const node = "ip-10-0-1-12.eu-central-1.compute.internal";
  const nodeNotReadyDescription = (n: string) =>
    `Node ${n} has not reported Ready for 10 minutes (NotReady or Unknown). Its pods are evicted and ` +
    "rescheduled elsewhere, and the cluster runs one node short of capacity.";

  const unschedulablePod = { namespace: `${ctx.tenantPrefix}acme`, pod: "order-router-7d9f8c6b5-x2kqp" };

  const alerts: AlertDefinition[] = [
    volumeUsageAlert(ctx, {
      alert: "PersistentVolumeFillingUp",
      severity: "warning",
      threshold: t.volumeUsageWarning,
      for: "15m",
      consequence:
        `Resize it or clean it up before it reaches ${humanizePercentage(t.volumeUsageCritical)}, ` +
        "where PersistentVolumeAlmostFull pages.",
      firingRatio: (t.volumeUsageWarning + t.volumeUsageCritical) / 2,
      quiet: [
        { name: "a disk at 70 % does not warn", kind: "0.7" },
        {
          name: "a 10-minute spike above the threshold (compaction, a big import) does not warn",
          kind: "spike",
        },
      ],
    }),
    volumeUsageAlert(ctx, {
      alert: "PersistentVolumeAlmostFull",
      severity: "critical",
      threshold: t.volumeUsageCritical,
      for: "5m",
      consequence: "Once it is full, writes fail: databases stop or corrupt, Prometheus and Loki drop data.",
      firingRatio: (t.volumeUsageCritical + 1) / 2,
      quiet: [{ name: "a volume in the warning band does not page", kind: "warning" }],
    }),
    volumeFillPredictedAlert(ctx),
    {
      alert: "NodeNotReady",
      area: "kubernetes",
      severity: "warning",
      expr: `max by (node) (kube_node_status_condition{${ksm}, condition="Ready", status="true"}) == 0`,
      for: "10m",
      summary: "Node {{ $labels.node }} is not Ready",
      description: nodeNotReadyDescription("{{ $labels.node }}"),
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when a node stays NotReady",
          series: nodeCondition(ctx, node, "Ready", "1x5 0x30"),
          evalTime: "20m",
          expect: [
            {
              labels: { node },
              summary: `Node ${node} is not Ready`,
              description: nodeNotReadyDescription(node),
            },
          ],
        },
        {
          name: "a node NotReady for 6 minutes while its kubelet restarts does not warn",
          series: nodeCondition(ctx, node, "Ready", "1x5 0x6 1x20"),
          evalTime: "12m",
          expect: [],
        },
      ],
    },
    nodePressureAlert(ctx, {
      alert: "NodeMemoryPressure",
      condition: "MemoryPressure",
      meaning:
        "available memory is under its eviction threshold, so it evicts pods (BestEffort first, then those " +
        "over their memory requests) and the scheduler places no new pods there.",
    }),
    nodePressureAlert(ctx, {
      alert: "NodeDiskPressure",
      condition: "DiskPressure",
      meaning:
        "its root or image filesystem is under its eviction threshold, so it deletes unused images, evicts " +
        "pods and the scheduler places no new pods there.",
    }),
    nodePressureAlert(ctx, {
      alert: "NodePIDPressure",
      condition: "PIDPressure",
      meaning:
        "it is running out of process IDs, usually because one container leaks threads or processes, so it " +
        "evicts pods and the scheduler places no new pods there.",
    }),
    {
      alert: "PodUnschedulable",
      area: "kubernetes",
      severity: "warning",
      expr: `max by (namespace, pod) (kube_pod_status_unschedulable{${ksm}}) == 1`,
      for: "15m",
      summary: "Pod {{ $labels.namespace }}/{{ $labels.pod }} cannot be scheduled",
      description:
        "Pod {{ $labels.pod }} in {{ $labels.namespace }} has been unschedulable for 15 minutes: no node has " +
        "room for its requests, or its node selector, affinity, tolerations or volume zone match no node. " +
        "The cluster autoscaler has not fixed it.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires for a pod Pending for 20 minutes",
          series: [
            series("kube_pod_status_unschedulable", { ...ksmTarget, ...unschedulablePod }, gauge(1, 30)),
          ],
          evalTime: "20m",
          expect: [
            {
              labels: unschedulablePod,
              summary: `Pod ${unschedulablePod.namespace}/${unschedulablePod.pod} cannot be scheduled`,
              description:
                `Pod ${unschedulablePod.pod} in ${unschedulablePod.namespace} has been unschedulable for 15 ` +
                "minutes: no node has room for its requests, or its node selector, affinity, tolerations or " +
                "volume zone match no node. The cluster autoscaler has not fixed it.",
            },
          ],
        },
        {
          name: "a pod waiting 10 minutes for the autoscaler's new node does not warn",
          series: [
            series("kube_pod_status_unschedulable", { ...ksmTarget, ...unschedulablePod }, "1x10 stale"),
          ],
          evalTime: "10m",
          expect: [],
        },
      ],
    },
    {
      alert: "NodeFilesystemAlmostFull",
      area: "kubernetes",
      severity: "warning",
      expr:
        `(max by (${fsBy}) (node_filesystem_avail_bytes{${fsSelector}})` +
        ` / max by (${fsBy}) (node_filesystem_size_bytes{${fsSelector}})) < ${NODE_FILESYSTEM_MIN_AVAILABLE}` +
        ` and on (${fsBy}) (max by (${fsBy}) (node_filesystem_readonly{${fsSelector}}) == 0)`,
      for: "30m",
      summary:
        "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} space left",
      description:
        "Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has had less " +
        `than ${humanizePercentage(NODE_FILESYSTEM_MIN_AVAILABLE)} free space for 30 minutes. The kubelet ` +
        "garbage-collects images and evicts pods from it, and container logs and emptyDir volumes stop growing.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires for a root filesystem at 95 %",
          series: filesystem(rootFs, gauge(fsAvail(NODE_FILESYSTEM_MIN_AVAILABLE / 2), 60)),
          evalTime: "40m",
          expect: [
            {
              labels: fsLabels,
              summary:
                `Filesystem / on ${rootFs.instance} has ` +
                `${humanizePercentage(NODE_FILESYSTEM_MIN_AVAILABLE / 2)} space left`,
              description:
                `Filesystem / (${rootFs.device}) on ${rootFs.instance} has had less than ` +
                `${humanizePercentage(NODE_FILESYSTEM_MIN_AVAILABLE)} free space for 30 minutes. The kubelet ` +
                "garbage-collects images and evicts pods from it, and container logs and emptyDir volumes stop " +
                "growing.",
            },
          ],
        },
        {
          name: "a disk at 70 % does not warn",
          series: filesystem(rootFs, gauge(fsAvail(0.3), 60)),
          evalTime: "40m",
          expect: [],
        },
        {
          name: "20 minutes nearly full, until image garbage collection frees space, does not warn",
          series: filesystem(
            rootFs,
            `${fsAvail(0.2)}x10 ${fsAvail(NODE_FILESYSTEM_MIN_AVAILABLE / 2)}x19 ${fsAvail(0.25)}x30`,
          ),
          evalTime: "30m",
          expect: [],
        },
        {
          name: "read-only and tmpfs filesystems do not warn, however full",
          series: [
            ...filesystem(
              { ...nodeExporterTarget, device: "/dev/nvme1n1", fstype: "ext4", mountpoint: "/mnt/images" },
              gauge(fsAvail(0.01), 60),
              1,
            ),
            ...filesystem(
              { ...nodeExporterTarget, device: "tmpfs", fstype: "tmpfs", mountpoint: "/run" },
              gauge(fsAvail(0.01), 60),
            ),
          ],
          evalTime: "40m",
          expect: [],
        },
      ],
    },
    {
      alert: "PlatformDeploymentReplicasMismatch",
      area: "kubernetes",
      severity: "warning",
      expr:
        `max by (namespace, deployment) (kube_deployment_status_replicas_available{${ksm}, ${platformNamespaces}})` +
        ` < max by (namespace, deployment) (kube_deployment_spec_replicas{${ksm}, ${platformNamespaces}})`,
      for: "15m",
      summary: deploymentSummary("{{ $labels.namespace }}", "{{ $labels.deployment }}", "{{ $value }}"),
      description: deploymentDescription(
        "{{ $labels.namespace }}",
        "{{ $labels.deployment }}",
        "{{ $value }}",
      ),
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when one Grafana replica stays unavailable",
          series: deployment(monitoring, grafana, 2, gauge(1, 40)),
          evalTime: "25m",
          expect: [
            {
              labels: { namespace: monitoring, deployment: grafana },
              summary: deploymentSummary(monitoring, grafana, "1"),
              description: deploymentDescription(monitoring, grafana, "1"),
            },
          ],
        },
        {
          name: "fires when no control-plane replica is available",
          series: deployment(controlPlane, ctx.names.jobs.controlPlane, 3, gauge(0, 40)),
          evalTime: "25m",
          expect: [
            {
              labels: { namespace: controlPlane, deployment: ctx.names.jobs.controlPlane },
              summary: deploymentSummary(controlPlane, ctx.names.jobs.controlPlane, "0"),
              description: deploymentDescription(controlPlane, ctx.names.jobs.controlPlane, "0"),
            },
          ],
        },
        {
          name: "a rolling update one replica short for 8 minutes does not warn",
          series: deployment(monitoring, grafana, 2, "2x5 1x8 2x30"),
          evalTime: "13m",
          expect: [],
        },
        {
          name: "a tenant Deployment short of replicas is not this alert's business",
          series: deployment(`${ctx.tenantPrefix}acme`, ctx.names.jobs.tenantServer, 1, gauge(0, 40)),
          evalTime: "25m",
          expect: [],
        },
      ],
    },
    {
      alert: "NodeMemoryHighUtilisation",
      area: "kubernetes",
      severity: "warning",
      expr:
        `(max by (instance, node) (node_memory_MemAvailable_bytes{${ne}})` +
        ` / max by (instance, node) (node_memory_MemTotal_bytes{${ne}})) < ${NODE_MEMORY_MIN_AVAILABLE}`,
      for: "30m",
      summary:
        "Node {{ $labels.instance }} has only {{ $value | humanizePercentage }} of its memory available",
      description:
        "Node {{ $labels.instance }} has had less than " +
        `${humanizePercentage(NODE_MEMORY_MIN_AVAILABLE)} of its memory available for 30 minutes. Pods over ` +
        "their memory requests are next for eviction or the OOM killer; the node is overcommitted.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when a node runs with 4 % memory available",
          series: memory(gauge(memAvail(0.04), 60)),
          evalTime: "40m",
          expect: [
            {
              labels: { instance: nodeExporterTarget.instance, node: nodeExporterTarget.node },
              summary: `Node ${nodeExporterTarget.instance} has only ${humanizePercentage(0.04)} of its memory available`,
              description:
                `Node ${nodeExporterTarget.instance} has had less than ` +
                `${humanizePercentage(NODE_MEMORY_MIN_AVAILABLE)} of its memory available for 30 minutes. Pods ` +
                "over their memory requests are next for eviction or the OOM killer; the node is overcommitted.",
            },
          ],
        },
        {
          name: "a node at 70 % memory use does not warn",
          series: memory(gauge(memAvail(0.3), 60)),
          evalTime: "40m",
          expect: [],
        },
        {
          name: "a 20-minute batch job squeezing memory does not warn",
          series: memory(`${memAvail(0.3)}x10 ${memAvail(0.05)}x20 ${memAvail(0.3)}x30`),
          evalTime: "30m",
          expect: [],
        },
      ],
    },
  ];
  return { area: "kubernetes", alerts };
}

function deploymentSummary(namespace: string, deployment: string, available: string): string {
  return `Deployment ${namespace}/${deployment} is short of replicas (${available} available)`;
}

function deploymentDescription(namespace: string, deployment: string, available: string): string {
  return (
    `Deployment ${deployment} in ${namespace} has had fewer available replicas than its spec asks for during ` +
    `15 minutes (${available} available now): a rollout is stuck, or pods crash or cannot be scheduled. The ` +
    "platform runs without its redundancy."
  );
}

/** Used/capacity of every PVC, as the kubelet of the node that mounts it reports it. */
function volumeUsageExpr(ctx: RuleContext): string {
  const by = "namespace, persistentvolumeclaim";
  const kubelet = ctx.selectors.kubelet;
  // max, not sum: a volume mounted on two nodes is reported by both kubelets.
  return (
    `(max by (${by}) (kubelet_volume_stats_used_bytes{${kubelet}})` +
    ` / max by (${by}) (kubelet_volume_stats_capacity_bytes{${kubelet}}))`
  );
}

/** Labels of the kubelet's volume series for one PVC. */
function volumeLabels(ctx: RuleContext, namespace: string, pvc: string) {
  return {
    job: ctx.names.jobs.kubelet,
    metrics_path: "/metrics",
    instance: "10.0.1.12:10250",
    node: "ip-10-0-1-12.eu-central-1.compute.internal",
    namespace,
    persistentvolumeclaim: pvc,
  };
}

/** The PVC of the Prometheus operator's first replica, the biggest volume the platform writes. */
function prometheusPvc(ctx: RuleContext): { namespace: string; persistentvolumeclaim: string } {
  const p = ctx.names.jobs.prometheus;
  return {
    namespace: ctx.names.namespaces.monitoring,
    persistentvolumeclaim: `prometheus-${p}-db-prometheus-${p}-0`,
  };
}

/** Near misses of a volume alert: a disk at 70 %, a 10-minute spike, or the warning band. */
type QuietVolume = "0.7" | "spike" | "warning";

/** PVC usage above a ratio: the warning and the page share everything but threshold and `for`. */
function volumeUsageAlert(
  ctx: RuleContext,
  a: {
    alert: string;
    severity: "critical" | "warning";
    threshold: number;
    for: Duration;
    consequence: string;
    /** Usage in the firing test: above this alert's threshold. */
    firingRatio: number;
    quiet: { name: string; kind: QuietVolume }[];
  },
): AlertDefinition {
  const t = ctx.thresholds;
  const capacity = 200 * 2 ** 30;
  const pvc = prometheusPvc(ctx);
  const labels = volumeLabels(ctx, pvc.namespace, pvc.persistentvolumeclaim);
  const used = (ratio: number) => Math.round(ratio * capacity);
  const volume = (usedValues: string) => [
    series("kubelet_volume_stats_used_bytes", labels, usedValues),
    series("kubelet_volume_stats_capacity_bytes", labels, gauge(capacity, 60)),
  ];
  const minutes = a.for.replace("m", "");
  const description = (name: string, namespace: string) =>
    `Volume ${name} in ${namespace} has been more than ${humanizePercentage(a.threshold)} full for ${minutes} ` +
    `minutes. ${a.consequence}`;
  const quietValues: Record<QuietVolume, string> = {
    "0.7": gauge(used(0.7), 60),
    spike: `${used(0.7)}x10 ${used(a.firingRatio)}x9 ${used(0.7)}x30`,
    warning: gauge(used((t.volumeUsageWarning + t.volumeUsageCritical) / 2), 60),
  };
  const quietCases: AlertTestCase[] = a.quiet.map((q) => ({
    name: q.name,
    series: volume(quietValues[q.kind]),
    evalTime: q.kind === "spike" ? "20m" : "30m",
    expect: [],
  }));
  return {
    alert: a.alert,
    area: "kubernetes",
    severity: a.severity,
    expr: `${volumeUsageExpr(ctx)} > ${a.threshold}`,
    for: a.for,
    summary:
      "Volume {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} is {{ $value | humanizePercentage }} full",
    description: description("{{ $labels.persistentvolumeclaim }}", "{{ $labels.namespace }}"),
    dashboard: { dashboard: "infrastructure" },
    tests: [
      {
        name: `fires for a volume ${humanizePercentage(a.firingRatio)} full`,
        series: volume(gauge(used(a.firingRatio), 60)),
        evalTime: "30m",
        expect: [
          {
            labels: pvc,
            summary:
              `Volume ${pvc.persistentvolumeclaim} in ${pvc.namespace} is ` +
              `${humanizePercentage(a.firingRatio)} full`,
            description: description(pvc.persistentvolumeclaim, pvc.namespace),
          },
        ],
      },
      ...quietCases,
    ],
  };
}

/** A volume past half full whose growth of the last hours reaches its capacity within days. */
function volumeFillPredictedAlert(ctx: RuleContext): AlertDefinition {
  const by = "namespace, persistentvolumeclaim";
  const kubelet = ctx.selectors.kubelet;
  const horizon = VOLUME_PREDICTION_DAYS * 86400;
  const capacity = 100e9;
  const stepsPerHour = 12;
  const pvc = prometheusPvc(ctx);
  const labels = volumeLabels(ctx, pvc.namespace, pvc.persistentvolumeclaim);
  /** A volume starting at `startRatio`, written at `bytesPerHour`, sampled every 5 minutes for 10 h. */
  const volume = (startRatio: number, bytesPerHour: number) => {
    const start = Math.round(startRatio * capacity);
    const perStep = Math.round(bytesPerHour / stepsPerHour);
    return {
      series: [
        series("kubelet_volume_stats_used_bytes", labels, `${start}+${perStep}x120`),
        series("kubelet_volume_stats_available_bytes", labels, `${capacity - start}-${perStep}x120`),
        series("kubelet_volume_stats_capacity_bytes", labels, gauge(capacity, 120)),
      ],
      usageAt: (hours: number) => (start + perStep * stepsPerHour * hours) / capacity,
    };
  };
  const fast = volume(0.55, 1.2e9);
  const description = (name: string, namespace: string, usage: string) =>
    `Volume ${name} in ${namespace} is ${usage} full and, at the rate it grew over the last ` +
    `${VOLUME_PREDICTION_WINDOW}, will be full within ${VOLUME_PREDICTION_DAYS} days. Resize it or clean it up ` +
    "before it pages as almost full.";
  return {
    alert: "PersistentVolumeFillingUpPredicted",
    area: "kubernetes",
    severity: "warning",
    expr:
      `(${volumeUsageExpr(ctx)} > ${VOLUME_PREDICTION_MIN_USAGE})` +
      ` and on (${by}) (max by (${by}) (predict_linear(kubelet_volume_stats_available_bytes{${kubelet}}` +
      `[${VOLUME_PREDICTION_WINDOW}], ${horizon})) < 0)`,
    for: "1h",
    summary:
      "Volume {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} will be full within " +
      `${VOLUME_PREDICTION_DAYS} days`,
    description: description(
      "{{ $labels.persistentvolumeclaim }}",
      "{{ $labels.namespace }}",
      "{{ $value | humanizePercentage }}",
    ),
    dashboard: { dashboard: "infrastructure" },
    tests: [
      {
        name: "fires for a volume past half full that grows 1.2 GB an hour",
        interval: "5m",
        series: fast.series,
        evalTime: "8h",
        expect: [
          {
            labels: pvc,
            summary:
              `Volume ${pvc.persistentvolumeclaim} in ${pvc.namespace} will be full within ` +
              `${VOLUME_PREDICTION_DAYS} days`,
            description: description(
              pvc.persistentvolumeclaim,
              pvc.namespace,
              humanizePercentage(fast.usageAt(8)),
            ),
          },
        ],
      },
      {
        name: "a volume still under half full does not warn, however fast it grows",
        interval: "5m",
        series: volume(0.4, 1.2e9).series,
        evalTime: "8h",
        expect: [],
      },
      {
        name: "a 75 % volume growing 24 MB an hour (six weeks to full) does not warn",
        interval: "5m",
        series: volume(0.75, 24e6).series,
        evalTime: "8h",
        expect: [],
      },
    ],
  };
}

/** kube-state-metrics' three series (true, false, unknown) of one node condition. */
function nodeCondition(ctx: RuleContext, node: string, condition: string, trueValues: string) {
  const labels = { job: ctx.names.jobs.kubeStateMetrics, instance: "10.0.3.41:8080", node, condition };
  // The `false` series mirrors `true`: 0 becomes 1 and 1 becomes 0 in every token.
  const falseValues = trueValues
    .split(" ")
    .map((token) => token.replace(/^([01])/, (v) => (v === "1" ? "0" : "1")))
    .join(" ");
  return [
    series("kube_node_status_condition", { ...labels, status: "true" }, trueValues),
    series("kube_node_status_condition", { ...labels, status: "false" }, falseValues),
    series("kube_node_status_condition", { ...labels, status: "unknown" }, gauge(0, 40)),
  ];
}

/** A kubelet-reported pressure condition: the node is evicting and takes no new pods. */
function nodePressureAlert(
  ctx: RuleContext,
  p: { alert: string; condition: "MemoryPressure" | "DiskPressure" | "PIDPressure"; meaning: string },
): AlertDefinition {
  const node = "ip-10-0-2-31.eu-central-1.compute.internal";
  const description = (n: string) =>
    `The kubelet on ${n} has reported ${p.condition} for 5 minutes: ${p.meaning}`;
  return {
    alert: p.alert,
    area: "kubernetes",
    severity: "warning",
    expr:
      `max by (node) (kube_node_status_condition{${ctx.selectors.kubeStateMetrics}, ` +
      `condition="${p.condition}", status="true"}) == 1`,
    for: "5m",
    summary: `Node {{ $labels.node }} reports ${p.condition}`,
    description: description("{{ $labels.node }}"),
    dashboard: { dashboard: "infrastructure" },
    tests: [
      {
        name: `fires when ${p.condition} holds for 10 minutes`,
        series: nodeCondition(ctx, node, p.condition, "0x5 1x30"),
        evalTime: "16m",
        expect: [
          {
            labels: { node },
            summary: `Node ${node} reports ${p.condition}`,
            description: description(node),
          },
        ],
      },
      {
        name: `${p.condition} for 3 minutes, until the kubelet reclaims, does not warn`,
        series: nodeCondition(ctx, node, p.condition, "0x5 1x3 0x30"),
        evalTime: "9m",
        expect: [],
      },
    ],
  };
}
