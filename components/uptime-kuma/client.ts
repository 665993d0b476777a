/**
 * A small typed client over Uptime Kuma's socket.io API (the only API it has for monitors,
 * notifications and status pages). Measured on `uptime-kuma@2.0.0-dev.0`.
 *
 * The dynamic providers run this code after Pulumi has serialised it as a closure, so it keeps to what
 * survives that: `socket.io-client` is imported inside the functions, and the login-token cache lives
 * on `globalThis` rather than in a module variable.
 */
import type { io as connectSocket, Socket } from "socket.io-client";

/** Where an Uptime Kuma server is and the admin account the program uses on it. */
export interface UptimeKumaConnection {
  /** Base URL, e.g. `https://status-checks.ops.example.com`, without a trailing slash. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Prefix of the description of every monitor the program manages. Names are not unique in Uptime Kuma
 * and SQLite reuses the highest deleted id, so a monitor is only ever read, edited or deleted when it
 * carries this marker.
 */
export const MANAGED_MARKER = "[managed by platform-monitoring]";

/** The monitor fields the program sets; every other column keeps Uptime Kuma's default. */
export interface KumaMonitorFields {
  type: string;
  name: string;
  description: string;
  url: string | null;
  method: string;
  interval: number;
  retryInterval: number;
  resendInterval: number;
  maxretries: number;
  /** Seconds; 0 means no timeout, so it is always sent. */
  timeout: number;
  keyword: string | null;
  invertKeyword: boolean;
  expiryNotification: boolean;
  ignoreTls: boolean;
  upsideDown: boolean;
  maxredirects: number;
  /** Required by the server: `add` and `editMonitor` fail without it. */
  accepted_statuscodes: string[];
  pushToken: string | null;
  /** Notification id → attached. `editMonitor` clears the attachments when this is omitted. */
  notificationIDList: Record<string, boolean>;
  active: boolean;
}

/** A monitor as `getMonitor` and the `monitorList` event return it. */
export interface KumaMonitor extends KumaMonitorFields {
  id: number;
  [column: string]: unknown;
}

/** A notification as the `notificationList` event pushes it; `config` is the JSON the client saved. */
export interface KumaNotification {
  id: number;
  name: string;
  config: string;
  active: boolean;
  isDefault: boolean;
}

/** The settings `saveStatusPage` reads (`getStatusPage` returns the same shape plus `id` and `icon`). */
export interface KumaStatusPageConfig {
  slug: string;
  title: string;
  description: string | null;
  footerText: string | null;
  theme: string;
  showTags: boolean;
  showPoweredBy: boolean;
  showCertificateExpiry: boolean;
  customCSS: string | null;
  domainNameList: string[];
  googleAnalyticsId: string | null;
  published?: boolean;
}

/** A group of monitors on a status page. Sent without ids, the server replaces the page's groups. */
export interface KumaStatusPageGroup {
  name: string;
  monitorList: { id: number; name?: string }[];
}

/**
 * Columns the web UI always sends. `add` and `editMonitor` copy whatever they get into the row, and the
 * Kafka ones are JSON-encoded there: left out, the row holds values that `getMonitor` cannot parse.
 */
const MONITOR_COLUMN_DEFAULTS = {
  parent: null,
  packetSize: 56,
  dns_resolve_type: "A",
  dns_resolve_server: "1.1.1.1",
  httpBodyEncoding: "json",
  kafkaProducerBrokers: [],
  kafkaProducerSaslOptions: { mechanism: "None" },
  gamedigGivenPortOnly: true,
  proxyId: null,
  authMethod: null,
} as const;

interface Ack {
  ok?: boolean;
  msg?: string;
  [key: string]: unknown;
}

export interface ConnectOptions {
  /** Keep retrying an unreachable server this long (a fresh deployment's ingress may lag). Defaults to 0. */
  readonly retryForMs?: number;
  /** Answer timeout of each call. Defaults to 30 s. */
  readonly timeoutMs?: number;
  /** On a server nobody has set up yet, create the admin account from the connection. Defaults to false. */
  readonly setupIfNeeded?: boolean;
}

/** Per process: (url, username) → the pending or settled JWT of the one password login made. */
type TokenCache = Record<string, Promise<string> | undefined>;

export class UptimeKumaClient {
  // Assigned in the constructor, never by initialisers: Pulumi's closure serialiser drops those.
  private monitorList: Record<string, KumaMonitor>;
  private notificationList: KumaNotification[] | undefined;
  private readonly notificationWaiters: ((list: KumaNotification[]) => void)[];

  private constructor(
    private readonly socket: Socket,
    readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.monitorList = {};
    this.notificationList = undefined;
    this.notificationWaiters = [];
    socket.on("monitorList", (list: Record<string, KumaMonitor>) => {
      this.monitorList = list;
    });
    socket.on("notificationList", (list: KumaNotification[]) => {
      this.notificationList = list;
      for (const w of this.notificationWaiters.splice(0)) w(list);
    });
  }

  /** Opens a socket and logs in (once per process per server and user; later sockets reuse the token). */
  static async connect(conn: UptimeKumaConnection, options: ConnectOptions = {}): Promise<UptimeKumaClient> {
    const client = await UptimeKumaClient.open(conn.url, options);
    try {
      if (options.setupIfNeeded && (await client.needSetup())) {
        // Resources are created in parallel: when another socket won the race, the login below
        // tells whether it was with these credentials.
        await client.setup(conn.username, conn.password).catch(async (e: Error) => {
          if (await client.needSetup()) throw e;
        });
      }
      await client.login(conn);
      return client;
    } catch (e) {
      client.close();
      throw e;
    }
  }

  /** Opens a socket without logging in, for `needSetup` and `setup`. */
  static async open(url: string, options: ConnectOptions = {}): Promise<UptimeKumaClient> {
    // Imported here, not at the top: this runs inside a closure Pulumi serialised into the state.
    const { io } = (await import("socket.io-client")) as unknown as { io: typeof connectSocket };
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + (options.retryForMs ?? 0);
    for (;;) {
      const socket = io(url, {
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
        timeout: Math.min(timeoutMs, 10_000),
      });
      const client = new UptimeKumaClient(socket, url, timeoutMs);
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", (e: Error) => reject(e));
        });
        return client;
      } catch (e) {
        socket.close();
        if (Date.now() >= deadline) {
          throw new Error(`cannot reach Uptime Kuma at ${url}: ${(e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 3_000));
      }
    }
  }

  close(): void {
    this.socket.close();
  }

  private async call(event: string, ...args: unknown[]): Promise<Ack> {
    try {
      return (await this.socket.timeout(this.timeoutMs).emitWithAck(event, ...args)) as Ack;
    } catch (e) {
      throw new Error(`Uptime Kuma at ${this.url} did not answer "${event}": ${(e as Error).message}`);
    }
  }

  private async ok(event: string, ...args: unknown[]): Promise<Ack> {
    const res = await this.call(event, ...args);
    if (res.ok !== true) throw new Error(`Uptime Kuma "${event}" failed: ${res.msg ?? JSON.stringify(res)}`);
    return res;
  }

  /** Whether the server still waits for its first admin account. */
  async needSetup(): Promise<boolean> {
    return (await this.socket.timeout(this.timeoutMs).emitWithAck("needSetup")) === true;
  }

  /** Creates the first admin account; fails once one exists. */
  async setup(username: string, password: string): Promise<void> {
    await this.ok("setup", username, password);
  }

  private async login(conn: UptimeKumaConnection): Promise<void> {
    // The server allows 20 password logins a minute and a `pulumi up` opens more sockets than that:
    // one password login per process, every other socket logs in with its token.
    const g = globalThis as { __uptimeKumaTokens?: TokenCache };
    const cache: TokenCache = (g.__uptimeKumaTokens ??= {});
    const key = `${conn.url}\n${conn.username}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const pending = cache[key];
      if (pending === undefined) {
        const mine = this.passwordLogin(conn);
        cache[key] = mine;
        try {
          await mine;
          return;
        } catch (e) {
          if (cache[key] === mine) delete cache[key];
          throw e;
        }
      }
      const token = await pending; // when that login failed, this one would too
      if ((await this.call("loginByToken", token)).ok === true) return;
      if (cache[key] === pending) delete cache[key]; // stale token, e.g. a reinstalled server
    }
    throw new Error(`cannot log in to Uptime Kuma at ${conn.url} as ${conn.username}: token refused`);
  }

  private async passwordLogin(conn: UptimeKumaConnection): Promise<string> {
    const res = await this.call("login", { username: conn.username, password: conn.password, token: "" });
    if (res.ok !== true || typeof res.token !== "string") {
      throw new Error(
        `cannot log in to Uptime Kuma at ${conn.url} as ${conn.username}: ${res.msg ?? "two-factor login is not supported"}`,
      );
    }
    return res.token;
  }

  // Monitors

  /** Every monitor of the user, fresh from the server. */
  async monitors(): Promise<Record<string, KumaMonitor>> {
    // The server emits `monitorList` to this socket before it acknowledges, so the list is current.
    await this.ok("getMonitorList");
    return this.monitorList;
  }

  /** The monitor, or undefined when there is none with that id. */
  async getMonitor(id: number): Promise<KumaMonitor | undefined> {
    const res = await this.call("getMonitor", id);
    if (res.ok === true) return res.monitor as KumaMonitor;
    // A missing id answers with a TypeError message; confirm against the list rather than parse it.
    if (!(String(id) in (await this.monitors()))) return undefined;
    throw new Error(`Uptime Kuma "getMonitor" ${id} failed: ${res.msg}`);
  }

  /** Adds a monitor and returns its id. */
  async addMonitor(monitor: KumaMonitorFields): Promise<number> {
    const res = await this.ok("add", { ...MONITOR_COLUMN_DEFAULTS, ...monitor });
    return res.monitorID as number;
  }

  /** Replaces every field the program sets; `active` is not changed by this call (see pause/resume). */
  async editMonitor(monitor: KumaMonitorFields & { id: number }): Promise<void> {
    await this.ok("editMonitor", { ...MONITOR_COLUMN_DEFAULTS, ...monitor });
  }

  async pauseMonitor(id: number): Promise<void> {
    await this.ok("pauseMonitor", id);
  }

  async resumeMonitor(id: number): Promise<void> {
    await this.ok("resumeMonitor", id);
  }

  /** Deletes a monitor; succeeds when it is already gone. */
  async deleteMonitor(id: number): Promise<void> {
    await this.ok("deleteMonitor", id);
  }

  // Notifications

  /** Every notification of the user, as the server last pushed them (after login and every change). */
  async notifications(): Promise<KumaNotification[]> {
    if (this.notificationList) return this.notificationList;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Uptime Kuma at ${this.url} sent no notification list after login`)),
        this.timeoutMs,
      );
      this.notificationWaiters.push((list) => {
        clearTimeout(timer);
        resolve(list);
      });
    });
  }

  /** Creates (`id` null) or replaces a notification; returns its id. */
  async saveNotification(config: Record<string, unknown>, id: number | null): Promise<number> {
    const res = await this.ok("addNotification", config, id);
    return res.id as number;
  }

  /** Deletes a notification; returns false when there was none with that id. */
  async deleteNotification(id: number): Promise<boolean> {
    const res = await this.call("deleteNotification", id);
    if (res.ok === true) return true;
    if (res.msg === "notification not found") return false;
    throw new Error(`Uptime Kuma "deleteNotification" failed: ${res.msg}`);
  }

  // Status pages

  async addStatusPage(title: string, slug: string): Promise<void> {
    await this.ok("addStatusPage", title, slug);
  }

  /** Saves a page's settings and replaces its groups. `icon` is a URL (a PNG data URL is uploaded). */
  async saveStatusPage(
    slug: string,
    config: KumaStatusPageConfig & { logo: string },
    icon: string,
    groups: KumaStatusPageGroup[],
  ): Promise<void> {
    await this.ok("saveStatusPage", slug, config, icon, groups);
  }

  /** The page's settings, or undefined when there is no page with that slug. */
  async getStatusPage(
    slug: string,
  ): Promise<(KumaStatusPageConfig & { id: number; icon: string }) | undefined> {
    const res = await this.call("getStatusPage", slug);
    if (res.ok === true) return res.config as KumaStatusPageConfig & { id: number; icon: string };
    if (res.msg === "No slug?") return undefined;
    throw new Error(`Uptime Kuma "getStatusPage" failed: ${res.msg}`);
  }

  /**
   * The page's groups, from the public HTTP API (the socket API has no call for them). Only ask for a
   * page that exists: for an unknown slug that endpoint never answers.
   */
  async statusPageGroups(slug: string): Promise<KumaStatusPageGroup[]> {
    const res = await fetch(`${this.url}/api/status-page/${encodeURIComponent(slug)}`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`Uptime Kuma status page ${slug}: HTTP ${res.status}`);
    const body = (await res.json()) as { publicGroupList: KumaStatusPageGroup[] };
    return body.publicGroupList;
  }

  /** Deletes a page with its groups; returns false when there was none with that slug. */
  async deleteStatusPage(slug: string): Promise<boolean> {
    const res = await this.call("deleteStatusPage", slug);
    if (res.ok === true) return true;
    if (res.msg === "Status Page is not found") return false;
    throw new Error(`Uptime Kuma "deleteStatusPage" failed: ${res.msg}`);
  }
}

/** Runs `fn` with a logged-in client and always closes the socket. */
export async function withClient<T>(
  conn: UptimeKumaConnection,
  fn: (client: UptimeKumaClient) => Promise<T>,
  options: ConnectOptions = {},
): Promise<T> {
  const client = await UptimeKumaClient.connect(conn, options);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
