/**
 * The contract between the render and the features that add artefacts to it: a feature exports an
 * {@link ArtefactWriter}; `stacks/artefacts.ts` lists the writers.
 */
import { isSecretValue, type RecordedResource, type StackRun } from "./mock-runtime";

export interface Artefact {
  /** Path relative to the render directory, with forward slashes. */
  readonly path: string;
  readonly content: string;
}

export interface ArtefactWriter {
  readonly name: string;
  /** Resources this writer turns into artefacts; they are not dumped generically. */
  claims(resource: RecordedResource): boolean;
  /** Artefacts for the claimed resources (given sorted by type and name). */
  write(claimed: RecordedResource[], run: StackRun): Artefact[];
}

/** What a secret input renders as. */
export const SECRET_MARKER = "[secret]";
/** What a known secret value inside a rendered text becomes. */
export const REDACTED = "redacted-secret";

/** Replaces secret inputs by {@link SECRET_MARKER}, deeply. */
export function maskSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return SECRET_MARKER;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value;
}

/** Replaces every known secret value inside a text by {@link REDACTED}. */
export function redactText(text: string, secretValues: readonly string[]): string {
  return secretValues.reduce((t, s) => t.split(s).join(REDACTED), text);
}
