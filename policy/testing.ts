/**
 * Running the policies without the Pulumi CLI, for test/policy.test.ts: the approach of Pulumi's own
 * policy packs (pulumi-policy-aws `tests/util.ts`): build `ResourceValidationArgs` and call each
 * policy's `validateResource` with a `reportViolation` that records. Two things make it faithful:
 *
 * - props go through `@pulumi/policy`'s own deserialisation and unknown-checking proxy, so a Pulumi
 *   secret reaches the policy exactly as in `pulumi preview`: as its plaintext, without a marker;
 * - the options of the real program's resources (`protect`, `retainOnDelete`,
 *   `additionalSecretOutputs`) are taken from the registrations the program sends to the mock monitor.
 */
import type {
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import * as policyDeserialize from "@pulumi/policy/deserialize";
import * as policyProxy from "@pulumi/policy/proxy";
import * as mocks from "@pulumi/pulumi/runtime/mocks";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { PROJECT } from "../stacks/config";
import { runStack, type RecordedResource, type StackRun } from "../stacks/mock-runtime";

/** `@pulumi/policy` internals (their typings are stripped): the analyzer's own deserialisation. */
const deserializeProperties = (
  policyDeserialize as unknown as {
    deserializeProperties(this: void, s: structproto.Struct, proxySecrets: boolean): Record<string, unknown>;
  }
).deserializeProperties;
const unknownCheckingProxy = (policyProxy as unknown as { unknownCheckingProxy<T>(this: void, o: T): T })
  .unknownCheckingProxy;

/** The inputs as a policy's `args.props` shows them: secrets unwrapped, unknowns trapped. */
export function asPolicySees(inputs: Record<string, unknown>, proxySecrets = false): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(inputs)) as Record<string, structproto.JavaScriptValue>;
  const props = deserializeProperties(structproto.Struct.fromJavaScript(json), proxySecrets);
  return proxySecrets ? props : unknownCheckingProxy(props);
}

/** Options of a registration, as the program sent them. */
export interface RegistrationOptions {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly additionalSecretOutputs: string[];
}

export const NO_OPTIONS: RegistrationOptions = {
  protect: false,
  retainOnDelete: false,
  additionalSecretOutputs: [],
};

export interface RunWithOptions {
  readonly run: StackRun;
  /** By `type name`. */
  readonly options: ReadonlyMap<string, RegistrationOptions>;
}

type RegisterResource = (req: resproto.RegisterResourceRequest, callback: unknown) => Promise<void>;

/**
 * Runs a stack under mocks (as the render does) and records each registration's options, which the
 * mocks' `newResource` never sees: the mock monitor's `registerResource` is wrapped for the run.
 */
export async function runWithOptions(stack: string): Promise<RunWithOptions> {
  const monitor = (mocks as unknown as { MockMonitor: { prototype: { registerResource: RegisterResource } } })
    .MockMonitor.prototype;
  const original = monitor.registerResource;
  const options = new Map<string, RegistrationOptions>();
  monitor.registerResource = function (this: unknown, req, callback) {
    options.set(`${req.getType()} ${req.getName()}`, {
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    });
    return original.call(this, req, callback);
  };
  try {
    return { run: await runStack(stack), options };
  } finally {
    monitor.registerResource = original;
  }
}

/** A resource to validate: the fields tests set, the rest defaulted. */
export interface TestResource {
  readonly type: string;
  readonly name?: string;
  /** Inputs as the program would pass them (Pulumi secret markers allowed). */
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  readonly additionalSecretOutputs?: string[];
}

const urnOf = (stack: string, type: string, name: string) =>
  `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;

function optionsOf(r: TestResource): PolicyResourceOptions {
  return {
    protect: r.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: r.additionalSecretOutputs ?? [],
  };
}

class NotApplicable extends Error {}

const isTypeOf = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;

export function resourceArgs(r: TestResource, stack = "test"): ResourceValidationArgs {
  const name = r.name ?? "test-resource";
  const props = asPolicySees(r.props);
  return {
    type: r.type,
    props,
    urn: urnOf(stack, r.type, name),
    name,
    opts: optionsOf(r),
    stackTags: new Map(),
    isType: isTypeOf(r.type),
    asType: ((cls: unknown) =>
      isTypeOf(r.type)(cls) ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

export function stackArgs(resources: readonly TestResource[], stack = "test"): StackValidationArgs {
  const policyResources: PolicyResource[] = resources.map((r) => {
    const name = r.name ?? "test-resource";
    const props = asPolicySees(r.props);
    return {
      type: r.type,
      props,
      urn: urnOf(stack, r.type, name),
      name,
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: isTypeOf(r.type),
      asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? props : undefined)) as PolicyResource["asType"],
    };
  });
  return {
    resources: policyResources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

/** A violation: the policy, the resource it concerns (`type name`, or the stack) and the message. */
export interface Violation {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
  return "validateResource" in p;
}

/** The messages a resource policy reports for one resource. */
export async function runResourcePolicy(
  policy: ResourceValidationPolicy,
  args: ResourceValidationArgs,
): Promise<string[]> {
  const messages: string[] = [];
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  for (const validate of validations) {
    try {
      await validate?.(args, (message) => messages.push(message));
    } catch (e) {
      if (!(e instanceof NotApplicable)) throw e;
    }
  }
  return messages;
}

/** The violations a stack policy reports: `[urn or "stack", message]`. */
export async function runStackPolicy(
  policy: StackValidationPolicy,
  args: StackValidationArgs,
): Promise<[string, string][]> {
  const found: [string, string][] = [];
  await policy.validateStack(args, (message, urn) => found.push([urn ?? "stack", message]));
  return found;
}

/** A recorded resource with its registration options, ready for the policies. */
export function testResourceOf(
  r: RecordedResource,
  options: ReadonlyMap<string, RegistrationOptions>,
): TestResource {
  const o = options.get(`${r.type} ${r.name}`) ?? NO_OPTIONS;
  return {
    type: r.type,
    name: r.name,
    props: r.inputs,
    protect: o.protect,
    additionalSecretOutputs: o.additionalSecretOutputs,
  };
}

/** Every violation of `policies` over every custom resource of a run. */
export async function runViolations(
  { run, options }: RunWithOptions,
  policies: readonly Policy[],
): Promise<Violation[]> {
  const resources = run.resources.filter((r) => r.custom).map((r) => testResourceOf(r, options));
  const violations: Violation[] = [];
  for (const policy of policies) {
    if (isResourcePolicy(policy)) {
      for (const r of resources) {
        for (const message of await runResourcePolicy(policy, resourceArgs(r, run.stack))) {
          violations.push({ policy: policy.name, resource: `${r.type} ${r.name}`, message });
        }
      }
    } else {
      const byUrn = new Map(
        resources.map((r) => [urnOf(run.stack, r.type, r.name ?? ""), `${r.type} ${r.name}`]),
      );
      for (const [urn, message] of await runStackPolicy(
        policy as StackValidationPolicy,
        stackArgs(resources, run.stack),
      )) {
        violations.push({ policy: policy.name, resource: byUrn.get(urn) ?? urn, message });
      }
    }
  }
  return violations;
}
