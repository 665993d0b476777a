/** Labels every Kubernetes object the program creates carries, so `kubectl` can tell ours apart. */
export const COMMON_LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "platform-monitoring",
} as const;

/**
 * The label Prometheus selects PrometheusRules by. Only rules carrying it are loaded, so a chart that
 * ships its own alerts (without an owning area, hence without routing) cannot page anyone.
 */
export const RULE_SELECTOR_LABELS = { "monitoring.cameleer.io/rules": "platform-monitoring" } as const;

/** Labels of the ConfigMaps the Loki ruler sidecar loads LogQL rules from. */
export const LOKI_RULE_LABELS = { "monitoring.cameleer.io/loki-rules": "platform-monitoring" } as const;
