/**
 * Pulumi dynamic providers for Uptime Kuma monitors, notifications and status pages, and the typed
 * resources over them.
 *
 * Pulumi serialises each provider object into the state as a closure: the functions it reaches are
 * the pure ones below and the client, which imports `socket.io-client` when it runs. The provider host
 * does not replace resources when this code changes, so every version must read the state the earlier
 * ones wrote.
 *
 * Semantics shared by the three:
 * - `check` applies the documented defaults and rejects what the server would reject;
 * - `diff` names the changed properties; a different server (connection url or username) or, for a
 *   status page, a different slug forces replacement; a new password alone is an in-place update;
 * - `read` returns the live object, so `pulumi up --refresh` (or `refresh`, then `up`) sees drift and
 *   reverts it; an object deleted by hand (or no longer carrying our marker) reads as gone and is
 *   recreated. `diff` compares the state with the program and never calls the server, as Pulumi expects;
 *   without a refresh, drift goes unseen;
 * - `delete` succeeds when the object is already gone, and never deletes one we do not manage.
 */
import * as pulumi from "@pulumi/pulumi";
import { sortKeys } from "../shared/serialize";
import {
  MANAGED_MARKER,
  withClient,
  type KumaMonitor,
  type KumaMonitorFields,
  type KumaNotification,
  type KumaStatusPageConfig,
  type KumaStatusPageGroup,
  type UptimeKumaConnection,
} from "./client";

/** The `kind` input that tells our dynamic resources apart (they all have Pulumi's one dynamic type). */
export const KINDS = {
  monitor: "uptime-kuma-monitor",
  notification: "uptime-kuma-notification",
  statusPage: "uptime-kuma-status-page",
} as const;

/** What the engine puts in place of a value that is not known yet (during preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Uptime Kuma refuses intervals outside these bounds (seconds). */
export const MIN_INTERVAL_SECONDS = 20;
export const MAX_INTERVAL_SECONDS = 2_073_600;

export interface CheckFailure {
  readonly property: string;
  readonly reason: string;
}

/** The properties whose values differ, and those of them that force replacement. */
export interface PropertyDiff {
  readonly changes: string[];
  readonly replaces: string[];
}

type Props = Record<string, unknown>;

const known = (v: unknown): boolean => v !== UNKNOWN;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a ?? null)) === JSON.stringify(sortKeys(b ?? null));
}

/** Diff of `fields` plus the connection: another server or user is another object, so it replaces. */
function diffProps(
  olds: object,
  news: object,
  fields: readonly string[],
  replaceOn: readonly string[],
): PropertyDiff {
  const o = olds as Props;
  const n = news as Props;
  const changes = fields.filter((f) => !same(o[f], n[f]));
  const replaces = changes.filter((f) => replaceOn.includes(f));
  const oldConn = (o.connection ?? {}) as Partial<UptimeKumaConnection>;
  const newConn = (n.connection ?? {}) as Partial<UptimeKumaConnection>;
  if (!known(n.connection) || !known(newConn.url) || !known(newConn.username)) {
    changes.push("connection"); // not known until the update: do not claim a replacement
  } else if (oldConn.url !== newConn.url || oldConn.username !== newConn.username) {
    changes.push("connection");
    replaces.push("connection");
  } else if (oldConn.password !== newConn.password) {
    changes.push("connection");
  }
  return { changes, replaces };
}

function toDiffResult(d: PropertyDiff): pulumi.dynamic.DiffResult {
  return { changes: d.changes.length > 0, replaces: d.replaces, stables: ["kind"] };
}

/** Whether only the connection's password differs, which changes nothing on the server. */
function onlyPasswordChanged(d: PropertyDiff): boolean {
  return d.changes.length === 1 && d.changes[0] === "connection" && d.replaces.length === 0;
}

function checkString(failures: CheckFailure[], property: string, v: unknown, pattern?: RegExp): void {
  if (!known(v)) return;
  if (typeof v !== "string" || v.length === 0) {
    failures.push({ property, reason: "must be a non-empty string" });
  } else if (pattern && !pattern.test(v)) {
    failures.push({ property, reason: `must match ${String(pattern)}` });
  }
}

function checkInt(failures: CheckFailure[], property: string, v: unknown, min: number, max: number): void {
  if (!known(v)) return;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    failures.push({ property, reason: `must be an integer from ${min} to ${max}` });
  }
}

function checkConnection(failures: CheckFailure[], c: unknown): void {
  if (!known(c)) return;
  if (typeof c !== "object" || c === null) {
    failures.push({ property: "connection", reason: "must be { url, username, password }" });
    return;
  }
  const conn = c as Props;
  checkString(failures, "connection.url", conn.url, /^https?:\/\/[^/]+(\/.*[^/])?$/);
  checkString(failures, "connection.username", conn.username);
  checkString(failures, "connection.password", conn.password);
}

/** Numeric ids in ascending order, unknown ones last: the order the server reports them in. */
function sortIds(ids: string[]): string[] {
  return [...ids].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
}

/** A list of ids as `check` passes it on: sorted, or still unknown; absent is empty. */
function idList(v: unknown): string[] {
  if (!known(v)) return v as string[];
  return Array.isArray(v) ? sortIds(v as string[]) : [];
}

// Monitors

export type MonitorType = "http" | "keyword" | "push";

/** A monitor's inputs after `check`, and its state. */
export interface MonitorState {
  readonly kind: typeof KINDS.monitor;
  readonly connection: UptimeKumaConnection;
  readonly name: string;
  readonly type: MonitorType;
  /** http and keyword monitors. */
  readonly url?: string;
  /** keyword monitors: text the body must contain (or not, with `invertKeyword`). */
  readonly keyword?: string;
  readonly invertKeyword: boolean;
  readonly method: string;
  readonly intervalSeconds: number;
  readonly retryIntervalSeconds: number;
  readonly maxRetries: number;
  /** Re-send a DOWN notification every N failed beats; 0 never. */
  readonly resendInterval: number;
  readonly timeoutSeconds: number;
  readonly acceptedStatusCodes: string[];
  /** Notify before the TLS certificate expires. */
  readonly expiryNotification: boolean;
  readonly ignoreTls: boolean;
  readonly maxRedirects: number;
  readonly upsideDown: boolean;
  /** push monitors: the token of `GET /api/push/<token>`. */
  readonly pushToken?: string;
  /** Free text after the managed marker. */
  readonly description: string;
  /** Pulumi ids (numeric strings) of the attached notifications, ascending. */
  readonly notificationIds: string[];
  readonly active: boolean;
}

const MONITOR_FIELDS = [
  "name",
  "type",
  "url",
  "keyword",
  "invertKeyword",
  "method",
  "intervalSeconds",
  "retryIntervalSeconds",
  "maxRetries",
  "resendInterval",
  "timeoutSeconds",
  "acceptedStatusCodes",
  "expiryNotification",
  "ignoreTls",
  "maxRedirects",
  "upsideDown",
  "pushToken",
  "description",
  "notificationIds",
  "active",
] as const satisfies readonly (keyof MonitorState)[];

/**
 * Applies the defaults: interval 60 s; retry interval = interval; no retries; timeout 80 % of the
 * interval capped at 48 s for HTTP checks, 0 (none) for push; accepted status codes 200-299; GET;
 * 10 redirects; active.
 */
export function checkMonitor(news: Props): { inputs: MonitorState; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const type = news.type as MonitorType;
  const interval = (news.intervalSeconds ?? 60) as number;
  const http = type === "http" || type === "keyword";
  // A value not known yet (preview) stays unknown, so that the preview does not show a made-up one.
  const defaultTimeout = !known(interval) ? UNKNOWN : http ? Math.min(48, Math.floor(interval * 0.8)) : 0;
  const inputs = sortKeys({
    kind: KINDS.monitor,
    connection: news.connection as UptimeKumaConnection,
    name: news.name as string,
    type,
    url: http ? (news.url as string) : undefined,
    keyword: type === "keyword" ? (news.keyword as string) : undefined,
    invertKeyword: (news.invertKeyword ?? false) as boolean,
    method: (news.method ?? "GET") as string,
    intervalSeconds: interval,
    retryIntervalSeconds: (news.retryIntervalSeconds ?? interval) as number,
    maxRetries: (news.maxRetries ?? 0) as number,
    resendInterval: (news.resendInterval ?? 0) as number,
    timeoutSeconds: (news.timeoutSeconds ?? defaultTimeout) as number,
    acceptedStatusCodes: (news.acceptedStatusCodes ?? ["200-299"]) as string[],
    expiryNotification: (news.expiryNotification ?? false) as boolean,
    ignoreTls: (news.ignoreTls ?? false) as boolean,
    maxRedirects: (news.maxRedirects ?? 10) as number,
    upsideDown: (news.upsideDown ?? false) as boolean,
    pushToken: type === "push" ? (news.pushToken as string) : undefined,
    description: (news.description ?? "") as string,
    notificationIds: idList(news.notificationIds),
    active: (news.active ?? true) as boolean,
  } satisfies MonitorState);

  checkConnection(failures, news.connection);
  checkString(failures, "name", news.name);
  if (known(type) && !["http", "keyword", "push"].includes(type)) {
    failures.push({ property: "type", reason: "must be http, keyword or push" });
  }
  if (http) checkString(failures, "url", news.url, /^https?:\/\/\S+$/);
  if (type === "keyword") checkString(failures, "keyword", news.keyword);
  if (type === "push") checkString(failures, "pushToken", news.pushToken, /^[A-Za-z0-9_-]{8,100}$/);
  checkInt(failures, "intervalSeconds", inputs.intervalSeconds, MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS);
  checkInt(
    failures,
    "retryIntervalSeconds",
    inputs.retryIntervalSeconds,
    MIN_INTERVAL_SECONDS,
    MAX_INTERVAL_SECONDS,
  );
  checkInt(failures, "maxRetries", inputs.maxRetries, 0, 100);
  checkInt(failures, "resendInterval", inputs.resendInterval, 0, 10_000);
  checkInt(failures, "maxRedirects", inputs.maxRedirects, 0, 100);
  const timeout = inputs.timeoutSeconds;
  if (
    known(timeout) &&
    known(interval) &&
    (typeof timeout !== "number" || timeout < 0 || timeout >= interval)
  ) {
    failures.push({
      property: "timeoutSeconds",
      reason: "must be at least 0 (none) and less than the interval",
    });
  }
  const codes = inputs.acceptedStatusCodes;
  if (known(codes) && (!Array.isArray(codes) || codes.length === 0)) {
    failures.push({ property: "acceptedStatusCodes", reason: "must list at least one code or range" });
  } else if (Array.isArray(codes)) {
    for (const c of codes.filter(known)) {
      if (typeof c !== "string" || !/^[1-5][0-9]{2}(-[1-5][0-9]{2})?$/.test(c)) {
        failures.push({
          property: "acceptedStatusCodes",
          reason: `"${String(c)}" is not a code or range like 200-299`,
        });
      }
    }
  }
  for (const id of Array.isArray(inputs.notificationIds) ? inputs.notificationIds.filter(known) : []) {
    if (!/^[0-9]+$/.test(String(id))) {
      failures.push({ property: "notificationIds", reason: `"${String(id)}" is not a notification id` });
    }
  }
  return { inputs, failures };
}

export function diffMonitor(olds: object, news: object): PropertyDiff {
  return diffProps(olds, news, MONITOR_FIELDS, []);
}

/** What `add` and `editMonitor` receive: every field the program owns, the marker in the description. */
export function monitorToKuma(s: MonitorState): KumaMonitorFields {
  return {
    type: s.type,
    name: s.name,
    description: s.description ? `${MANAGED_MARKER} ${s.description}` : MANAGED_MARKER,
    url: s.type === "push" ? null : (s.url ?? null),
    method: s.method,
    interval: s.intervalSeconds,
    retryInterval: s.retryIntervalSeconds,
    resendInterval: s.resendInterval,
    maxretries: s.maxRetries,
    timeout: s.timeoutSeconds,
    keyword: s.type === "keyword" ? (s.keyword ?? null) : null,
    invertKeyword: s.invertKeyword,
    expiryNotification: s.expiryNotification,
    ignoreTls: s.ignoreTls,
    upsideDown: s.upsideDown,
    maxredirects: s.maxRedirects,
    accepted_statuscodes: s.acceptedStatusCodes,
    pushToken: s.type === "push" ? (s.pushToken ?? null) : null,
    notificationIDList: Object.fromEntries(s.notificationIds.map((id) => [id, true])),
    active: s.active,
  };
}

/** The state of a live monitor, or undefined when it does not carry our marker. */
export function monitorFromKuma(m: KumaMonitor, connection: UptimeKumaConnection): MonitorState | undefined {
  const description = m.description ?? "";
  if (!description.startsWith(MANAGED_MARKER)) return undefined;
  const type = m.type as MonitorType;
  return sortKeys({
    kind: KINDS.monitor,
    connection,
    name: m.name,
    type,
    url: type === "push" ? undefined : (m.url ?? undefined),
    keyword: type === "keyword" ? (m.keyword ?? undefined) : undefined,
    invertKeyword: m.invertKeyword,
    method: m.method,
    intervalSeconds: m.interval,
    retryIntervalSeconds: m.retryInterval,
    maxRetries: m.maxretries,
    resendInterval: m.resendInterval,
    timeoutSeconds: m.timeout,
    acceptedStatusCodes: m.accepted_statuscodes,
    expiryNotification: m.expiryNotification,
    ignoreTls: m.ignoreTls,
    maxRedirects: m.maxredirects,
    upsideDown: m.upsideDown,
    pushToken: type === "push" ? (m.pushToken ?? undefined) : undefined,
    description: description.slice(MANAGED_MARKER.length).trim(),
    notificationIds: sortIds(Object.keys(m.notificationIDList).filter((k) => m.notificationIDList[k])),
    active: m.active,
  } satisfies MonitorState);
}

/** How long a first `pulumi up` waits for a fresh deployment to answer (ingress, certificate, DNS). */
const REACH_TIMEOUT_MS = 5 * 60_000;

export const monitorProvider = {
  check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    return Promise.resolve(checkMonitor(news));
  },

  diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    return Promise.resolve(toDiffResult(diffMonitor(olds, news)));
  },

  async create(inputs: MonitorState): Promise<pulumi.dynamic.CreateResult> {
    const id = await withClient(
      inputs.connection,
      async (client) => {
        if (inputs.type === "push") {
          const clash = Object.values(await client.monitors()).find((m) => m.pushToken === inputs.pushToken);
          if (clash) throw new Error(`push token of "${inputs.name}" is already used by monitor ${clash.id}`);
        }
        return client.addMonitor(monitorToKuma(inputs));
      },
      { retryForMs: REACH_TIMEOUT_MS, setupIfNeeded: true },
    );
    return { id: String(id), outs: inputs };
  },

  async read(id: string, props?: MonitorState): Promise<pulumi.dynamic.ReadResult> {
    if (!props?.connection) throw new Error("importing an Uptime Kuma monitor is not supported");
    const live = await withClient(props.connection, async (client) => client.getMonitor(Number(id)));
    const state = live && monitorFromKuma(live, props.connection);
    if (!state) return { id: "" };
    return { id, props: state, inputs: state };
  },

  async update(id: string, olds: MonitorState, news: MonitorState): Promise<pulumi.dynamic.UpdateResult> {
    if (onlyPasswordChanged(diffMonitor(olds, news))) return { outs: news };
    await withClient(news.connection, async (client) => {
      const live = await client.getMonitor(Number(id));
      if (!live || !monitorFromKuma(live, news.connection)) {
        throw new Error(
          `Uptime Kuma monitor ${id} ("${olds.name}") was deleted outside Pulumi; run \`pulumi up --refresh\` to recreate it`,
        );
      }
      await client.editMonitor({ ...monitorToKuma(news), id: Number(id) });
      if (live.active !== news.active) {
        await (news.active ? client.resumeMonitor(Number(id)) : client.pauseMonitor(Number(id)));
      }
    });
    return { outs: news };
  },

  async delete(id: string, props: MonitorState): Promise<void> {
    await withClient(props.connection, async (client) => {
      const live = await client.getMonitor(Number(id));
      if (live && monitorFromKuma(live, props.connection)) await client.deleteMonitor(Number(id));
    });
  },
} satisfies pulumi.dynamic.ResourceProvider;

// Notifications

/** A notification's inputs after `check`, and its state. */
export interface NotificationState {
  readonly kind: typeof KINDS.notification;
  readonly connection: UptimeKumaConnection;
  readonly name: string;
  /** Uptime Kuma's provider name: `webhook`, `slack`, `PagerDuty`, ... */
  readonly type: string;
  /** The provider's own fields (`slackwebhookURL`, `pagerdutyIntegrationKey`, ...); a secret. */
  readonly settings: Record<string, string | number | boolean>;
  /** Attach to every monitor created in the UI. */
  readonly isDefault: boolean;
}

const NOTIFICATION_FIELDS = [
  "name",
  "type",
  "settings",
  "isDefault",
] as const satisfies readonly (keyof NotificationState)[];

/** Keys of a notification's saved config that are not the provider's settings. */
const NOTIFICATION_RESERVED = [
  "name",
  "type",
  "isDefault",
  "applyExisting",
  "managedBy",
  "id",
  "userId",
  "active",
];

export function checkNotification(news: Props): { inputs: NotificationState; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const inputs = sortKeys({
    kind: KINDS.notification,
    connection: news.connection as UptimeKumaConnection,
    name: news.name as string,
    type: news.type as string,
    settings: (news.settings ?? {}) as Record<string, string | number | boolean>,
    isDefault: (news.isDefault ?? false) as boolean,
  } satisfies NotificationState);
  checkConnection(failures, news.connection);
  checkString(failures, "name", news.name);
  checkString(failures, "type", news.type);
  const settings = inputs.settings as unknown;
  if (known(settings) && (typeof settings !== "object" || settings === null || Array.isArray(settings))) {
    failures.push({ property: "settings", reason: "must be an object of the provider's fields" });
  } else if (known(settings)) {
    for (const k of Object.keys(inputs.settings).filter((key) => NOTIFICATION_RESERVED.includes(key))) {
      failures.push({ property: `settings.${k}`, reason: "is set by the provider" });
    }
  }
  return { inputs, failures };
}

export function diffNotification(olds: object, news: object): PropertyDiff {
  return diffProps(olds, news, NOTIFICATION_FIELDS, []);
}

export function notificationToKuma(s: NotificationState): Record<string, unknown> {
  return {
    ...s.settings,
    name: s.name,
    type: s.type,
    isDefault: s.isDefault,
    applyExisting: false,
    managedBy: MANAGED_MARKER,
  };
}

export function notificationFromKuma(
  n: KumaNotification,
  connection: UptimeKumaConnection,
): NotificationState | undefined {
  const config = JSON.parse(n.config) as Record<string, string | number | boolean>;
  if (config.managedBy !== MANAGED_MARKER) return undefined;
  return sortKeys({
    kind: KINDS.notification,
    connection,
    name: n.name,
    type: String(config.type),
    settings: Object.fromEntries(Object.entries(config).filter(([k]) => !NOTIFICATION_RESERVED.includes(k))),
    isDefault: config.isDefault === true,
  } satisfies NotificationState);
}

export const notificationProvider = {
  check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    return Promise.resolve(checkNotification(news));
  },

  diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    return Promise.resolve(toDiffResult(diffNotification(olds, news)));
  },

  async create(inputs: NotificationState): Promise<pulumi.dynamic.CreateResult> {
    const id = await withClient(
      inputs.connection,
      async (client) => client.saveNotification(notificationToKuma(inputs), null),
      { retryForMs: REACH_TIMEOUT_MS, setupIfNeeded: true },
    );
    return { id: String(id), outs: inputs };
  },

  async read(id: string, props?: NotificationState): Promise<pulumi.dynamic.ReadResult> {
    if (!props?.connection) throw new Error("importing an Uptime Kuma notification is not supported");
    const conn = props.connection;
    const state = await withClient(conn, async (client) => {
      const live = (await client.notifications()).find((n) => String(n.id) === id);
      return live && notificationFromKuma(live, conn);
    });
    if (!state) return { id: "" };
    return { id, props: state, inputs: state };
  },

  async update(
    id: string,
    olds: NotificationState,
    news: NotificationState,
  ): Promise<pulumi.dynamic.UpdateResult> {
    if (onlyPasswordChanged(diffNotification(olds, news))) return { outs: news };
    await withClient(news.connection, async (client) => {
      const live = (await client.notifications()).find((n) => String(n.id) === id);
      if (!live || !notificationFromKuma(live, news.connection)) {
        throw new Error(
          `Uptime Kuma notification ${id} ("${olds.name}") was deleted outside Pulumi; run \`pulumi up --refresh\` to recreate it`,
        );
      }
      await client.saveNotification(notificationToKuma(news), Number(id));
    });
    return { outs: news };
  },

  async delete(id: string, props: NotificationState): Promise<void> {
    await withClient(props.connection, async (client) => {
      const live = (await client.notifications()).find((n) => String(n.id) === id);
      if (live && notificationFromKuma(live, props.connection)) await client.deleteNotification(Number(id));
    });
  },
} satisfies pulumi.dynamic.ResourceProvider;

// Status pages

export interface StatusPageGroupState {
  readonly name: string;
  /** Pulumi ids (numeric strings) of the monitors shown, in display order. */
  readonly monitorIds: string[];
}

/** A status page's inputs after `check`, and its state. Its id is its slug. */
export interface StatusPageState {
  readonly kind: typeof KINDS.statusPage;
  readonly connection: UptimeKumaConnection;
  readonly slug: string;
  readonly title: string;
  readonly description: string;
  readonly footerText: string;
  readonly showPoweredBy: boolean;
  readonly showCertificateExpiry: boolean;
  readonly groups: StatusPageGroupState[];
}

const STATUS_PAGE_FIELDS = [
  "slug",
  "title",
  "description",
  "footerText",
  "showPoweredBy",
  "showCertificateExpiry",
  "groups",
] as const satisfies readonly (keyof StatusPageState)[];

export function checkStatusPage(news: Props): { inputs: StatusPageState; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const groups = (news.groups ?? []) as StatusPageGroupState[];
  const inputs = sortKeys({
    kind: KINDS.statusPage,
    connection: news.connection as UptimeKumaConnection,
    slug: news.slug as string,
    title: news.title as string,
    description: (news.description ?? "") as string,
    footerText: (news.footerText ?? "") as string,
    showPoweredBy: (news.showPoweredBy ?? false) as boolean,
    showCertificateExpiry: (news.showCertificateExpiry ?? false) as boolean,
    groups: known(groups)
      ? groups.map((g) => (known(g) ? { name: g.name, monitorIds: g.monitorIds ?? [] } : g))
      : groups,
  } satisfies StatusPageState);
  checkConnection(failures, news.connection);
  checkString(failures, "slug", news.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  checkString(failures, "title", news.title);
  if (known(inputs.groups) && !Array.isArray(inputs.groups)) {
    failures.push({ property: "groups", reason: "must be a list of { name, monitorIds }" });
  }
  (Array.isArray(inputs.groups) ? inputs.groups : []).filter(known).forEach((g, i) => {
    checkString(failures, `groups[${i}].name`, g.name);
    if (!known(g.monitorIds)) return;
    for (const id of g.monitorIds.filter(known)) {
      if (!/^[0-9]+$/.test(String(id))) {
        failures.push({ property: `groups[${i}].monitorIds`, reason: `"${String(id)}" is not a monitor id` });
      }
    }
  });
  return { inputs, failures };
}

export function diffStatusPage(olds: object, news: object): PropertyDiff {
  return diffProps(olds, news, STATUS_PAGE_FIELDS, ["slug"]);
}

/** The icon every page shows: the server's own (a data URL would be uploaded as the page's logo). */
const ICON = "/icon.svg";

/**
 * A status page's managed marker, as its custom CSS: a page has no private text field like a monitor's
 * description (its description and footer are shown to the public), and a CSS comment changes nothing
 * on the page. Slugs are reused as freely as monitor ids, so a page is only ever read, edited or deleted
 * when its CSS starts with this.
 */
export const STATUS_PAGE_MARKER_CSS = `/* ${MANAGED_MARKER} */`;

export function statusPageToKuma(s: StatusPageState): {
  config: KumaStatusPageConfig & { logo: string };
  groups: KumaStatusPageGroup[];
} {
  return {
    config: {
      slug: s.slug,
      title: s.title,
      description: s.description,
      footerText: s.footerText,
      theme: "auto",
      showTags: false,
      showPoweredBy: s.showPoweredBy,
      showCertificateExpiry: s.showCertificateExpiry,
      customCSS: STATUS_PAGE_MARKER_CSS,
      domainNameList: [],
      googleAnalyticsId: null,
      logo: ICON,
    },
    groups: s.groups.map((g) => ({
      name: g.name,
      monitorList: g.monitorIds.map((id) => ({ id: Number(id) })),
    })),
  };
}

/** Whether a live page carries our marker. */
export function isManagedStatusPage(config: KumaStatusPageConfig): boolean {
  return (config.customCSS ?? "").startsWith(STATUS_PAGE_MARKER_CSS);
}

/** The state of a live page, or undefined when it does not carry our marker. */
export function statusPageFromKuma(
  config: KumaStatusPageConfig,
  groups: KumaStatusPageGroup[],
  connection: UptimeKumaConnection,
): StatusPageState | undefined {
  if (!isManagedStatusPage(config)) return undefined;
  return sortKeys({
    kind: KINDS.statusPage,
    connection,
    slug: config.slug,
    title: config.title,
    description: config.description ?? "",
    footerText: config.footerText ?? "",
    showPoweredBy: config.showPoweredBy,
    showCertificateExpiry: config.showCertificateExpiry,
    groups: groups.map((g) => ({ name: g.name, monitorIds: g.monitorList.map((m) => String(m.id)) })),
  } satisfies StatusPageState);
}

export const statusPageProvider = {
  check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    return Promise.resolve(checkStatusPage(news));
  },

  diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    return Promise.resolve(toDiffResult(diffStatusPage(olds, news)));
  },

  async create(inputs: StatusPageState): Promise<pulumi.dynamic.CreateResult> {
    await withClient(
      inputs.connection,
      async (client) => {
        // Slugs are unique: adding over an existing page fails rather than adopting it.
        await client.addStatusPage(inputs.title, inputs.slug);
        const { config, groups } = statusPageToKuma(inputs);
        await client.saveStatusPage(inputs.slug, config, ICON, groups);
      },
      { retryForMs: REACH_TIMEOUT_MS, setupIfNeeded: true },
    );
    return { id: inputs.slug, outs: inputs };
  },

  async read(id: string, props?: StatusPageState): Promise<pulumi.dynamic.ReadResult> {
    if (!props?.connection) throw new Error("importing an Uptime Kuma status page is not supported");
    const state = await withClient(props.connection, async (client) => {
      const config = await client.getStatusPage(id);
      if (!config || !isManagedStatusPage(config)) return undefined;
      return statusPageFromKuma(config, await client.statusPageGroups(id), props.connection);
    });
    if (!state) return { id: "" };
    return { id, props: state, inputs: state };
  },

  async update(
    id: string,
    olds: StatusPageState,
    news: StatusPageState,
  ): Promise<pulumi.dynamic.UpdateResult> {
    if (onlyPasswordChanged(diffStatusPage(olds, news))) return { outs: news };
    await withClient(news.connection, async (client) => {
      const live = await client.getStatusPage(id);
      if (!live || !isManagedStatusPage(live)) {
        throw new Error(
          `Uptime Kuma status page ${id} was deleted outside Pulumi; run \`pulumi up --refresh\` to recreate it`,
        );
      }
      const { config, groups } = statusPageToKuma(news);
      await client.saveStatusPage(id, config, ICON, groups);
    });
    return { outs: news };
  },

  async delete(id: string, props: StatusPageState): Promise<void> {
    await withClient(props.connection, async (client) => {
      const live = await client.getStatusPage(id);
      if (live && isManagedStatusPage(live)) await client.deleteStatusPage(id);
    });
  },
} satisfies pulumi.dynamic.ResourceProvider;

// Typed resources

export interface UptimeKumaConnectionArgs {
  /** Base URL, e.g. `https://status-checks.ops.example.com`. */
  readonly url: pulumi.Input<string>;
  readonly username: pulumi.Input<string>;
  /** Kept a Pulumi secret whatever the caller passes. */
  readonly password: pulumi.Input<string>;
}

function connectionInputs(c: UptimeKumaConnectionArgs) {
  return { url: c.url, username: c.username, password: pulumi.secret(c.password) };
}

function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  names: string[],
): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...names] };
}

export interface UptimeKumaMonitorArgs {
  readonly connection: UptimeKumaConnectionArgs;
  /** Display name; not unique in Uptime Kuma, so the provider tracks monitors by id. */
  readonly name: pulumi.Input<string>;
  readonly type: pulumi.Input<MonitorType>;
  /** Target of http and keyword monitors. */
  readonly url?: pulumi.Input<string>;
  /** keyword monitors: text the response body must contain. */
  readonly keyword?: pulumi.Input<string>;
  /** Defaults to false. */
  readonly invertKeyword?: pulumi.Input<boolean>;
  /** Defaults to GET. */
  readonly method?: pulumi.Input<string>;
  /** Defaults to 60; at least 20. */
  readonly intervalSeconds?: pulumi.Input<number>;
  /** Defaults to the interval. */
  readonly retryIntervalSeconds?: pulumi.Input<number>;
  /** Failed checks before DOWN. Defaults to 0. */
  readonly maxRetries?: pulumi.Input<number>;
  /** Re-send DOWN every N failed beats. Defaults to 0 (never). */
  readonly resendInterval?: pulumi.Input<number>;
  /** Defaults to 80 % of the interval, at most 48, for HTTP checks; 0 (none) for push monitors. */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /** Defaults to ["200-299"]. */
  readonly acceptedStatusCodes?: pulumi.Input<pulumi.Input<string>[]>;
  /** Notify before the TLS certificate expires. Defaults to false. */
  readonly expiryNotification?: pulumi.Input<boolean>;
  /** Defaults to false. */
  readonly ignoreTls?: pulumi.Input<boolean>;
  /** Defaults to 10. */
  readonly maxRedirects?: pulumi.Input<number>;
  /** Defaults to false. */
  readonly upsideDown?: pulumi.Input<boolean>;
  /** push monitors: the token callers push to; kept a Pulumi secret. */
  readonly pushToken?: pulumi.Input<string>;
  /** Shown after the managed marker. Defaults to "". */
  readonly description?: pulumi.Input<string>;
  /** `id`s of {@link UptimeKumaNotification}s to send to. Defaults to none. */
  readonly notificationIds?: pulumi.Input<pulumi.Input<pulumi.ID>[]>;
  /** Defaults to true; false pauses the monitor. */
  readonly active?: pulumi.Input<boolean>;
}

/** An Uptime Kuma monitor. Its `id` is Uptime Kuma's monitor id. */
export class UptimeKumaMonitor extends pulumi.dynamic.Resource {
  declare public readonly kind: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly type: pulumi.Output<MonitorType>;
  declare public readonly url: pulumi.Output<string | undefined>;
  declare public readonly intervalSeconds: pulumi.Output<number>;
  declare public readonly notificationIds: pulumi.Output<string[]>;

  constructor(name: string, args: UptimeKumaMonitorArgs, opts?: pulumi.CustomResourceOptions) {
    const { connection, pushToken, ...rest } = args;
    super(
      monitorProvider,
      name,
      {
        ...rest,
        kind: KINDS.monitor,
        connection: connectionInputs(connection),
        pushToken: pushToken === undefined ? undefined : pulumi.secret(pushToken),
      },
      withSecretOutputs(opts, ["connection", "pushToken"]),
    );
  }
}

export interface UptimeKumaNotificationArgs {
  readonly connection: UptimeKumaConnectionArgs;
  readonly name: pulumi.Input<string>;
  /** Uptime Kuma's provider name: `webhook`, `slack`, `PagerDuty`, ... */
  readonly type: pulumi.Input<string>;
  /** The provider's fields, e.g. `{ slackwebhookURL }`; kept a Pulumi secret. */
  readonly settings: pulumi.Input<Record<string, pulumi.Input<string | number | boolean>>>;
  /** Attach to monitors created by hand in the UI. Defaults to false. */
  readonly isDefault?: pulumi.Input<boolean>;
}

/** An Uptime Kuma notification (alert channel). Its `id` is Uptime Kuma's notification id. */
export class UptimeKumaNotification extends pulumi.dynamic.Resource {
  declare public readonly kind: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly type: pulumi.Output<string>;

  constructor(name: string, args: UptimeKumaNotificationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      notificationProvider,
      name,
      {
        ...args,
        kind: KINDS.notification,
        connection: connectionInputs(args.connection),
        settings: pulumi.secret(args.settings),
      },
      withSecretOutputs(opts, ["connection", "settings"]),
    );
  }
}

export interface UptimeKumaStatusPageGroupArgs {
  readonly name: pulumi.Input<string>;
  /** `id`s of {@link UptimeKumaMonitor}s, in display order. */
  readonly monitorIds: pulumi.Input<pulumi.Input<pulumi.ID>[]>;
}

export interface UptimeKumaStatusPageArgs {
  readonly connection: UptimeKumaConnectionArgs;
  /** `/status/<slug>`; changing it replaces the page. */
  readonly slug: string;
  readonly title: pulumi.Input<string>;
  /** Defaults to "". */
  readonly description?: pulumi.Input<string>;
  /** Defaults to "". */
  readonly footerText?: pulumi.Input<string>;
  /** Defaults to false. */
  readonly showPoweredBy?: pulumi.Input<boolean>;
  /** Defaults to false. */
  readonly showCertificateExpiry?: pulumi.Input<boolean>;
  readonly groups: pulumi.Input<pulumi.Input<UptimeKumaStatusPageGroupArgs>[]>;
}

/** A public Uptime Kuma status page. Its `id` is its slug. */
export class UptimeKumaStatusPage extends pulumi.dynamic.Resource {
  declare public readonly kind: pulumi.Output<string>;
  declare public readonly slug: pulumi.Output<string>;
  declare public readonly title: pulumi.Output<string>;

  constructor(name: string, args: UptimeKumaStatusPageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      statusPageProvider,
      name,
      { ...args, kind: KINDS.statusPage, connection: connectionInputs(args.connection) },
      withSecretOutputs(opts, ["connection"]),
    );
  }
}
