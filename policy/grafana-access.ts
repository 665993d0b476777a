/**
 * Grafana's anonymous access stays off: its dashboards show tenants, incidents and the platform's
 * weak spots. Grafana's own default is off; the policy wants it off explicitly wherever Grafana is
 * configured (`grafana.ini` in the chart values), and never switched on by an environment variable
 * (`GF_AUTH_ANONYMOUS_ENABLED`) or a `grafana.ini` in a ConfigMap.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, containersOf, dotted, entries, items, known, releaseOf, str, TYPES, walk } from "./kubernetes";

const ANONYMOUS_ENV = "GF_AUTH_ANONYMOUS_ENABLED";

const isOn = (v: unknown) => v === true || (typeof v === "string" && v.trim().toLowerCase() === "true");

/** `[auth.anonymous]` with `enabled = true` in an INI text. */
function iniEnablesAnonymous(text: string): boolean {
  let inSection = false;
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (section) inSection = section[1].trim() === "auth.anonymous";
    else if (inSection && /^\s*enabled\s*=\s*true\s*(?:[;#].*)?$/i.test(line)) return true;
  }
  return false;
}

/** Grafana's settings in a chart's values: where `grafana.ini` lives, if the chart runs Grafana. */
function grafanaIniPath(chart: string, values: unknown): string[] | undefined {
  if (chart === "grafana") return ["grafana.ini"];
  if (chart === "kube-prometheus-stack" && at(values, ["grafana", "enabled"]) !== false) {
    return ["grafana", "grafana.ini"];
  }
  return undefined;
}

export function anonymousAccessProblems(type: string, props: unknown): string[] {
  const problems: string[] = [];
  if (type === TYPES.release) {
    const { chart, values } = releaseOf(props);
    const ini = grafanaIniPath(chart, values);
    if (ini && at(values, [...ini, "auth.anonymous", "enabled"]) !== false) {
      problems.push(`${chart} ${dotted([...ini, "auth.anonymous", "enabled"])} must be false`);
    }
    for (const node of walk(values)) {
      if (node.key === ANONYMOUS_ENV && isOn(node.value)) {
        problems.push(`${chart} ${dotted(node.path)} switches anonymous access on`);
      }
      // `env: [{ name: GF_AUTH_ANONYMOUS_ENABLED, value: "true" }]`
      if (known(node.value, "name") === ANONYMOUS_ENV && isOn(known(node.value, "value"))) {
        problems.push(`${chart} ${dotted(node.path)} switches anonymous access on`);
      }
    }
  } else if (type === TYPES.configMap) {
    for (const [file, text] of entries(known(props, "data"))) {
      if (typeof text === "string" && iniEnablesAnonymous(text)) {
        problems.push(`data.${file}: [auth.anonymous] enabled = true`);
      }
    }
  } else {
    for (const { kind, name, container } of containersOf(type, props)) {
      for (const env of items(known(container, "env"))) {
        if (str(known(env, "name")) === ANONYMOUS_ENV && isOn(known(env, "value"))) {
          problems.push(`${kind} ${name}: ${ANONYMOUS_ENV}=true`);
        }
      }
    }
  }
  return problems;
}

export const grafanaAnonymousAccessOff: ResourceValidationPolicy = {
  name: "grafana-anonymous-access-off",
  description:
    "Grafana's auth.anonymous is explicitly disabled, and no environment variable or grafana.ini switches it on.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    for (const p of anonymousAccessProblems(args.type, args.props)) reportViolation(p);
  },
};
