import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { renderArtefacts, SECRET_MARKER, SecretLeakError } from "../stacks/artefacts";
import type { StackRun } from "../stacks/mock-runtime";
import { render, summary } from "../stacks/render";

function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

describe("offline render", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "render-test-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const stack of ["prod", "staging"]) {
    describe(stack, () => {
      let first: Map<string, Buffer>;
      let secretValues: string[];
      let summaryText: string;

      before(async () => {
        const result = await render(stack, path.join(tmp, `${stack}-1`));
        first = readTree(result.outDir);
        secretValues = result.run.secretValues;
        summaryText = summary(result);
      });

      it("is byte-identical across runs", async () => {
        const again = await render(stack, path.join(tmp, `${stack}-2`));
        const second = readTree(again.outDir);
        assert.deepEqual([...second.keys()].sort(), [...first.keys()].sort());
        for (const [file, bytes] of first) assert.ok(bytes.equals(second.get(file)!), `${file} differs`);
      });

      it("writes every resource for review, and the stack outputs", () => {
        const files = [...first.keys()];
        assert.ok(files.includes("outputs.json"));
        assert.ok(files.includes(path.join("kubernetes", "release-kps-release.yaml")));
        assert.ok(
          files.includes(path.join("kubernetes", "probe-blackbox-exporter-control-plane-liveness.yaml")),
        );
        assert.ok(files.includes(path.join("pulumi", "random-randompassword-kps-grafana-admin.yaml")));
        const outputs = JSON.parse(first.get("outputs.json")!.toString()) as Record<string, unknown>;
        assert.equal(outputs.grafanaAdminPassword, SECRET_MARKER);
        assert.match(String(outputs.grafanaUrl), /^https:\/\/grafana\./);
      });

      it("contains no secret value, and marks where secrets are", () => {
        assert.ok(secretValues.length >= 3, "the run should know the config and generated secrets");
        for (const [file, bytes] of first) {
          const text = bytes.toString();
          for (const s of secretValues) assert.ok(!text.includes(s), `${file} contains a secret value`);
        }
        const adminSecret = first.get(path.join("kubernetes", "secret-kps-grafana-admin.yaml"))!.toString();
        assert.match(adminSecret, /stringData: "\[secret\]"/);
      });

      it("prints a summary of resources by type and files written", () => {
        assert.match(summaryText, new RegExp(`^Rendered stack ${stack} in [0-9.]+ s`));
        assert.match(summaryText, /\s+8 {2}kubernetes:helm\.sh\/v3:Release/);
        assert.match(summaryText, /Files \([0-9]+\):/);
      });
    });
  }

  it("refuses to write a file that would hold a secret value", () => {
    const leaky: StackRun = {
      stack: "test",
      outputs: {},
      secretValues: ["s3cr3t-value"],
      resources: [
        {
          type: "kubernetes:core/v1:ConfigMap",
          name: "oops",
          custom: true,
          inputs: { data: { password: "s3cr3t-value" } },
        },
      ],
    };
    assert.throws(
      () => renderArtefacts(leaky),
      (e: unknown) => e instanceof SecretLeakError && /oops/.test(e.message),
    );
  });

  it("renders a secret input as a marker, not its value", () => {
    const run: StackRun = {
      stack: "test",
      outputs: {},
      secretValues: ["s3cr3t-value"],
      resources: [
        {
          type: "kubernetes:core/v1:Secret",
          name: "fine",
          custom: true,
          inputs: {
            stringData: { [rpc.specialSigKey]: rpc.specialSecretSig, value: { password: "s3cr3t-value" } },
          },
        },
      ],
    };
    const [secret] = renderArtefacts(run).filter((a) => a.path.startsWith("kubernetes/"));
    assert.match(secret.content, /stringData: "\[secret\]"/);
  });

  it("refuses to clear a directory that is not a previous render", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "precious-"));
    fs.writeFileSync(path.join(dir, "notes.txt"), "keep me");
    await assert.rejects(render("staging", dir), /refusing to overwrite/);
    assert.equal(fs.readFileSync(path.join(dir, "notes.txt"), "utf8"), "keep me");
  });
});
