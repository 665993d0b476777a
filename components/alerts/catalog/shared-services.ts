/**
 * Shared services: the platform PostgreSQL database, OpenSearch, Flux (how every change reaches the
 * cluster) and TLS certificates. Each serves every tenant at once, so an outage here is platform-wide;
 * the slow-burn alerts (bloat, growth, expiry) warn days before they would become one.
 */
import type { RuleContext } from "../context";
import { goFormatG4, humanizeDuration, humanizePercentage } from "../rule-files";
import { counter, gauge, series } from "../testing";
import type { AlertDefinition, AreaRules, LogAlertDefinition } from "../types";

const DAY = 86400;
const GIB = 1024 ** 3;

/**
 * Share of a table's rows that are dead beyond which autovacuum is clearly behind. Autovacuum's own
 * trigger is 20 % of the table (`autovacuum_vacuum_scale_factor` 0.2), so above it a vacuum is due and
 * has not happened. Not in the stack config: it is a property of PostgreSQL, not of an environment.
 */
const DEAD_TUPLE_RATIO = 0.2;
/**
 * Statement calls per second below which a database is too quiet to judge its mean statement time:
 * one nightly report query would dominate the mean.
 */
const PG_MIN_CALLS_PER_SECOND = 0.1;
/**
 * Growth of a database within 24 hours that warns. The platform database grows a few percent a week
 * (tenants, audit log, usage records); a fifth in one day is a runaway writer, an import or bloat.
 */
const PG_DAILY_GROWTH_RATIO = 0.2;
/** Databases smaller than this are left out of the growth alert: a percentage of a few MiB means nothing. */
const PG_GROWTH_MIN_BYTES = GIB;
/** Search queries per second below which a node's mean query time is not judged (a lone slow query). */
const OPENSEARCH_MIN_QUERIES_PER_SECOND = 0.1;
/**
 * How far back FluxDriftDetected looks for an earlier apply of the same Git revision. Longer than the
 * reconcile interval of a Kustomization (typically 10m, rarely over an hour), so a revision that was
 * already applied is always found.
 */
const FLUX_APPLY_LOOKBACK = "6h";

export function sharedServicesRules(ctx: RuleContext): AreaRules {
  return {
    area: "shared-services",
    alerts: [...postgresAlerts(ctx), ...openSearchAlerts(ctx), ...fluxAlerts(ctx), ...certificateAlerts(ctx)],
  };
}

/** What only the Flux controllers' logs can tell: objects changed outside Git and put back. */
export function sharedServicesLogRules(ctx: RuleContext): LogAlertDefinition[] {
  const flux = `{${ctx.selectors.fluxControllers}}`;
  const object = "customresource_kind, exported_namespace, name";
  // Same label names as gotk_resource_info, so drift and readiness of one object line up.
  const fields = 'customresource_kind="controllerKind", exported_namespace="namespace", name="name"';
  // helm-controller logs this (info level) whenever a release's objects differ from the release,
  // and then corrects them when the HelmRelease has driftDetection.mode: enabled.
  const helmDrift =
    `sum by (${object}) (count_over_time(${flux} |= "detected changes in cluster state"` +
    ` | json ${fields} | __error__="" | customresource_kind="HelmRelease" [15m]))`;
  // kustomize-controller logs every apply with its change set and revision. A change on its own is
  // also what a new commit looks like; a change to a revision that was already applied before is an
  // object someone edited (or deleted) in the cluster, which the apply has just reverted.
  const applies = (filter: string, range: string) =>
    `sum by (${object}, revision) (count_over_time(${flux} |= "server-side apply completed"${filter}` +
    ` | json ${fields}, revision="revision" | __error__="" | customresource_kind="Kustomization" ${range}))`;
  const kustomizeDrift =
    `sum by (${object}) (${applies(' |~ `":"(configured|created)"`', "[15m]")}` +
    ` and ${applies("", `[${FLUX_APPLY_LOOKBACK}] offset 15m`)})`;
  return [
    {
      alert: "FluxDriftDetected",
      area: "shared-services",
      severity: "warning",
      expr: `(${helmDrift} or ${kustomizeDrift}) > 0`,
      for: "5m",
      summary:
        "{{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} was changed outside Git",
      description:
        "Flux found objects of {{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} " +
        "changed in the cluster {{ $value }} time(s) in 15 minutes without a new Git revision, and put them back " +
        "(helm-controller only reports it unless driftDetection.mode is enabled). Someone or something edits " +
        "GitOps-managed objects by hand; the edit is lost at every reconcile.",
      dashboard: { dashboard: "infrastructure" },
      rationale:
        "Metrics only say whether the last reconcile succeeded: a reconcile that silently reverted a kubectl " +
        "edit is Ready=True with no error, exactly like a no-op. Only the controllers' logs name the objects " +
        "that were changed outside Git and re-applied.",
    },
  ];
}

function postgresAlerts(ctx: RuleContext): AlertDefinition[] {
  const pg = ctx.selectors.postgres;
  const t = ctx.thresholds;
  const job = ctx.names.jobs.postgres;
  const target = {
    job,
    namespace: ctx.names.namespaces.monitoring,
    pod: `${job}-6d5f7c9b8-x2k4p`,
    instance: "10.0.4.21:9187",
  };
  const server = { job, instance: target.instance };
  const tableKey = "job, datname, schemaname, relname";
  const table = (relname: string) => ({ ...target, datname: "cameleer", schemaname: "public", relname });
  const tableLabels = (relname: string) => ({ job, datname: "cameleer", schemaname: "public", relname });

  const maxConnections = 200;
  const busy = Math.ceil(maxConnections * ((t.postgresConnectionRatio + 1) / 2));
  const quiet = Math.floor(maxConnections * t.postgresConnectionRatio * 0.875);
  const connections = (total: number) => [
    series("pg_settings_max_connections", target, gauge(maxConnections, 30)),
    series("pg_stat_activity_count", { ...target, datname: "cameleer", state: "active" }, gauge(40, 30)),
    series(
      "pg_stat_activity_count",
      { ...target, datname: "cameleer", state: "idle" },
      gauge(total - 40, 30),
    ),
  ];

  const lag = t.postgresReplicationLagSeconds;
  const deadTuples = t.postgresDeadTuples;
  const vacuumDays = t.postgresAutovacuumMaxAgeDays;
  const vacuumedLongAgo = (vacuumDays + 1) * DAY;

  const meanQuery = t.postgresMeanQuerySeconds;
  const slowMean = Math.max(meanQuery * 4, 2);
  const statement = (queryid: string) => ({ ...target, user: "cameleer_app", datname: "cameleer", queryid });

  const dbSize = 20 * GIB;
  const dbSizeAfterImport = 28 * GIB;

  return [
    {
      alert: "PostgresDown",
      area: "shared-services",
      severity: "critical",
      expr: `(max by (job) (pg_up{${pg}}) == 0) or absent(pg_up{${pg}})`,
      for: "3m",
      summary: "PostgreSQL is unreachable from {{ $labels.job }}",
      description:
        "{{ $labels.job }} has not been able to connect to the platform PostgreSQL database for 3 minutes, or is " +
        "not scraped at all. The control plane depends on it: sign-in, provisioning and billing fail while it is down.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when the exporter cannot connect for 3 minutes",
          series: [series("pg_up", target, "1 1 0x10")],
          evalTime: "8m",
          expect: [
            {
              labels: { job },
              summary: `PostgreSQL is unreachable from ${job}`,
              description:
                `${job} has not been able to connect to the platform PostgreSQL database for 3 minutes, or is not ` +
                "scraped at all. The control plane depends on it: sign-in, provisioning and billing fail while it is down.",
            },
          ],
        },
        {
          name: "fires when pg_up is not scraped at all",
          series: [series("up", { job: "some-other-job", namespace: "default" }, "1x10")],
          evalTime: "8m",
          expect: [
            {
              labels: { job },
              summary: `PostgreSQL is unreachable from ${job}`,
              description:
                `${job} has not been able to connect to the platform PostgreSQL database for 3 minutes, or is not ` +
                "scraped at all. The control plane depends on it: sign-in, provisioning and billing fail while it is down.",
            },
          ],
        },
        {
          name: "a 2-minute failover blip does not page",
          series: [series("pg_up", target, "1 1 0 0 1x10")],
          evalTime: "5m",
          expect: [],
        },
      ],
    },
    {
      alert: "PostgresConnectionsNearMax",
      area: "shared-services",
      severity: "warning",
      expr:
        `sum by (job, instance) (pg_stat_activity_count{${pg}})` +
        ` / max by (job, instance) (pg_settings_max_connections{${pg}}) > ${t.postgresConnectionRatio}`,
      for: "10m",
      summary: "PostgreSQL uses {{ $value | humanizePercentage }} of max_connections",
      description:
        "Client connections to the database behind {{ $labels.job }} ({{ $labels.instance }}) have been above " +
        `${humanizePercentage(t.postgresConnectionRatio)} of max_connections for 10 minutes. Once the non-reserved ` +
        "slots are gone, new connections from the control plane's pools are refused.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when connections stay near the limit",
          series: connections(busy),
          evalTime: "20m",
          expect: [
            {
              labels: server,
              summary: `PostgreSQL uses ${humanizePercentage(busy / maxConnections)} of max_connections`,
              description:
                `Client connections to the database behind ${job} (${target.instance}) have been above ` +
                `${humanizePercentage(t.postgresConnectionRatio)} of max_connections for 10 minutes. Once the ` +
                "non-reserved slots are gone, new connections from the control plane's pools are refused.",
            },
          ],
        },
        {
          name: `stays quiet at ${humanizePercentage(quiet / maxConnections)} of the limit`,
          series: connections(quiet),
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "PostgresReplicationLagHigh",
      area: "shared-services",
      severity: "warning",
      // pg_replication_lag_seconds, as postgres_exporter v0.17 names it (the mixin's pg_replication_lag
      // is not emitted). It is 0 on a primary, so this watches exporters pointed at a replica.
      expr: `max by (job, instance) (pg_replication_lag_seconds{${pg}}) > ${lag}`,
      for: "10m",
      summary: "PostgreSQL replica {{ $labels.instance }} lags {{ $value | humanizeDuration }} behind",
      description:
        "The replica watched by {{ $labels.job }} ({{ $labels.instance }}) has replayed nothing newer than " +
        `{{ $value | humanizeDuration }} ago for 10 minutes (threshold ${humanizeDuration(lag)}): reads from it ` +
        "are stale and a failover to it would lose the unreplayed writes.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when the replica stays behind",
          series: [series("pg_replication_lag_seconds", target, gauge(lag * 4, 30))],
          evalTime: "15m",
          expect: [
            {
              labels: server,
              summary: `PostgreSQL replica ${target.instance} lags ${humanizeDuration(lag * 4)} behind`,
              description:
                `The replica watched by ${job} (${target.instance}) has replayed nothing newer than ` +
                `${humanizeDuration(lag * 4)} ago for 10 minutes (threshold ${humanizeDuration(lag)}): reads from ` +
                "it are stale and a failover to it would lose the unreplayed writes.",
            },
          ],
        },
        {
          name: "a 5-minute lag spike during a bulk load does not warn",
          series: [series("pg_replication_lag_seconds", target, `0 0 ${lag * 4}x5 0x25`)],
          evalTime: "15m",
          expect: [],
        },
      ],
    },
    {
      alert: "PostgresDeadTuplesHigh",
      area: "shared-services",
      severity: "warning",
      expr:
        `max by (${tableKey}) (pg_stat_user_tables_n_dead_tup{${pg}})` +
        ` / (max by (${tableKey}) (pg_stat_user_tables_n_live_tup{${pg}})` +
        ` + max by (${tableKey}) (pg_stat_user_tables_n_dead_tup{${pg}})) > ${DEAD_TUPLE_RATIO}` +
        ` and on (${tableKey}) max by (${tableKey}) (pg_stat_user_tables_n_dead_tup{${pg}}) > ${deadTuples}`,
      for: "30m",
      summary:
        "{{ $value | humanizePercentage }} of the rows of {{ $labels.schemaname }}.{{ $labels.relname }} are dead",
      description:
        "Table {{ $labels.schemaname }}.{{ $labels.relname }} in database {{ $labels.datname }} has held more than " +
        `${humanize(deadTuples)} dead tuples, over ${humanizePercentage(DEAD_TUPLE_RATIO)} of its rows, for 30 ` +
        "minutes: autovacuum is not keeping up, so the table bloats and scans of it slow down.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when half of a table is dead",
          series: [
            series("pg_stat_user_tables_n_dead_tup", table("audit_events"), gauge(deadTuples * 2, 45)),
            series("pg_stat_user_tables_n_live_tup", table("audit_events"), gauge(deadTuples * 2, 45)),
          ],
          evalTime: "40m",
          expect: [
            {
              labels: tableLabels("audit_events"),
              summary: `${humanizePercentage(0.5)} of the rows of public.audit_events are dead`,
              description:
                `Table public.audit_events in database cameleer has held more than ${humanize(deadTuples)} dead ` +
                `tuples, over ${humanizePercentage(DEAD_TUPLE_RATIO)} of its rows, for 30 minutes: autovacuum is not ` +
                "keeping up, so the table bloats and scans of it slow down.",
            },
          ],
        },
        {
          name: "a big table with normal churn and a purge that autovacuum cleans up do not warn",
          series: [
            series("pg_stat_user_tables_n_dead_tup", table("usage_records"), gauge(deadTuples * 2, 45)),
            series("pg_stat_user_tables_n_live_tup", table("usage_records"), gauge(deadTuples * 40, 45)),
            series("pg_stat_user_tables_n_dead_tup", table("audit_events"), `${deadTuples * 2}x20 0x25`),
            series("pg_stat_user_tables_n_live_tup", table("audit_events"), gauge(deadTuples, 45)),
          ],
          evalTime: "40m",
          expect: [],
        },
      ],
    },
    {
      alert: "PostgresAutovacuumStale",
      area: "shared-services",
      severity: "warning",
      // last_autovacuum is 0 for a table never autovacuumed since its statistics were reset (the exporter
      // turns NULL into the epoch): that is no age, and would read as 56 years. Such tables are left to
      // PostgresDeadTuplesHigh, which needs no timestamp.
      expr:
        `time() - max by (${tableKey}) (pg_stat_user_tables_last_autovacuum{${pg}} != 0) > ${vacuumDays * DAY}` +
        ` and on (${tableKey}) max by (${tableKey}) (pg_stat_user_tables_n_dead_tup{${pg}}) > ${deadTuples}`,
      for: "1h",
      summary:
        "{{ $labels.schemaname }}.{{ $labels.relname }} has not been autovacuumed for {{ $value | humanizeDuration }}",
      description:
        "Autovacuum last processed table {{ $labels.schemaname }}.{{ $labels.relname }} in database " +
        `{{ $labels.datname }} {{ $value | humanizeDuration }} ago (limit ${vacuumDays} days), and it holds more ` +
        `than ${humanize(deadTuples)} dead tuples: bloat grows and transaction ID wraparound comes closer.`,
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          // promtool's clock starts at the epoch, so "autovacuumed N days before the test" is a negative time.
          name: "fires for a table with many dead tuples last autovacuumed long ago",
          series: [
            series("pg_stat_user_tables_n_dead_tup", table("audit_events"), gauge(deadTuples * 2, 100)),
            series(
              "pg_stat_user_tables_last_autovacuum",
              table("audit_events"),
              gauge(-vacuumedLongAgo, 100),
            ),
          ],
          evalTime: "90m",
          expect: [
            {
              labels: tableLabels("audit_events"),
              summary: `public.audit_events has not been autovacuumed for ${humanizeDuration(vacuumedLongAgo + 5400)}`,
              description:
                "Autovacuum last processed table public.audit_events in database cameleer " +
                `${humanizeDuration(vacuumedLongAgo + 5400)} ago (limit ${vacuumDays} days), and it holds more than ` +
                `${humanize(deadTuples)} dead tuples: bloat grows and transaction ID wraparound comes closer.`,
            },
          ],
        },
        {
          name: "a never-vacuumed table, a recently vacuumed one and a stale but clean one do not warn",
          series: [
            // Never autovacuumed since the statistics were reset: 0 is no age.
            series("pg_stat_user_tables_n_dead_tup", table("usage_records"), gauge(deadTuples * 2, 100)),
            series("pg_stat_user_tables_last_autovacuum", table("usage_records"), gauge(0, 100)),
            // Autovacuumed a day inside the limit, dead tuples piling up again since.
            series("pg_stat_user_tables_n_dead_tup", table("audit_events"), gauge(deadTuples * 2, 100)),
            series(
              "pg_stat_user_tables_last_autovacuum",
              table("audit_events"),
              gauge(-(vacuumDays - 1) * DAY, 100),
            ),
            // Untouched for weeks, with a few dead tuples only: autovacuum has nothing to do there.
            series("pg_stat_user_tables_n_dead_tup", table("tenants"), gauge(1000, 100)),
            series("pg_stat_user_tables_last_autovacuum", table("tenants"), gauge(-vacuumedLongAgo, 100)),
          ],
          evalTime: "90m",
          expect: [],
        },
      ],
    },
    {
      alert: "PostgresSlowQueries",
      area: "shared-services",
      severity: "warning",
      // The pg_stat_statements collector exports the 100 statements with the most total time, so this
      // mean leans towards the expensive statements: a rise is what matters, not the absolute value.
      expr:
        `sum by (job, datname) (rate(pg_stat_statements_seconds_total{${pg}}[10m]))` +
        ` / sum by (job, datname) (rate(pg_stat_statements_calls_total{${pg}}[10m])) > ${meanQuery}` +
        ` and sum by (job, datname) (rate(pg_stat_statements_calls_total{${pg}}[10m])) > ${PG_MIN_CALLS_PER_SECOND}`,
      for: "15m",
      summary: "Statements in database {{ $labels.datname }} take {{ $value | humanizeDuration }} on average",
      description:
        "The mean execution time of the statements in database {{ $labels.datname }} has been " +
        `{{ $value | humanizeDuration }} for 15 minutes (threshold ${goFormatG4(meanQuery)}s): every request of the ` +
        "control plane that queries it slows down, and connections are held longer.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when busy statements become slow",
          series: [
            series("pg_stat_statements_calls_total", statement("-4619282738457123"), counter(60, 40)),
            series(
              "pg_stat_statements_seconds_total",
              statement("-4619282738457123"),
              counter(60 * slowMean, 40),
            ),
          ],
          evalTime: "30m",
          expect: [
            {
              labels: { job, datname: "cameleer" },
              summary: `Statements in database cameleer take ${humanizeDuration(slowMean)} on average`,
              description:
                `The mean execution time of the statements in database cameleer has been ${humanizeDuration(slowMean)} ` +
                `for 15 minutes (threshold ${goFormatG4(meanQuery)}s): every request of the control plane that ` +
                "queries it slows down, and connections are held longer.",
            },
          ],
        },
        {
          name: "a few slow report queries at night and fast busy statements do not warn",
          series: [
            series(
              "pg_stat_statements_calls_total",
              { ...statement("812736451"), datname: "reports" },
              counter(3, 40),
            ),
            series(
              "pg_stat_statements_seconds_total",
              { ...statement("812736451"), datname: "reports" },
              counter(90, 40),
            ),
            series("pg_stat_statements_calls_total", statement("-4619282738457123"), counter(600, 40)),
            series("pg_stat_statements_seconds_total", statement("-4619282738457123"), counter(6, 40)),
          ],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
    {
      alert: "PostgresDatabaseGrowingFast",
      area: "shared-services",
      severity: "warning",
      // Growth from the smallest size within 24 hours, not from the size exactly 24 hours ago: a missed
      // scrape then cannot hide it, and a burst is seen as soon as it happens.
      expr:
        `(max by (job, datname) (pg_database_size_bytes{${pg}})` +
        ` - max by (job, datname) (min_over_time(pg_database_size_bytes{${pg}}[24h])))` +
        ` / max by (job, datname) (min_over_time(pg_database_size_bytes{${pg}}[24h])) > ${PG_DAILY_GROWTH_RATIO}` +
        ` and on (job, datname) max by (job, datname) (pg_database_size_bytes{${pg}}) > ${PG_GROWTH_MIN_BYTES}`,
      for: "30m",
      summary: "Database {{ $labels.datname }} grew by {{ $value | humanizePercentage }} within 24 hours",
      description:
        "Database {{ $labels.datname }} has grown by more than " +
        `${humanizePercentage(PG_DAILY_GROWTH_RATIO)} within 24 hours: a runaway writer, an import or bloat. Where ` +
        "PostgreSQL is a managed service (RDS, as in prod) no PersistentVolume alert covers its disk, so this is " +
        "the warning before its storage fills up and writes fail.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when a database grows by two fifths at once",
          series: [
            series(
              "pg_database_size_bytes",
              { ...target, datname: "cameleer" },
              `${gauge(dbSize, 20)} ${gauge(dbSizeAfterImport, 50)}`,
            ),
          ],
          evalTime: "60m",
          expect: [
            {
              labels: { job, datname: "cameleer" },
              summary: `Database cameleer grew by ${humanizePercentage((dbSizeAfterImport - dbSize) / dbSize)} within 24 hours`,
              description:
                `Database cameleer has grown by more than ${humanizePercentage(PG_DAILY_GROWTH_RATIO)} within 24 ` +
                "hours: a runaway writer, an import or bloat. Where PostgreSQL is a managed service (RDS, as in prod) " +
                "no PersistentVolume alert covers its disk, so this is the warning before its storage fills up and " +
                "writes fail.",
            },
          ],
        },
        {
          name: "steady growth and a small database doubling do not warn",
          series: [
            series(
              "pg_database_size_bytes",
              { ...target, datname: "cameleer" },
              `${gauge(dbSize, 20)} ${gauge(dbSize * 1.02, 50)}`,
            ),
            series(
              "pg_database_size_bytes",
              { ...target, datname: "postgres" },
              `${gauge(50 * 1024 ** 2, 20)} ${gauge(100 * 1024 ** 2, 50)}`,
            ),
          ],
          evalTime: "60m",
          expect: [],
        },
      ],
    },
  ];
}

function openSearchAlerts(ctx: RuleContext): AlertDefinition[] {
  const os = ctx.selectors.opensearch;
  const t = ctx.thresholds;
  const job = ctx.names.jobs.opensearch;
  const target = {
    job,
    namespace: ctx.names.namespaces.monitoring,
    pod: `${job}-7b9c6d5f4-q8r2m`,
    instance: "10.0.4.37:9108",
  };
  const cluster = "cameleer-search";
  const clusterLabels = { job, cluster };
  const health = (color: string, values: string) =>
    series("elasticsearch_cluster_health_status", { ...target, cluster, color }, values);
  const node = (name: string, host: string) => ({
    ...target,
    cluster,
    host,
    name,
    es_master_node: "true",
    es_data_node: "true",
    es_ingest_node: "true",
    es_client_node: "true",
  });
  const nodeLabels = (name: string) => ({ job, cluster, name });

  const diskSize = 200 * GIB;
  const disk = (name: string, host: string, usage: number) => {
    const labels = {
      ...node(name, host),
      mount: "/usr/share/opensearch/data (/dev/nvme1n1)",
      path: "/usr/share/opensearch/data/nodes/0",
    };
    return [
      series("elasticsearch_filesystem_data_size_bytes", labels, gauge(diskSize, 30)),
      series("elasticsearch_filesystem_data_available_bytes", labels, gauge(availableAt(usage), 30)),
    ];
  };
  const availableAt = (usage: number) => Math.round(diskSize * (1 - usage));
  /** The usage PromQL computes from the test's integer byte counts. */
  const usageOf = (usage: number) => 1 - availableAt(usage) / diskSize;
  const betweenThresholds = (t.opensearchDiskWarning + t.opensearchDiskCritical) / 2;
  const aboveCritical = (t.opensearchDiskCritical + 1) / 2;
  const diskUsage =
    `max by (job, cluster, name) (1 - elasticsearch_filesystem_data_available_bytes{${os}}` +
    ` / elasticsearch_filesystem_data_size_bytes{${os}})`;

  const meanQuery = t.opensearchMeanQuerySeconds;
  const slowMean = Math.max(meanQuery * 4, 2);
  const queries = (name: string, host: string, perMinute: number, secondsEach: number) => [
    series("elasticsearch_indices_search_query_total", node(name, host), counter(perMinute, 40)),
    series(
      "elasticsearch_indices_search_query_time_seconds",
      node(name, host),
      counter(perMinute * secondsEach, 40),
    ),
  ];
  const queryRate = (fn: string) =>
    `sum by (job, cluster, name) (rate(elasticsearch_indices_search_query_${fn}{${os}}[10m]))`;

  return [
    {
      alert: "OpenSearchClusterRed",
      area: "shared-services",
      severity: "critical",
      expr: `max by (job, cluster) (elasticsearch_cluster_health_status{${os}, color="red"}) == 1`,
      for: "3m",
      summary: "OpenSearch cluster {{ $labels.cluster }} is red",
      description:
        "OpenSearch cluster {{ $labels.cluster }} has reported red health for 3 minutes: at least one primary " +
        "shard is unassigned, so writes to its index fail and searches return partial results.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when a primary shard stays unassigned",
          series: [health("green", "1 1 0x20"), health("yellow", "0x22"), health("red", "0 0 1x20")],
          evalTime: "8m",
          expect: [
            {
              labels: clusterLabels,
              summary: `OpenSearch cluster ${cluster} is red`,
              description:
                `OpenSearch cluster ${cluster} has reported red health for 3 minutes: at least one primary shard is ` +
                "unassigned, so writes to its index fail and searches return partial results.",
            },
          ],
        },
        {
          name: "red for 2 minutes while a new index is created does not page",
          series: [health("green", "1 1 0 0 1x20"), health("yellow", "0x22"), health("red", "0 0 1 1 0x20")],
          evalTime: "8m",
          expect: [],
        },
      ],
    },
    {
      alert: "OpenSearchClusterYellow",
      area: "shared-services",
      severity: "warning",
      expr: `max by (job, cluster) (elasticsearch_cluster_health_status{${os}, color="yellow"}) == 1`,
      for: "15m",
      summary: "OpenSearch cluster {{ $labels.cluster }} is yellow",
      description:
        "OpenSearch cluster {{ $labels.cluster }} has reported yellow health for 15 minutes: every primary shard " +
        "is assigned but some replicas are not, so losing one more node may lose data or turn it red.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when replicas stay unassigned",
          series: [health("green", "1 1 0x30"), health("yellow", "0 0 1x30"), health("red", "0x32")],
          evalTime: "25m",
          expect: [
            {
              labels: clusterLabels,
              summary: `OpenSearch cluster ${cluster} is yellow`,
              description:
                `OpenSearch cluster ${cluster} has reported yellow health for 15 minutes: every primary shard is ` +
                "assigned but some replicas are not, so losing one more node may lose data or turn it red.",
            },
          ],
        },
        {
          name: "yellow for 10 minutes during a rolling restart does not warn",
          series: [
            health("green", "1 1 0x10 1x20"),
            health("yellow", "0 0 1x10 0x20"),
            health("red", "0x32"),
          ],
          evalTime: "25m",
          expect: [],
        },
      ],
    },
    {
      alert: "OpenSearchUnassignedShards",
      area: "shared-services",
      severity: "warning",
      expr: `max by (job, cluster) (elasticsearch_cluster_health_unassigned_shards{${os}}) > 0`,
      for: "15m",
      summary: "OpenSearch cluster {{ $labels.cluster }} has {{ $value }} unassigned shards",
      description:
        "{{ $value }} shards of OpenSearch cluster {{ $labels.cluster }} have been unassigned for 15 minutes: " +
        "OpenSearch cannot place them (disk watermark, allocation filter, lost node) and will not without help.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when shards stay unassigned",
          series: [
            series("elasticsearch_cluster_health_unassigned_shards", { ...target, cluster }, "0 0 4x30"),
          ],
          evalTime: "25m",
          expect: [
            {
              labels: clusterLabels,
              summary: `OpenSearch cluster ${cluster} has 4 unassigned shards`,
              description:
                `4 shards of OpenSearch cluster ${cluster} have been unassigned for 15 minutes: OpenSearch cannot ` +
                "place them (disk watermark, allocation filter, lost node) and will not without help.",
            },
          ],
        },
        {
          name: "shards of a restarted node that recover within 10 minutes do not warn",
          series: [
            series("elasticsearch_cluster_health_unassigned_shards", { ...target, cluster }, "0 0 4x10 0x20"),
          ],
          evalTime: "25m",
          expect: [],
        },
      ],
    },
    {
      alert: "OpenSearchDiskWatermarkLow",
      area: "shared-services",
      severity: "warning",
      expr: `${diskUsage} > ${t.opensearchDiskWarning}`,
      for: "15m",
      summary: "OpenSearch node {{ $labels.name }} data disk is {{ $value | humanizePercentage }} full",
      description:
        "The data disk of OpenSearch node {{ $labels.name }} in cluster {{ $labels.cluster }} has been above " +
        `${humanizePercentage(t.opensearchDiskWarning)} for 15 minutes. At the low watermark (85 %) OpenSearch stops ` +
        "placing new shards on it; delete or shrink old indices, or add storage, before the high watermark.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires for the node between the warning and the critical level",
          series: [
            ...disk("opensearch-data-0", "10.0.5.11", betweenThresholds),
            ...disk("opensearch-data-1", "10.0.5.12", 0.5),
          ],
          evalTime: "25m",
          expect: [
            {
              labels: nodeLabels("opensearch-data-0"),
              summary: `OpenSearch node opensearch-data-0 data disk is ${humanizePercentage(usageOf(betweenThresholds))} full`,
              description:
                `The data disk of OpenSearch node opensearch-data-0 in cluster ${cluster} has been above ` +
                `${humanizePercentage(t.opensearchDiskWarning)} for 15 minutes. At the low watermark (85 %) OpenSearch ` +
                "stops placing new shards on it; delete or shrink old indices, or add storage, before the high watermark.",
            },
          ],
        },
        {
          name: "a disk at 70 % does not warn",
          series: disk("opensearch-data-0", "10.0.5.11", 0.7),
          evalTime: "25m",
          expect: [],
        },
      ],
    },
    {
      alert: "OpenSearchDiskWatermarkHigh",
      area: "shared-services",
      severity: "critical",
      expr: `${diskUsage} > ${t.opensearchDiskCritical}`,
      for: "5m",
      summary: "OpenSearch node {{ $labels.name }} data disk is {{ $value | humanizePercentage }} full",
      description:
        "The data disk of OpenSearch node {{ $labels.name }} in cluster {{ $labels.cluster }} has been above " +
        `${humanizePercentage(t.opensearchDiskCritical)} for 5 minutes. At the high watermark (90 %) OpenSearch moves ` +
        "shards away; at the flood stage (95 %) it makes every index with a shard there read-only and writes fail.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires for a node close to the flood stage",
          series: [
            ...disk("opensearch-data-1", "10.0.5.12", aboveCritical),
            ...disk("opensearch-data-0", "10.0.5.11", 0.5),
          ],
          evalTime: "25m",
          expect: [
            {
              labels: nodeLabels("opensearch-data-1"),
              summary: `OpenSearch node opensearch-data-1 data disk is ${humanizePercentage(usageOf(aboveCritical))} full`,
              description:
                `The data disk of OpenSearch node opensearch-data-1 in cluster ${cluster} has been above ` +
                `${humanizePercentage(t.opensearchDiskCritical)} for 5 minutes. At the high watermark (90 %) OpenSearch ` +
                "moves shards away; at the flood stage (95 %) it makes every index with a shard there read-only and " +
                "writes fail.",
            },
          ],
        },
        {
          name: "a disk at 70 % or at the warning level does not page",
          series: [
            ...disk("opensearch-data-0", "10.0.5.11", 0.7),
            ...disk("opensearch-data-1", "10.0.5.12", betweenThresholds),
          ],
          evalTime: "25m",
          expect: [],
        },
      ],
    },
    {
      alert: "OpenSearchQueryLatencyHigh",
      area: "shared-services",
      severity: "warning",
      expr:
        `${queryRate("time_seconds")} / ${queryRate("total")} > ${meanQuery}` +
        ` and ${queryRate("total")} > ${OPENSEARCH_MIN_QUERIES_PER_SECOND}`,
      for: "15m",
      summary: "OpenSearch node {{ $labels.name }} takes {{ $value | humanizeDuration }} per search query",
      description:
        "The mean query-phase time of searches on OpenSearch node {{ $labels.name }} in cluster " +
        `{{ $labels.cluster }} has been {{ $value | humanizeDuration }} for 15 minutes (threshold ` +
        `${goFormatG4(meanQuery)}s): searches that touch its shards are slow.`,
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires for the node whose searches are slow",
          series: [
            ...queries("opensearch-data-0", "10.0.5.11", 600, slowMean),
            ...queries("opensearch-data-1", "10.0.5.12", 600, 0.01),
          ],
          evalTime: "30m",
          expect: [
            {
              labels: nodeLabels("opensearch-data-0"),
              summary: `OpenSearch node opensearch-data-0 takes ${humanizeDuration(slowMean)} per search query`,
              description:
                `The mean query-phase time of searches on OpenSearch node opensearch-data-0 in cluster ${cluster} has ` +
                `been ${humanizeDuration(slowMean)} for 15 minutes (threshold ${goFormatG4(meanQuery)}s): searches ` +
                "that touch its shards are slow.",
            },
          ],
        },
        {
          name: "two slow queries a minute on a quiet node do not warn",
          series: queries("opensearch-data-0", "10.0.5.11", 2, slowMean),
          evalTime: "30m",
          expect: [],
        },
      ],
    },
  ];
}

function fluxAlerts(ctx: RuleContext): AlertDefinition[] {
  const stateTarget = {
    job: ctx.names.jobs.fluxState,
    namespace: ctx.names.namespaces.monitoring,
    instance: "10.0.4.52:8080",
  };
  const fluxObject = (kind: string, ns: string, name: string) => ({
    customresource_kind: kind,
    exported_namespace: ns,
    name,
  });
  const controller = (app: string, name: string) => ({
    job: `${ctx.names.namespaces.monitoring}/platform-controllers-flux`,
    namespace: ctx.names.namespaces.flux,
    pod: `${app}-5c8f7d6b9-h4k2n`,
    instance: "10.0.6.14:8080",
    app,
    controller: name,
  });
  const failing = fluxObject("HelmRelease", "cameleer-system", "cameleer-saas");
  const unsuspendedKustomization = fluxObject("Kustomization", ctx.names.namespaces.flux, "tenants");

  return [
    {
      alert: "FluxReconciliationFailing",
      area: "shared-services",
      severity: "warning",
      // An unset spec.suspend gives no `suspended` label at all (kube-state-metrics drops nil paths), so
      // `!="true"` rather than `="false"`, which would miss nearly every object.
      expr:
        "max by (customresource_kind, exported_namespace, name) " +
        `(gotk_resource_info{${ctx.selectors.fluxState}, ready="False", suspended!="true"}) > 0`,
      for: "15m",
      summary:
        "Flux {{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} is not ready",
      description:
        "Flux has reported {{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} " +
        "as not ready for 15 minutes: changes merged to Git do not reach the cluster, and a failed release may " +
        "be left half-applied.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires for objects that stay not ready, whether suspend is false or unset",
          series: [
            series(
              "gotk_resource_info",
              { ...stateTarget, ...failing, ready: "False", suspended: "false", revision: "1.14.2" },
              gauge(1, 30),
            ),
            series(
              "gotk_resource_info",
              { ...stateTarget, ...unsuspendedKustomization, ready: "False" },
              gauge(1, 30),
            ),
          ],
          evalTime: "20m",
          expect: [
            {
              labels: failing,
              summary: "Flux HelmRelease cameleer-system/cameleer-saas is not ready",
              description:
                "Flux has reported HelmRelease cameleer-system/cameleer-saas as not ready for 15 minutes: changes " +
                "merged to Git do not reach the cluster, and a failed release may be left half-applied.",
            },
            {
              labels: unsuspendedKustomization,
              summary: `Flux Kustomization ${ctx.names.namespaces.flux}/tenants is not ready`,
              description:
                `Flux has reported Kustomization ${ctx.names.namespaces.flux}/tenants as not ready for 15 minutes: ` +
                "changes merged to Git do not reach the cluster, and a failed release may be left half-applied.",
            },
          ],
        },
        {
          name: "a suspended object and a failure fixed by the next retry do not warn",
          series: [
            series(
              "gotk_resource_info",
              { ...stateTarget, ...failing, ready: "False", suspended: "true", revision: "1.14.2" },
              gauge(1, 30),
            ),
            series(
              "gotk_resource_info",
              { ...stateTarget, ...unsuspendedKustomization, ready: "False", suspended: "false" },
              gauge(1, 10),
            ),
            series(
              "gotk_resource_info",
              { ...stateTarget, ...unsuspendedKustomization, ready: "True", suspended: "false" },
              `_x11 ${gauge(1, 19)}`,
            ),
          ],
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "FluxReconcileErrors",
      area: "shared-services",
      severity: "warning",
      expr:
        "sum by (namespace, app, controller) " +
        `(increase(controller_runtime_reconcile_errors_total{${ctx.selectors.fluxControllers}}[15m])) > 0`,
      for: "15m",
      summary: "Flux {{ $labels.app }} keeps failing to reconcile {{ $labels.controller }} objects",
      description:
        "{{ $labels.app }} in {{ $labels.namespace }} has returned reconcile errors for {{ $labels.controller }} " +
        'objects for 15 minutes ({{ $value | printf "%.0f" }} in the last 15): the controller itself is failing ' +
        "(API server, RBAC, source fetches), not just one object.",
      dashboard: { dashboard: "infrastructure" },
      tests: [
        {
          name: "fires when errors keep coming",
          series: [
            series(
              "controller_runtime_reconcile_errors_total",
              controller("helm-controller", "helmrelease"),
              counter(2, 40),
            ),
          ],
          evalTime: "30m",
          expect: [
            {
              labels: {
                namespace: ctx.names.namespaces.flux,
                app: "helm-controller",
                controller: "helmrelease",
              },
              summary: "Flux helm-controller keeps failing to reconcile helmrelease objects",
              description:
                `helm-controller in ${ctx.names.namespaces.flux} has returned reconcile errors for helmrelease ` +
                "objects for 15 minutes (30 in the last 15): the controller itself is failing (API server, RBAC, " +
                "source fetches), not just one object.",
            },
          ],
        },
        {
          name: "a single error does not warn",
          series: [
            series(
              "controller_runtime_reconcile_errors_total",
              controller("kustomize-controller", "kustomization"),
              "0x10 1x30",
            ),
          ],
          evalTime: "26m",
          expect: [],
        },
      ],
    },
  ];
}

function certificateAlerts(ctx: RuleContext): AlertDefinition[] {
  const t = ctx.thresholds;
  const cm = ctx.selectors.certManager;
  const certificate = (ns: string, name: string) => ({
    job: "cert-manager",
    namespace: ctx.names.namespaces.certManager,
    pod: "cert-manager-6b8d4f7c5-z9w3t",
    instance: "10.0.6.31:9402",
    exported_namespace: ns,
    name,
    issuer_name: "letsencrypt-prod",
    issuer_kind: "ClusterIssuer",
    issuer_group: "cert-manager.io",
  });
  const certificateLabels = (ns: string, name: string) => ({ exported_namespace: ns, name });
  const cp = ctx.names.namespaces.controlPlane;
  // promtool starts at time 0; the tests evaluate 30 minutes in.
  const evalSeconds = 1800;
  const inDays = (days: number) => days * DAY;

  const expiry = (
    alert: string,
    severity: "critical" | "warning",
    days: number,
    forDuration: "10m" | "15m",
    consequence: string,
    nearMissDays: number,
  ): AlertDefinition => ({
    alert,
    area: "shared-services",
    severity,
    expr:
      `min by (exported_namespace, name) (certmanager_certificate_expiration_timestamp_seconds{${cm}})` +
      ` - time() < ${inDays(days)}`,
    for: forDuration,
    summary:
      "Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}",
    description:
      `cert-manager Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} expires in less than ${days} ` +
      `days and has not been renewed, though cert-manager renews long before that. ${consequence}`,
    dashboard: { dashboard: "security" },
    tests: [
      {
        name: `fires for a certificate that expires within ${days} days`,
        series: [
          series(
            "certmanager_certificate_expiration_timestamp_seconds",
            certificate(cp, "app-cameleer-io-tls"),
            gauge(inDays(days / 2), 60),
          ),
        ],
        evalTime: "30m",
        expect: [
          {
            labels: certificateLabels(cp, "app-cameleer-io-tls"),
            summary: `Certificate ${cp}/app-cameleer-io-tls expires in ${humanizeDuration(inDays(days / 2) - evalSeconds)}`,
            description:
              `cert-manager Certificate ${cp}/app-cameleer-io-tls expires in less than ${days} days and has not been ` +
              `renewed, though cert-manager renews long before that. ${consequence}`,
          },
        ],
      },
      {
        name: `certificates ${nearMissDays} and 60 days out are fine`,
        series: [
          series(
            "certmanager_certificate_expiration_timestamp_seconds",
            certificate(cp, "app-cameleer-io-tls"),
            gauge(inDays(nearMissDays), 60),
          ),
          series(
            "certmanager_certificate_expiration_timestamp_seconds",
            certificate(ctx.names.namespaces.monitoring, "grafana-tls"),
            gauge(inDays(60), 60),
          ),
        ],
        evalTime: "30m",
        expect: [],
      },
    ],
  });

  const publicEndpoint = {
    job: ctx.names.jobs.blackbox,
    probe: "public",
    target: "app",
    instance: "https://app.cameleer.io",
  };
  const warnDays = t.certificateExpiryWarningDays;

  return [
    expiry(
      "CertificateExpiringSoon",
      "warning",
      warnDays,
      "15m",
      "Find out why renewal fails (issuer, ACME challenge, DNS) while there is time.",
      warnDays + 1,
    ),
    expiry(
      "CertificateExpiryImminent",
      "critical",
      t.certificateExpiryCriticalDays,
      "10m",
      "When it expires, browsers and API clients reject the endpoints that serve it.",
      t.certificateExpiryCriticalDays + 1,
    ),
    {
      alert: "CertificateNotReady",
      area: "shared-services",
      severity: "warning",
      expr:
        "max by (exported_namespace, name) " +
        `(certmanager_certificate_ready_status{${cm}, condition="False"}) == 1`,
      for: "15m",
      summary: "Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} is not ready",
      description:
        "cert-manager has reported Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} as not ready for " +
        "15 minutes: issuance or renewal fails, and its Secret holds an old certificate or none.",
      dashboard: { dashboard: "security" },
      tests: [
        {
          name: "fires for a certificate that cannot be issued",
          series: [
            series(
              "certmanager_certificate_ready_status",
              { ...certificate(cp, "api-cameleer-io-tls"), condition: "False" },
              gauge(1, 30),
            ),
            series(
              "certmanager_certificate_ready_status",
              { ...certificate(cp, "api-cameleer-io-tls"), condition: "True" },
              gauge(0, 30),
            ),
          ],
          evalTime: "20m",
          expect: [
            {
              labels: certificateLabels(cp, "api-cameleer-io-tls"),
              summary: `Certificate ${cp}/api-cameleer-io-tls is not ready`,
              description:
                `cert-manager has reported Certificate ${cp}/api-cameleer-io-tls as not ready for 15 minutes: ` +
                "issuance or renewal fails, and its Secret holds an old certificate or none.",
            },
          ],
        },
        {
          name: "a new certificate issued within 5 minutes does not warn",
          series: [
            series(
              "certmanager_certificate_ready_status",
              { ...certificate(cp, "api-cameleer-io-tls"), condition: "False" },
              "1x5 0x25",
            ),
            series(
              "certmanager_certificate_ready_status",
              { ...certificate(cp, "api-cameleer-io-tls"), condition: "True" },
              "0x5 1x25",
            ),
          ],
          evalTime: "20m",
          expect: [],
        },
      ],
    },
    {
      alert: "PublicEndpointCertificateExpiringSoon",
      area: "shared-services",
      severity: "warning",
      expr:
        `min by (job, target, instance) (probe_ssl_earliest_cert_expiry{${ctx.selectors.blackbox}, probe="public"})` +
        ` - time() < ${inDays(warnDays)}`,
      for: "15m",
      summary: "The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}",
      description:
        "A certificate in the chain that public endpoint {{ $labels.target }} ({{ $labels.instance }}) serves " +
        `expires in less than ${warnDays} days. This is what customers see, whoever manages the certificate ` +
        "(cert-manager, the load balancer or a CDN).",
      dashboard: { dashboard: "security" },
      tests: [
        {
          name: `fires when the served certificate expires within ${warnDays} days`,
          series: [series("probe_ssl_earliest_cert_expiry", publicEndpoint, gauge(inDays(warnDays / 2), 60))],
          evalTime: "30m",
          expect: [
            {
              labels: { job: publicEndpoint.job, target: "app", instance: publicEndpoint.instance },
              summary: `The certificate of ${publicEndpoint.instance} expires in ${humanizeDuration(inDays(warnDays / 2) - evalSeconds)}`,
              description:
                `A certificate in the chain that public endpoint app (${publicEndpoint.instance}) serves expires in ` +
                `less than ${warnDays} days. This is what customers see, whoever manages the certificate ` +
                "(cert-manager, the load balancer or a CDN).",
            },
          ],
        },
        {
          name: "a certificate 60 days out is fine",
          series: [series("probe_ssl_earliest_cert_expiry", publicEndpoint, gauge(inDays(60), 60))],
          evalTime: "30m",
          expect: [],
        },
      ],
    },
  ];
}

/** Go's `humanize` for numbers of at least 1: SI prefixes and `%.4g` (`2000000` → `2M`). */
function humanize(v: number): string {
  if (v < 1) throw new Error("humanize helper covers numbers of at least 1");
  let prefix = "";
  for (const p of ["k", "M", "G", "T", "P", "E", "Z", "Y"]) {
    if (v < 1000) break;
    prefix = p;
    v /= 1000;
  }
  return `${goFormatG4(v)}${prefix}`;
}
