import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "./labels";

/**
 * An Opaque Secret whose values stay Pulumi secrets end to end. The name is fixed (not auto-named)
 * because charts and `*_file` paths refer to it by name.
 */
export function opaqueSecret(
  name: string,
  args: {
    namespace: pulumi.Input<string>;
    data: Record<string, pulumi.Input<string>>;
    labels?: Record<string, string>;
  },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    name,
    {
      metadata: { name, namespace: args.namespace, labels: { ...COMMON_LABELS, ...args.labels } },
      type: "Opaque",
      stringData: pulumi.secret(args.data),
    },
    opts,
  );
}
