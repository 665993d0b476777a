import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { register } from "node:module";
import * as path from "node:path";
import * as YAML from "yaml";
import { listStacks, REPO_ROOT } from "../stacks/mock-runtime";

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");

/** GitHub's own parser and schema validator (ESM only: loaded with a dynamic import). */
type Parser = typeof import("@actions/workflow-parser", { with: { "resolution-mode": "import" } });

/**
 * Imports the parser. Its modules import its JSON schemas without `with { type: "json" }`, which
 * bundlers accept and Node refuses; a resolve hook adds the attribute for the parser's own JSON files.
 */
async function importWorkflowParser(): Promise<Parser> {
  const hook = `export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    return resolved.url.endsWith(".json") && resolved.url.includes("/@actions/workflow-parser/")
      ? { ...resolved, importAttributes: { ...context.importAttributes, type: "json" } }
      : resolved;
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  return import("@actions/workflow-parser");
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: string | { name: string };
  strategy?: { "fail-fast"?: boolean; "max-parallel"?: number; matrix?: Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** The one step of a job that uses `action` (without its version). */
function step(job: Job, action: string): Step {
  const found = job.steps.filter((s) => s.uses?.split("@")[0] === action);
  assert.equal(found.length, 1, `expected one ${action} step`);
  return found[0];
}

describe("GitHub workflows", () => {
  const files = fs.existsSync(WORKFLOWS)
    ? fs
        .readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];
  let parser: Parser;
  before(async () => {
    parser = await importWorkflowParser();
  });

  it("exist", () => assert.deepEqual(files, ["platform-monitoring.yml"]));

  it("the validator reports what GitHub would reject (a misspelt key, a missing runs-on)", () => {
    const content = "on: push\njobs:\n  a:\n    runs-onn: ubuntu-24.04\n    steps:\n      - run: echo\n";
    const result = parser.parseWorkflow({ name: "bad.yml", content }, new parser.NoOperationTraceWriter());
    const errors = result.context.errors.getErrors().map((e) => e.message);
    assert.ok(
      errors.some((e) => e.includes("Unexpected value 'runs-onn'")),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.includes("Required property is missing: runs-on")),
      errors.join("\n"),
    );
  });

  for (const file of files) {
    it(`${file} parses and validates against GitHub's workflow schema with no error`, async () => {
      const content = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
      const result = parser.parseWorkflow({ name: file, content }, new parser.NoOperationTraceWriter());
      assert.deepEqual(
        result.context.errors.getErrors().map((e) => e.message),
        [],
      );
      assert.ok(result.value, "no workflow template");
      const template = await parser.convertWorkflowTemplate(result.context, result.value);
      assert.deepEqual(template.errors ?? [], []);
      assert.deepEqual(
        template.jobs.map((j) => j.id.value),
        ["test", "preview", "up"],
      );
    });
  }

  describe("platform-monitoring.yml", () => {
    const workflow = YAML.parse(
      fs.readFileSync(path.join(WORKFLOWS, "platform-monitoring.yml"), "utf8"),
    ) as Workflow;
    const { test, preview, up } = workflow.jobs;
    const stacks = listStacks();

    it("runs on pull requests to main and on pushes to main, never on pull_request_target", () => {
      assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push"]);
      assert.deepEqual(workflow.on.pull_request?.branches, ["main"]);
      assert.deepEqual(workflow.on.push?.branches, ["main"]);
    });

    it("is read-only by default; only the preview may write, and only pull-request comments", () => {
      assert.deepEqual(workflow.permissions, { contents: "read" });
      assert.equal(test.permissions, undefined);
      assert.equal(up.permissions, undefined);
      assert.deepEqual(preview.permissions, { contents: "read", "pull-requests": "write" });
    });

    it("runs the repository's tests with bash .ci/run", () => {
      assert.deepEqual(
        test.steps.filter((s) => s.run).map((s) => s.run?.trim()),
        ["bash .ci/run"],
      );
    });

    it("previews every stack on pull requests from this repository, commenting the diff", () => {
      assert.equal(
        preview.if,
        "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
      );
      assert.deepEqual([...(preview.strategy?.matrix?.stack as string[])].sort(), stacks);
      assert.equal(preview.strategy?.["fail-fast"], false);
      const pulumi = step(preview, "pulumi/actions");
      assert.deepEqual(pulumi.with, {
        command: "preview",
        "stack-name": "${{ matrix.stack }}",
        diff: true,
        policyPacks: "policy",
        "comment-on-pr": true,
        "edit-pr-comment": true,
        "github-token": "${{ secrets.GITHUB_TOKEN }}",
      });
    });

    it("deploys on pushes to main only, after the tests, staging before prod, one at a time", () => {
      assert.equal(up.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
      assert.equal(up.needs, "test");
      assert.deepEqual(up.strategy?.matrix?.stack, ["staging", "prod"]);
      assert.deepEqual([...up.strategy.matrix.stack].sort(), stacks, "every stack is deployed");
      assert.equal(up.strategy?.["max-parallel"], 1);
      assert.equal(up.strategy?.["fail-fast"], true);
      const pulumi = step(up, "pulumi/actions");
      assert.equal(pulumi.with?.command, "up");
      assert.equal(pulumi.with?.["stack-name"], "${{ matrix.stack }}");
      assert.equal(pulumi.with?.policyPacks, "policy");
    });

    it("gates each deployment on its GitHub environment (prod's has required reviewers)", () => {
      assert.deepEqual(up.environment, { name: "${{ matrix.stack }}" });
      assert.equal(preview.environment, undefined);
    });

    it("pins every action to a major version and uses the official Pulumi action", () => {
      for (const [id, job] of Object.entries(workflow.jobs)) {
        for (const s of job.steps.filter((x) => x.uses)) {
          assert.match(
            s.uses ?? "",
            /^(actions\/(checkout|setup-node)|pulumi\/actions)@v[0-9]+$/,
            `${id}: ${s.uses}`,
          );
        }
      }
      assert.equal(step(preview, "pulumi/actions").uses, "pulumi/actions@v6");
    });

    it("takes credentials from GitHub secrets only, as environment variables of the steps that need them", () => {
      for (const job of [preview, up]) {
        assert.equal(
          step(job, "pulumi/actions").env?.PULUMI_ACCESS_TOKEN,
          "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        );
        const kubeconfig = job.steps.find((s) => s.env?.KUBECONFIG_CONTENT);
        assert.equal(kubeconfig?.env?.KUBECONFIG_CONTENT, "${{ secrets.KUBECONFIG }}");
        assert.match(kubeconfig?.run ?? "", /umask 077/);
      }
      const text = fs.readFileSync(path.join(WORKFLOWS, "platform-monitoring.yml"), "utf8");
      for (const secret of text.matchAll(/\$\{\{\s*secrets\.([A-Z_]+)\s*\}\}/g)) {
        assert.ok(["PULUMI_ACCESS_TOKEN", "KUBECONFIG", "GITHUB_TOKEN"].includes(secret[1]), secret[1]);
      }
      // Never interpolated into a script, where the shell would see (and could log) the value.
      for (const job of Object.values(workflow.jobs)) {
        for (const s of job.steps) assert.doesNotMatch(s.run ?? "", /\$\{\{\s*secrets\./);
      }
    });
  });
});
