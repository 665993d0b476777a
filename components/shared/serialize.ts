/**
 * Serialisation at the provider boundary: the same input always gives the same bytes, so `pulumi
 * preview` never shows a diff that only reorders keys.
 */
import * as YAML from "yaml";

/** Deep copy with object keys sorted; arrays keep their order (it is meaningful). */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return (value as unknown[]).map((v) => sortKeys(v)) as T;
  if (typeof value === "object" && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    ) as T;
  }
  return value;
}

/** JSON with sorted keys and a trailing newline. */
export function stableJson(value: unknown, indent = 2): string {
  return `${JSON.stringify(sortKeys(value), null, indent)}\n`;
}

/** YAML with sorted keys, no anchors, no line folding. */
export function stableYaml(value: unknown): string {
  return YAML.stringify(sortKeys(value), { aliasDuplicateObjects: false, lineWidth: 0 });
}
