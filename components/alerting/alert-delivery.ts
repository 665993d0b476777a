import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Area } from "../../stacks/config";
import { opaqueSecret } from "../shared/secrets";
import { stableYaml } from "../shared/serialize";
import { buildAlertmanagerConfig, CREDENTIAL_KEYS } from "./alertmanager-config";

export interface AlertDeliveryArgs {
  readonly namespace: pulumi.Input<string>;
  readonly environment: string;
  readonly slackChannels: Readonly<Record<Area, string>>;
  readonly slackWebhookUrl: pulumi.Input<string>;
  /** Events API v2 keys of the areas that page; empty when the stack does not page. */
  readonly pagerdutyKeys: Readonly<Partial<Record<Area, pulumi.Input<string>>>>;
  readonly opsgenie?: { readonly team: string; readonly apiKey: pulumi.Input<string> };
  /** Push URL of the external dead-man's switch (a secret). */
  readonly deadMansSwitchUrl: pulumi.Input<string>;
  readonly alertmanagerUrl: string;
}

/** Marks the Secret holding `alertmanager.yaml` (the render writes it out for review). */
export const ALERTMANAGER_CONFIG_LABEL = { "monitoring.cameleer.io/alertmanager-config": "true" } as const;

/** Where the Alertmanager pods see a Secret listed in `alertmanagerSpec.secrets`. */
export function mountedSecretDir(secretName: string): string {
  return `/etc/alertmanager/secrets/${secretName}`;
}

/**
 * Alertmanager's configuration and credentials, as the chart expects them: a Secret holding
 * `alertmanager.yaml` (named by `alertmanagerSpec.configSecret`) and a Secret of receiver credentials
 * mounted beside it, which the configuration reads through `*_file` fields.
 */
export class AlertDelivery extends pulumi.ComponentResource {
  public readonly configSecretName: string;
  public readonly credentialsSecretName: string;
  /** The configuration as deployed (a secret: it holds the dead-man's switch URL). */
  public readonly config: pulumi.Output<string>;
  public readonly configSecret: k8s.core.v1.Secret;
  public readonly credentialsSecret: k8s.core.v1.Secret;

  constructor(name: string, args: AlertDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform-monitoring:alerting:AlertDelivery", name, {}, opts);
    this.configSecretName = `${name}-config`;
    this.credentialsSecretName = `${name}-credentials`;
    const pagerdutyAreas = (Object.keys(args.pagerdutyKeys) as Area[]).sort();

    const credentials: Record<string, pulumi.Input<string>> = {
      [CREDENTIAL_KEYS.slackWebhookUrl]: args.slackWebhookUrl,
    };
    for (const area of pagerdutyAreas) {
      const key = args.pagerdutyKeys[area];
      if (key !== undefined) credentials[CREDENTIAL_KEYS.pagerduty(area)] = key;
    }
    if (args.opsgenie) credentials[CREDENTIAL_KEYS.opsgenieApiKey] = args.opsgenie.apiKey;
    this.credentialsSecret = opaqueSecret(
      this.credentialsSecretName,
      { namespace: args.namespace, data: credentials },
      { parent: this },
    );

    this.config = pulumi.secret(
      pulumi.output(args.deadMansSwitchUrl).apply((deadMansSwitchUrl) =>
        stableYaml(
          buildAlertmanagerConfig({
            pagerdutyAreas,
            slackChannels: args.slackChannels,
            opsgenieTeam: args.opsgenie?.team,
            credentialsDir: mountedSecretDir(this.credentialsSecretName),
            deadMansSwitchUrl,
            alertmanagerUrl: args.alertmanagerUrl,
            environment: args.environment,
          }),
        ),
      ),
    );
    this.configSecret = opaqueSecret(
      this.configSecretName,
      {
        namespace: args.namespace,
        data: { "alertmanager.yaml": this.config },
        labels: ALERTMANAGER_CONFIG_LABEL,
      },
      { parent: this },
    );
    this.registerOutputs({
      configSecretName: this.configSecretName,
      credentialsSecretName: this.credentialsSecretName,
      config: this.config,
    });
  }
}
