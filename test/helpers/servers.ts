/**
 * Real servers for end-to-end tests, all on 127.0.0.1 and free ports: Prometheus and Alertmanager
 * from Debian's packages, plus tiny HTTP servers the test controls (a metrics endpoint, a fake
 * PagerDuty Events API, a fake dead-man's-switch push endpoint). Every server is stopped by its test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/** A port the OS just handed out on 127.0.0.1 (closed again, so a server can take it). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every `everyMs` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    return res.ok;
  } catch {
    return false;
  }
}

export interface ManagedProcess {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  readonly dir: string;
  /** Output so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

async function startProcess(
  name: string,
  command: string,
  args: (port: number, dir: string) => string[],
  readyPath: string,
  pkg: string,
): Promise<ManagedProcess> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  let output = "";
  const child = spawn(command, args(port, dir), { stdio: ["ignore", "pipe", "pipe"] });
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const managed: ManagedProcess = {
    name,
    url,
    process: child,
    dir,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        process.kill(child.pid, "SIGTERM");
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null) process.kill(child.pid, "SIGKILL");
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.race([
      waitFor(`${name} ready`, async () => ((await httpOk(`${url}${readyPath}`)) ? true : undefined), 30_000),
      spawnError.then((e) => {
        throw (e as NodeJS.ErrnoException).code === "ENOENT"
          ? new Error(`${command} is not installed: apt-get install ${pkg} (bash .ci/run does)`)
          : e;
      }),
      new Promise((_, reject) =>
        child.once("exit", (code) => reject(new Error(`${name} exited with ${code}:\n${output}`))),
      ),
    ]);
  } catch (e) {
    await managed.stop();
    throw e;
  }
  return managed;
}

/**
 * Prometheus with `config` (prometheus.yml text); `files` are written beside it first. `extraArgs`
 * are further flags, e.g. a shorter `--rules.alert.resend-delay` for tests with second intervals.
 */
export async function startPrometheus(
  config: string,
  files: Record<string, string> = {},
  extraArgs: string[] = [],
): Promise<ManagedProcess> {
  const confDir = fs.mkdtempSync(path.join(os.tmpdir(), "prometheus-conf-"));
  for (const [name, content] of Object.entries({ ...files, "prometheus.yml": config })) {
    fs.writeFileSync(path.join(confDir, name), content);
  }
  const p = await startProcess(
    "prometheus",
    "prometheus",
    (port, dir) => [
      `--config.file=${path.join(confDir, "prometheus.yml")}`,
      `--storage.tsdb.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
      ...extraArgs,
    ],
    "/-/ready",
    "prometheus",
  );
  return {
    ...p,
    stop: async () => {
      await p.stop();
      fs.rmSync(confDir, { recursive: true, force: true });
    },
  };
}

/** Alertmanager (Debian's `prometheus-alertmanager`), clustering off, with `config` as its file. */
export async function startAlertmanager(config: string): Promise<ManagedProcess> {
  const confDir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-conf-"));
  fs.writeFileSync(path.join(confDir, "alertmanager.yml"), config);
  const am = await startProcess(
    "alertmanager",
    "prometheus-alertmanager",
    (port, dir) => [
      `--config.file=${path.join(confDir, "alertmanager.yml")}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    "/-/ready",
    "prometheus-alertmanager",
  );
  return {
    ...am,
    stop: async () => {
      await am.stop();
      fs.rmSync(confDir, { recursive: true, force: true });
    },
  };
}

export interface RecordedRequest {
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

export interface TestHttpServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers with `respond`. */
export async function startHttpServer(
  respond: (req: RecordedRequest) => { status: number; body?: string; contentType?: string },
): Promise<TestHttpServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const recorded = { at: Date.now(), method: req.method ?? "", url: req.url ?? "", body };
      requests.push(recorded);
      const answer = respond(recorded);
      res.writeHead(answer.status, { "content-type": answer.contentType ?? "text/plain" });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A metrics endpoint serving whatever text exposition the test sets. */
export async function startMetricsEndpoint(
  initial: string,
): Promise<TestHttpServer & { set(text: string): void }> {
  let text = initial;
  const server = await startHttpServer(() => ({
    status: 200,
    body: text,
    contentType: "text/plain; version=0.0.4",
  }));
  return { ...server, set: (t: string) => (text = t) };
}

/** A PagerDuty Events API v2 stand-in: answers 202 like PagerDuty and keeps every event. */
export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: "trigger" | "acknowledge" | "resolve";
  readonly dedup_key: string;
  readonly payload?: {
    summary: string;
    severity: string;
    source: string;
    custom_details?: Record<string, string>;
  };
  readonly links?: { href: string; text: string }[];
  readonly at: number;
}

export async function startFakePagerDuty(): Promise<TestHttpServer & { events(): PagerDutyEvent[] }> {
  const server = await startHttpServer(() => ({
    status: 202,
    contentType: "application/json",
    body: '{"status":"success","message":"Event processed"}',
  }));
  return {
    ...server,
    events: () =>
      server.requests
        .filter((r) => r.method === "POST")
        .map((r) => ({ ...(JSON.parse(r.body) as Omit<PagerDutyEvent, "at">), at: r.at })),
  };
}
