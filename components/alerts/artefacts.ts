/** Render writers of the alert catalog: plain rule files for Prometheus and for the Loki ruler. */
import { LOKI_RULE_LABELS } from "../shared/labels";
import { stableYaml } from "../shared/serialize";
import type { ArtefactWriter } from "../../stacks/artefact-writer";
import { AREA_LABEL } from "./alert-rules";

interface Metadata {
  readonly name: string;
  readonly labels?: Record<string, string>;
}

/** `prometheus/rules/<area>.yaml`: each PrometheusRule's spec as a file `promtool check rules` reads. */
export const prometheusRulesWriter: ArtefactWriter = {
  name: "prometheus-rules",
  claims: (r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  write: (claimed) =>
    claimed.map((r) => {
      const metadata = r.inputs.metadata as Metadata;
      const area = metadata.labels?.[AREA_LABEL] ?? metadata.name;
      return { path: `prometheus/rules/${area}.yaml`, content: stableYaml(r.inputs.spec) };
    }),
};

const [lokiLabel, lokiValue] = Object.entries(LOKI_RULE_LABELS)[0];

/** `loki/rules/<file>`: the LogQL rule files the Loki ruler loads from labelled ConfigMaps. */
export const lokiRulesWriter: ArtefactWriter = {
  name: "loki-rules",
  claims: (r) =>
    r.type === "kubernetes:core/v1:ConfigMap" &&
    (r.inputs.metadata as Metadata | undefined)?.labels?.[lokiLabel] === lokiValue,
  write: (claimed) =>
    claimed.flatMap((r) =>
      Object.entries(r.inputs.data as Record<string, string>).map(([file, content]) => ({
        path: `loki/rules/${file}`,
        content,
      })),
    ),
};
