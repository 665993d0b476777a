/**
 * Runs the real Pulumi program in-process under Pulumi's mocks, with a stack's real config, and
 * records every resource it registers. Used by the offline render and by the tests; nothing here
 * talks to a cloud, a cluster or the Pulumi service.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import * as YAML from "yaml";
import { parseStackConfig, PROJECT, type StackConfig } from "./config";
import program from "./index";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** A resource as the program registered it: its type token, its name and its inputs. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** Inputs as the engine would receive them; secret values are {@link SecretValue}s. */
  readonly inputs: Record<string, unknown>;
}

/** A value the program marked secret, as the mock monitor receives it. */
export interface SecretValue {
  readonly [rpc.specialSigKey]: typeof rpc.specialSecretSig;
  readonly value: unknown;
}

export function isSecretValue(v: unknown): v is SecretValue {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig
  );
}

/** Strips secret markers, for assertions on what a secret input holds. */
export function reveal<T = unknown>(v: unknown): T {
  if (isSecretValue(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map((x) => reveal(x)) as T;
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)])) as T;
  }
  return v as T;
}

export interface StackConfigFile {
  /** Fully qualified key (`project:key`) to the string Pulumi would hand the program. */
  readonly config: Record<string, string>;
  /** Fully qualified keys whose values are secrets. */
  readonly secretKeys: string[];
  /** Stand-in values of the `secure:` entries, which only the stack's backend can decrypt. */
  readonly secretPlaceholders: string[];
}

/** The stand-in for a `secure:` config value: deterministic, and recognisable in any output. */
export function secretPlaceholder(stack: string, key: string): string {
  return `placeholder-secret-${createHash("sha256").update(`${stack}/${key}`).digest("hex").slice(0, 16)}`;
}

function toConfigString(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * Reads `Pulumi.yaml` project defaults and `Pulumi.<stack>.yaml`, as `pulumi` would merge them.
 * `overrides` (fully qualified keys; `undefined` deletes) let tests try bad config on a real stack.
 */
export function readStackConfig(
  stack: string,
  overrides: Record<string, unknown> = {},
  root = REPO_ROOT,
): StackConfigFile {
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    throw new Error(
      `unknown stack "${stack}": no ${path.basename(stackFile)}; stacks: ${listStacks(root).join(", ")}`,
    );
  }
  const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const stackDoc = (YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as {
    config?: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const secretPlaceholders: string[] = [];
  const qualify = (k: string) => (k.includes(":") ? k : `${PROJECT}:${k}`);
  for (const [k, v] of Object.entries(project.config ?? {})) {
    // Project-level config is either a bare default or `{ value, type, description }`.
    const value = typeof v === "object" && v !== null && "value" in v ? v.value : v;
    if (value !== undefined) config[qualify(k)] = toConfigString(value);
  }
  const qualifiedOverrides = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [qualify(k), v]));
  for (const [k, v] of Object.entries({ ...(stackDoc.config ?? {}), ...qualifiedOverrides })) {
    const key = qualify(k);
    if (v === undefined) {
      delete config[key];
    } else if (typeof v === "object" && v !== null && "secure" in v) {
      const placeholder = secretPlaceholder(stack, key);
      config[key] = placeholder;
      secretKeys.push(key);
      secretPlaceholders.push(placeholder);
    } else {
      config[key] = toConfigString(v);
    }
  }
  return { config, secretKeys, secretPlaceholders };
}

/**
 * A stack's config as `pulumi preview` would validate it, straight from its files (no mocks): for
 * pure builders (rule context, dashboards) and tests. `overrides` as in {@link readStackConfig}.
 */
export function parseStackFile(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
  const file = readStackConfig(stack, overrides);
  const prefix = `${PROJECT}:`;
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(file.config)) {
    if (k.startsWith(prefix)) raw[k.slice(prefix.length)] = v;
  }
  return parseStackConfig(raw, (key) => file.secretKeys.includes(`${prefix}${key}`));
}

export interface StackRun {
  readonly stack: string;
  readonly resources: RecordedResource[];
  /** Stack outputs, resolved; secret outputs are {@link SecretValue}s. */
  readonly outputs: Record<string, unknown>;
  /** Every secret plaintext the run knows of (config placeholders and mocked generated secrets). */
  readonly secretValues: string[];
}

/** Outputs that providers compute and that the program reads back. */
function computedOutputs(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  secret: (label: string) => pulumi.Output<string>,
): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return { result: secret(`${type}/${name}/result`), bcryptHash: secret(`${type}/${name}/bcrypt`) };
    case "pagerduty:index/serviceIntegration:ServiceIntegration":
      return { integrationKey: secret(`${type}/${name}/key`) };
    case "pagerduty:index/service:Service":
    case "pagerduty:index/escalationPolicy:EscalationPolicy":
      return { htmlUrl: `https://cameleer.pagerduty.com/mock/${name}` };
    case "kubernetes:helm.sh/v3:Release":
      return {
        status: {
          name: inputs.name ?? name,
          namespace: inputs.namespace ?? "default",
          status: "deployed",
          version: inputs.version,
        },
      };
    default:
      break;
  }
  if (type.startsWith("kubernetes:")) {
    const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
    return { metadata: { ...metadata, name: metadata.name ?? name } };
  }
  if (type.startsWith("grafana:")) {
    const uid = (inputs.uid as string | undefined) ?? name;
    return { uid, url: `https://grafana.mock/${uid}` };
  }
  return {};
}

/** Pulumi's hook that drains outstanding registrations; internal to the SDK, hence the cast. */
const waitForRPCs = (): Promise<void> =>
  (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

async function resolveOutput(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) {
    const secret = await pulumi.isSecret(v);
    const value = await new Promise<unknown>((resolve) => v.apply((x) => resolve(x)));
    const resolved = await resolveOutput(value);
    return secret ? { [rpc.specialSigKey]: rpc.specialSecretSig, value: resolved } : resolved;
  }
  if (v instanceof Promise) return resolveOutput(await v);
  if (Array.isArray(v)) return Promise.all(v.map(resolveOutput));
  if (typeof v === "object" && v !== null && !pulumi.Resource.isInstance(v)) {
    const entries = await Promise.all(
      Object.entries(v).map(async ([k, x]) => [k, await resolveOutput(x)] as const),
    );
    return Object.fromEntries(entries);
  }
  return v;
}

export interface RunOptions {
  /** Config overrides, fully qualified keys (`platform-monitoring:thresholds`); `undefined` deletes. */
  readonly overrides?: Record<string, unknown>;
  /** Called for each resource as it is registered (a failed run returns nothing to inspect). */
  readonly onResource?: (resource: RecordedResource) => void;
}

/**
 * Runs the program of `stacks/index.ts` for `stack` under mocks and returns what it registered.
 * `setMocks` is process-wide, so runs must not overlap; tests call it in `before()`.
 */
export async function runStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
  const file = readStackConfig(stack, options.overrides);
  const resources: RecordedResource[] = [];
  const secretValues = new Set<string>(file.secretPlaceholders);
  const secret = (label: string) => {
    const value = `mock-secret-${createHash("sha256").update(`${stack}/${label}`).digest("hex").slice(0, 20)}`;
    secretValues.add(value);
    return pulumi.secret(value);
  };
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const inputs = args.inputs as Record<string, unknown>;
        const resource = { type: args.type, name: args.name, custom: args.custom ?? true, inputs };
        resources.push(resource);
        options.onResource?.(resource);
        return {
          id: `${args.name}-id`,
          state: { ...inputs, ...computedOutputs(args.type, args.name, inputs, secret) },
        };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        throw new Error(`unexpected provider function call ${args.token}: the mocks know no functions`);
      },
    },
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(file.config, file.secretKeys);
  // Pulumi accepts a program returning outputs or a promise of them; so does this runner.
  const outputs = (await resolveOutput(await Promise.resolve(program()))) as Record<string, unknown>;
  await waitForRPCs();
  return { stack, resources, outputs, secretValues: [...secretValues].sort() };
}

/** The stacks this repository defines, from the `Pulumi.<stack>.yaml` files beside `Pulumi.yaml`. */
export function listStacks(root = REPO_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}
