/**
 * Render writer of the Grafana objects: each dashboard as the model Grafana stores (pretty, sorted
 * keys), each folder and data source with its inputs, secrets masked.
 */
import { stableJson } from "../shared/serialize";
import { maskSecrets, type Artefact, type ArtefactWriter } from "../../stacks/artefact-writer";
import type { RecordedResource } from "../../stacks/mock-runtime";

/** Type tokens of the Grafana provider's resources this writer renders. */
export const GRAFANA_TYPES = {
  dashboard: "grafana:oss/dashboard:Dashboard",
  folder: "grafana:oss/folder:Folder",
  dataSource: "grafana:oss/dataSource:DataSource",
} as const;

const FOLDER_OF: Record<string, string> = {
  [GRAFANA_TYPES.dashboard]: "dashboards",
  [GRAFANA_TYPES.folder]: "folders",
  [GRAFANA_TYPES.dataSource]: "datasources",
};

function uidOf(r: RecordedResource, model?: Record<string, unknown>): string {
  const uid = model?.uid ?? r.inputs.uid;
  if (typeof uid !== "string" || uid === "") {
    throw new Error(`${r.type} ${r.name} has no fixed uid: its render path would not be stable`);
  }
  return uid;
}

function artefactOf(r: RecordedResource): Artefact {
  const dir = `grafana/${FOLDER_OF[r.type]}`;
  if (r.type === GRAFANA_TYPES.dashboard) {
    const configJson = r.inputs.configJson;
    if (typeof configJson !== "string") throw new Error(`dashboard ${r.name} has no plain configJson`);
    const model = JSON.parse(configJson) as Record<string, unknown>;
    return { path: `${dir}/${uidOf(r, model)}.json`, content: stableJson(model) };
  }
  return { path: `${dir}/${uidOf(r)}.json`, content: stableJson(maskSecrets(r.inputs)) };
}

/** `grafana/{dashboards,folders,datasources}/<uid>.json`. */
export const grafanaWriter: ArtefactWriter = {
  name: "grafana",
  claims: (r) => r.type in FOLDER_OF,
  write: (claimed) => claimed.map(artefactOf),
};
