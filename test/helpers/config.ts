import { PROJECT, parseStackConfig, type StackConfig } from "../../stacks/config";
import { readStackConfig } from "../../stacks/mock-runtime";

/**
 * Parses a real stack's config with overrides, as `pulumi preview` would see it. Override keys are
 * unqualified (`prometheus`) or qualified (`platform-monitoring:prometheus`); `undefined` deletes.
 * `plainSecrets` lists keys given as plain (non-`secure:`) values on purpose.
 */
export function parseStack(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
  const file = readStackConfig(stack, overrides);
  const prefix = `${PROJECT}:`;
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(file.config)) {
    if (k.startsWith(prefix)) raw[k.slice(prefix.length)] = v;
  }
  return parseStackConfig(raw, (key) => file.secretKeys.includes(`${prefix}${key}`));
}

/** The stack file's value of a structured key, for tests that change one field of it. */
export function stackValue<T extends object = Record<string, unknown>>(stack: string, key: string): T {
  const file = readStackConfig(stack);
  return JSON.parse(file.config[`${PROJECT}:${key}`]) as T;
}
