import { PROJECT, type StackConfig } from "../../stacks/config";
import { parseStackFile, readStackConfig } from "../../stacks/mock-runtime";

/**
 * Parses a real stack's config with overrides, as `pulumi preview` would see it. Override keys are
 * unqualified (`prometheus`) or qualified (`platform-monitoring:prometheus`); `undefined` deletes; a
 * plain string for a secret key stands for a credential set without `--secret`.
 */
export function parseStack(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
  return parseStackFile(stack, overrides);
}

/** The stack file's value of a structured key, for tests that change one field of it. */
export function stackValue<T extends object = Record<string, unknown>>(stack: string, key: string): T {
  const file = readStackConfig(stack);
  return JSON.parse(file.config[`${PROJECT}:${key}`]) as T;
}
