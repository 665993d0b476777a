/**
 * A real Uptime Kuma server for a test suite: installed by `test/uptime-kuma-server/install.sh`, run on a
 * free port of 127.0.0.1 with a fresh data directory, set up with an admin account, stopped and deleted
 * after the suite.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { UptimeKumaClient, type UptimeKumaConnection } from "../../components/uptime-kuma/client";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const UPTIME_KUMA_PACKAGE = path.join(
  REPO_ROOT,
  "test",
  ".cache",
  "uptime-kuma",
  "node_modules",
  "uptime-kuma",
);
const INSTALL = "bash test/uptime-kuma-server/install.sh";

export interface UptimeKumaServer {
  readonly url: string;
  readonly port: number;
  /** The admin account (created by `setup` unless the server was started without it). */
  readonly connection: UptimeKumaConnection;
  readonly dataDir: string;
  /** Everything the server printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Throws, telling how to install it, when the server package is missing. */
export function requireUptimeKumaInstalled(): string {
  const entry = path.join(UPTIME_KUMA_PACKAGE, "server", "server.js");
  if (!fs.existsSync(entry)) {
    throw new Error(
      `Uptime Kuma is not installed (no ${path.relative(REPO_ROOT, entry)}): run \`${INSTALL}\``,
    );
  }
  if (
    !fs.existsSync(path.join(UPTIME_KUMA_PACKAGE, "db", "old_migrations", "patch-add-timeout-monitor.sql"))
  ) {
    throw new Error(`Uptime Kuma is installed without its migration fix: run \`${INSTALL}\` again`);
  }
  return UPTIME_KUMA_PACKAGE;
}

/** A port the OS says is free on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

export interface ServerOptions {
  /** Create the admin account (`connection`) right away, as an operator would. Defaults to true. */
  readonly setup?: boolean;
}

/** Starts a server and creates its admin account. The caller must `stop()` it, even on failure. */
export async function startUptimeKumaServer(options: ServerOptions = {}): Promise<UptimeKumaServer> {
  const pkg = requireUptimeKumaInstalled();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "uptime-kuma-test-"));
  // Without it the server shows a database-choice page, then runs MySQL-only SQL against SQLite
  // (its `sqlHourOffset` tests `client`, which only this file sets).
  fs.writeFileSync(
    path.join(dataDir, "db-config.json"),
    JSON.stringify({ type: "sqlite", client: "sqlite3" }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production" };
  for (const k of Object.keys(env)) {
    if (k.startsWith("UPTIME_KUMA_") || ["DATA_DIR", "PORT", "HOST"].includes(k) || /_proxy$/i.test(k)) {
      delete env[k];
    }
  }
  // The server checks for updates on the internet at start. Only 127.0.0.1 is reachable here, so every
  // request except those to 127.0.0.1 goes to a closed local port and fails at once.
  Object.assign(env, {
    HTTP_PROXY: "http://127.0.0.1:9",
    HTTPS_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "127.0.0.1,localhost",
  });
  const child = spawn(
    process.execPath,
    ["server/server.js", `--port=${port}`, "--host=127.0.0.1", `--data-dir=${dataDir}${path.sep}`],
    { cwd: pkg, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  // Should the test process die without running `after()`, the server must not outlive it.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  const connection = { url, username: "admin", password: "kuma-test-Passw0rd" };
  const server: UptimeKumaServer = {
    url,
    port,
    connection,
    dataDir,
    output: () => output,
    async stop() {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, "SIGTERM");
        const killed = await Promise.race([exited(child).then(() => true), sleep(5_000).then(() => false)]);
        if (!killed) process.kill(child.pid, "SIGKILL");
        await exited(child);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };

  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Uptime Kuma exited with ${child.exitCode}`);
      try {
        const res = await fetch(`${url}/api/entry-page`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error("Uptime Kuma did not answer within 60 s");
      await sleep(250);
    }
    if (options.setup ?? true) {
      const client = await UptimeKumaClient.open(url);
      try {
        await client.setup(connection.username, connection.password);
      } finally {
        client.close();
      }
    }
    return server;
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\n--- server output ---\n${output.slice(-4_000)}`);
  }
}

/**
 * Runs a server for the enclosing `describe`: started in `before()`, stopped in `after()` (which mocha
 * runs even when tests or `before()` fail). Returns an accessor for the running server.
 */
export function useUptimeKumaServer(options: ServerOptions = {}): () => UptimeKumaServer {
  let server: UptimeKumaServer | undefined;
  before(async function () {
    this.timeout(90_000);
    server = await startUptimeKumaServer(options);
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("the Uptime Kuma server is not running");
    return server;
  };
}
