export * from "./application-scrape-targets";
export * from "./blackbox-exporter";
export * from "./flux-state-metrics";
export * from "./opensearch-exporter";
export * from "./postgres-exporter";
export * from "./isolation-canary";
export * from "./platform-controllers";
