/**
 * No plaintext credential in a Kubernetes object, a Helm release's values or a pod's environment.
 *
 * How `@pulumi/policy` shows secrets: `validateResource` receives the inputs with every Pulumi secret
 * already unwrapped to its plaintext (the SDK deserialises them with `proxySecrets = false`), so a
 * policy cannot ask "is this value a secret?". Only remediations see `policy.Secret` wrappers. What a
 * validation can see is `args.opts.additionalSecretOutputs`: `@pulumi/kubernetes` registers every
 * Secret with `data` and `stringData` there (and wraps both inputs in `pulumi.secret`), so the engine
 * encrypts them in the state. A Secret registered any other way lacks it. Where the values came from
 * (`pulumi config set --secret`, a generated password, or a literal in the code) is invisible to any
 * policy: the config layer rejects credentials not set with `--secret`, and test/security.test.ts
 * checks, under mocks where secretness is visible, that every Secret's data is a Pulumi secret.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, dotted, entries, items, known, releaseOf, str, TYPES } from "./kubernetes";

/** A value shape that is a credential wherever it appears in plain text. */
export interface CredentialShape {
  readonly name: string;
  readonly pattern: RegExp;
}

export const CREDENTIAL_SHAPES: readonly CredentialShape[] = [
  {
    name: "Slack webhook URL",
    pattern: /https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/[A-Za-z0-9/_-]+/,
  },
  { name: "Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  {
    name: "PagerDuty key",
    pattern:
      /\b(routing_key|service_key|integration_key|pagerduty_token)["']?\s*[:=]\s*["']?[A-Za-z0-9+_-]{20,}/i,
  },
  { name: "PagerDuty REST API token", pattern: /\bu\+[A-Za-z0-9_-]{18}\b/ },
  { name: "AWS access key ID", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "private key", pattern: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/ },
  { name: "GitHub token", pattern: /\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\b/ },
  { name: "JSON web token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: "URL with a password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i },
];

/** The credential shapes found in a text. */
export function credentialShapesIn(text: string): string[] {
  return CREDENTIAL_SHAPES.filter((s) => s.pattern.test(text)).map((s) => s.name);
}

const normalise = (key: string) => key.toLowerCase().replace(/[-_.\s]/g, "");

/** Key names whose string value is a credential. */
const CREDENTIAL_KEY =
  /(password|passwd|passphrase|token|secret|apikey|accesskey|privatekey|webhook|credential|routingkey|servicekey|integrationkey|bearer)/;

/** Keys that match {@link CREDENTIAL_KEY} but name a credential's location, not its value. */
const REFERENCE_SUFFIXES = [
  "secretname",
  "existingsecret",
  "secretref",
  "keyref",
  "file",
  "path",
  "passwordkey",
  "tokenkey",
  "userkey",
  "usernamekey",
  "passwordsecret",
  "tokensecret",
  "credentialssecret",
  "configsecret",
  "tokenurl",
  "authurl",
];

/** Keys whose object or list value refers to Secrets by name (`existingSecret`, `extraEnvSecrets`). */
const REFERENCE_CONTAINER = /(secrets?|secretref|secretkeyref|existingsecret|valuefrom|envfrom)$/;

/** Whether a string under `key` is a literal credential. */
export function isCredentialKey(key: string): boolean {
  const k = normalise(key);
  return CREDENTIAL_KEY.test(k) && !REFERENCE_SUFFIXES.some((s) => k.endsWith(s));
}

/** Well-known default passwords: never acceptable, even in a Secret. */
export const DEFAULT_PASSWORDS = [
  "admin",
  "administrator",
  "password",
  "passw0rd",
  "changeme",
  "change-me",
  "changeit",
  "prom-operator",
  "secret",
  "default",
  "root",
  "test",
  "grafana",
  "letmein",
  "123456",
  "12345678",
];

/** Literal credentials in a tree of values (Helm values, ConfigMap data): messages with their paths. */
export function literalCredentials(values: unknown, where: string): string[] {
  const problems: string[] = [];
  const visit = (value: unknown, path: readonly string[], inReference: boolean) => {
    const children: [string, unknown][] = Array.isArray(value)
      ? items(value).map((x, i) => [String(i), x])
      : entries(value);
    for (const [key, v] of children) {
      const p = [...path, key];
      if (typeof v === "string") {
        // An array element is named by the array's key.
        const name = /^[0-9]+$/.test(key) ? (path[path.length - 1] ?? key) : key;
        if (!inReference && v.trim() !== "" && isCredentialKey(name)) {
          problems.push(`${where} ${dotted(p)}: a literal credential; reference a Secret instead`);
        }
        for (const shape of credentialShapesIn(v)) {
          problems.push(`${where} ${dotted(p)}: contains a ${shape}`);
        }
      } else if (typeof v === "object" && v !== null) {
        visit(v, p, inReference || REFERENCE_CONTAINER.test(normalise(key)));
      }
    }
  };
  visit(values, [], false);
  return problems;
}

function base64Decoded(v: string): string {
  return Buffer.from(v, "base64").toString("utf8");
}

/** Problems of a Kubernetes Secret, given its inputs and its `additionalSecretOutputs`. */
export function secretProblems(props: unknown, additionalSecretOutputs: readonly string[]): string[] {
  const problems: string[] = [];
  for (const field of ["data", "stringData"] as const) {
    const data = known(props, field);
    if (data === undefined) continue;
    if (!additionalSecretOutputs.includes(field)) {
      problems.push(
        `${field} is not registered as a secret output, so the state would hold it in plain text; create Secrets with k8s.core.v1.Secret and pulumi.secret()`,
      );
    }
    for (const [key, raw] of entries(data)) {
      if (typeof raw !== "string" || !isCredentialKey(key)) continue;
      const value = (field === "data" ? base64Decoded(raw) : raw).trim();
      if (value === "") problems.push(`${field}.${key}: an empty credential`);
      else if (DEFAULT_PASSWORDS.includes(value.toLowerCase())) {
        problems.push(`${field}.${key}: a well-known default password`);
      }
    }
  }
  return problems;
}

/** Environment variables with a literal credential value, in a workload we create. */
function environmentProblems(type: string, props: unknown): string[] {
  return containersOf(type, props).flatMap(({ kind, name, container }) =>
    items(known(container, "env")).flatMap((env) => {
      const envName = str(known(env, "name")) ?? "";
      const value = str(known(env, "value"));
      if (value === undefined || value.trim() === "") return [];
      const where = `${kind} ${name} env ${envName}`;
      return [
        ...(isCredentialKey(envName) ? [`${where}: a literal credential; use valueFrom.secretKeyRef`] : []),
        ...credentialShapesIn(value).map((shape) => `${where}: contains a ${shape}`),
      ];
    }),
  );
}

/** Every plaintext-credential problem of a resource. */
export function credentialProblems(
  type: string,
  props: unknown,
  additionalSecretOutputs: readonly string[],
): string[] {
  if (type === TYPES.secret) return secretProblems(props, additionalSecretOutputs);
  if (type === TYPES.release) {
    const { chart, values } = releaseOf(props);
    return literalCredentials(values, `values of ${chart}:`);
  }
  if (type === TYPES.configMap) return literalCredentials(known(props, "data"), "data:");
  return environmentProblems(type, props);
}

/**
 * No Kubernetes Secret whose data the state would keep in plain text or that holds a default
 * password; no credential in a Helm release's values, a ConfigMap or a pod's environment, whether
 * named like one (`password`, `token`, `apiKey`, `webhook`...) or shaped like one (Slack, PagerDuty,
 * AWS, GitHub, private keys). References to existing Secrets (`existingSecret`, `passwordSecret`,
 * `*_file`) are fine.
 */
export const noPlaintextCredentials: ResourceValidationPolicy = {
  name: "no-plaintext-credentials",
  description:
    "Kubernetes Secret data is a Pulumi secret and no default password; no literal credential in Helm values, ConfigMaps or pod environments.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    for (const p of credentialProblems(args.type, args.props, args.opts.additionalSecretOutputs ?? [])) {
      reportViolation(p);
    }
  },
};
