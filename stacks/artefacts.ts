/**
 * From the resources a stack run registered to the files a reviewer reads. Each kind of artefact
 * is an {@link ArtefactWriter}; a feature adds its writer to {@link WRITERS} and nothing else changes.
 * Resources no writer claims are dumped with their inputs under `kubernetes/` or `pulumi/`.
 */
import { alertmanagerConfigWriter, pagerdutyWriter } from "../components/alerting/artefacts";
import { lokiRulesWriter, prometheusRulesWriter } from "../components/alerts/artefacts";
import { grafanaWriter } from "../components/dashboards/artefacts";
import { stableJson, stableYaml } from "../components/shared/serialize";
import { uptimeKumaWriter } from "../components/uptime-kuma/artefacts";
import { maskSecrets, type Artefact, type ArtefactWriter } from "./artefact-writer";
import type { RecordedResource, StackRun } from "./mock-runtime";

export * from "./artefact-writer";

/** Short, file-name-safe form of a type token: `kubernetes:monitoring.coreos.com/v1:Probe` → `probe`. */
function kindOf(type: string): string {
  return (type.split(":").pop() ?? type).toLowerCase();
}

const kubernetesDump: ArtefactWriter = {
  name: "kubernetes",
  claims: (r) => r.custom && r.type.startsWith("kubernetes:"),
  write: (claimed) =>
    claimed.map((r) => ({
      path: `kubernetes/${kindOf(r.type)}-${r.name}.yaml`,
      content: stableYaml({ type: r.type, name: r.name, inputs: maskSecrets(r.inputs) }),
    })),
};

const pulumiDump: ArtefactWriter = {
  name: "pulumi",
  claims: (r) => r.custom,
  write: (claimed) =>
    claimed.map((r) => ({
      path: `pulumi/${r.type.split(":")[0]}-${kindOf(r.type)}-${r.name}.yaml`,
      content: stableYaml({ type: r.type, name: r.name, inputs: maskSecrets(r.inputs) }),
    })),
};

/**
 * Writers in priority order: the first that claims a resource gets it. Feature writers go before the
 * generic dumps.
 */
export const WRITERS: ArtefactWriter[] = [
  prometheusRulesWriter,
  lokiRulesWriter,
  alertmanagerConfigWriter,
  pagerdutyWriter,
  grafanaWriter,
  uptimeKumaWriter,
  kubernetesDump,
  pulumiDump,
];

/** Registers a feature's writer ahead of the generic dumps. */
export function registerWriter(writer: ArtefactWriter): void {
  if (WRITERS.some((w) => w.name === writer.name)) return;
  WRITERS.splice(WRITERS.length - 2, 0, writer);
}

function compareResources(a: RecordedResource, b: RecordedResource): number {
  return a.type.localeCompare(b.type) || a.name.localeCompare(b.name);
}

/** A secret value found in an artefact: the render refuses to write it. */
export class SecretLeakError extends Error {
  constructor(readonly leaks: { path: string }[]) {
    super(`secret values found in rendered files: ${leaks.map((l) => l.path).join(", ")}`);
    this.name = "SecretLeakError";
  }
}

/** Every artefact of a run, sorted by path; throws {@link SecretLeakError} if one holds a secret. */
export function renderArtefacts(run: StackRun): Artefact[] {
  const byWriter = new Map<ArtefactWriter, RecordedResource[]>(WRITERS.map((w) => [w, []]));
  for (const r of [...run.resources].sort(compareResources)) {
    const writer = WRITERS.find((w) => w.claims(r));
    if (writer) byWriter.get(writer)?.push(r);
  }
  const artefacts: Artefact[] = [];
  for (const [writer, claimed] of byWriter) artefacts.push(...writer.write(claimed, run));
  artefacts.push({ path: "outputs.json", content: stableJson(maskSecrets(run.outputs)) });

  const paths = new Set<string>();
  for (const a of artefacts) {
    if (paths.has(a.path)) throw new Error(`two artefacts would be written to ${a.path}`);
    paths.add(a.path);
  }
  const leaks = artefacts.filter((a) => run.secretValues.some((s) => a.content.includes(s)));
  if (leaks.length > 0) throw new SecretLeakError(leaks);
  return artefacts.sort((a, b) => a.path.localeCompare(b.path));
}
