// The render writer (`./artefacts`) is imported by stacks/artefacts.ts directly: it depends on stacks/.
export * from "./client";
export * from "./provider";
export * from "./uptime-kuma";
