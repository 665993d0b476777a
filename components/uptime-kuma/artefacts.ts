/**
 * Render writer of Uptime Kuma's API objects: one JSON file per monitor, notification and status page,
 * as the dynamic providers receive them, secrets masked and the serialised provider left out.
 */
import { stableJson } from "../shared/serialize";
import { maskSecrets, type ArtefactWriter } from "../../stacks/artefact-writer";
import type { RecordedResource } from "../../stacks/mock-runtime";
import { KINDS } from "./provider";

/** Pulumi's one type token for every dynamic resource; `kind` tells ours apart. */
const DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";

const FOLDERS: Record<string, string> = {
  [KINDS.monitor]: "monitors",
  [KINDS.notification]: "notifications",
  [KINDS.statusPage]: "status-pages",
};

function fileName(r: RecordedResource): string {
  // Status pages are known by their slug (a plain input); the others by their resource name.
  return r.inputs.kind === KINDS.statusPage && typeof r.inputs.slug === "string" ? r.inputs.slug : r.name;
}

/** `uptime-kuma/{monitors,notifications,status-pages}/<name>.json`. */
export const uptimeKumaWriter: ArtefactWriter = {
  name: "uptime-kuma",
  claims: (r) => r.type === DYNAMIC_TYPE && typeof r.inputs.kind === "string" && r.inputs.kind in FOLDERS,
  write: (claimed) =>
    claimed.map((r) => {
      const { __provider: _provider, ...inputs } = r.inputs;
      return {
        path: `uptime-kuma/${FOLDERS[r.inputs.kind as string]}/${fileName(r)}.json`,
        content: stableJson(maskSecrets(inputs)),
      };
    }),
};
