/** Render writers of alert delivery: the Alertmanager configuration and the PagerDuty objects. */
import { stableJson } from "../shared/serialize";
import { maskSecrets, redactText, type ArtefactWriter } from "../../stacks/artefact-writer";
import { reveal } from "../../stacks/mock-runtime";
import { ALERTMANAGER_CONFIG_LABEL } from "./alert-delivery";

const [configLabel, configValue] = Object.entries(ALERTMANAGER_CONFIG_LABEL)[0];

/**
 * `alertmanager/alertmanager.yaml`: the configuration as deployed, for `amtool check-config` and for
 * review. It is a secret as a whole (the dead-man's switch URL holds a token); every secret value in
 * it is replaced, which keeps it a valid configuration.
 */
export const alertmanagerConfigWriter: ArtefactWriter = {
  name: "alertmanager",
  claims: (r) =>
    r.type === "kubernetes:core/v1:Secret" &&
    (r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[configLabel] ===
      configValue,
  write: (claimed, run) =>
    claimed.map((r) => {
      const data = reveal<Record<string, string>>(r.inputs.stringData);
      return {
        path: "alertmanager/alertmanager.yaml",
        content: redactText(data["alertmanager.yaml"], run.secretValues),
      };
    }),
};

/** `pagerduty/<kind>-<name>.json`: services, escalation policy, integrations, maintenance windows. */
export const pagerdutyWriter: ArtefactWriter = {
  name: "pagerduty",
  claims: (r) => r.type.startsWith("pagerduty:"),
  write: (claimed) =>
    claimed.map((r) => ({
      path: `pagerduty/${(r.type.split(":").pop() ?? r.type).toLowerCase()}-${r.name}.json`,
      content: stableJson({ type: r.type, name: r.name, inputs: maskSecrets(r.inputs) }),
    })),
};
