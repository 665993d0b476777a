import * as pulumi from "@pulumi/pulumi";

/** Resolves an Output to its value (tests only: programs never unwrap outputs). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}
