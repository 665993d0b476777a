/**
 * The Pulumi entry point (`main` in Pulumi.yaml). Pulumi calls the default export and publishes what
 * it returns as the stack's outputs.
 */
import { platform } from "./program";

export default platform;
