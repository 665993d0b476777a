/**
 * Security contexts of the pods this program runs itself (the charts set their own): non-root, a
 * fixed user, the runtime's default seccomp profile, no privilege escalation and no capabilities.
 */

/** A pod running as `uid` (and its group), owning its volumes through `fsGroup`. */
export function nonRootPodSecurity(uid: number) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    // Re-own a volume's files only when its root is not the group's yet: large volumes mount fast.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** A container that cannot gain privileges and holds no Linux capability. */
export const CONTAINER_SECURITY: { allowPrivilegeEscalation: boolean; capabilities: { drop: string[] } } = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
};
