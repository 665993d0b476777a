/**
 * The metric-name list against the metrics contract: every exact name and every family of a source
 * marked `inContract` must be written in `../shared/metrics-contract.md`, so the flag cannot drift
 * from the document the application team implements.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { METRIC_SOURCES } from "../components/shared/metric-names";
import { REPO_ROOT } from "../stacks/mock-runtime";

const CONTRACT = path.join(REPO_ROOT, "..", "shared", "metrics-contract.md");

/** The metric names and `prefix_*` families a contract document writes in backticks. */
interface ContractNames {
  readonly names: ReadonlySet<string>;
  /** Families as prefixes: `node_*` gives `node_`. */
  readonly families: ReadonlySet<string>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Reads every backticked span of the document. A span is a metric name, optionally with a label
 * matcher (`kube_resourcequota{type="hard"|"used"}`), a family (`node_*`), or a suffix shorthand
 * (`_sum`, `_capacity_bytes`) that stands for the preceding full name with as many trailing
 * `_`-separated words replaced: `kubelet_volume_stats_used_bytes`, `_capacity_bytes` is
 * `kubelet_volume_stats_capacity_bytes`. Any other span (paths, label values, `tenant-<id>`) is
 * not a name and is skipped.
 */
function parseContract(markdown: string): ContractNames {
  const names = new Set<string>();
  const families = new Set<string>();
  let previous: string | undefined;
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g)) {
    const bare = span.replace(/\{.*\}$/, "");
    const family = /^([a-zA-Z_:][a-zA-Z0-9_:]*_)\*$/.exec(bare);
    if (family) {
      families.add(family[1]);
    } else if (/^_[a-zA-Z0-9]/.test(bare) && METRIC_NAME.test(bare)) {
      if (previous === undefined) throw new Error(`suffix shorthand \`${span}\` follows no full name`);
      const replaced = bare.split("_").length - 1;
      const stem = previous.split("_");
      if (stem.length <= replaced) {
        throw new Error(`suffix shorthand \`${span}\` is longer than \`${previous}\``);
      }
      names.add([...stem.slice(0, stem.length - replaced), ...bare.split("_").slice(1)].join("_"));
    } else if (METRIC_NAME.test(bare) && !bare.startsWith("_")) {
      names.add(bare);
      previous = bare;
    }
  }
  return { names, families };
}

/** What a source claims is in the contract and the document does not write. */
function missingFromContract(
  contract: ContractNames,
  source: { readonly names?: readonly string[]; readonly prefixes?: readonly string[] },
): string[] {
  return [
    ...(source.names ?? []).filter((n) => !contract.names.has(n)),
    ...(source.prefixes ?? []).filter((p) => !contract.families.has(p)).map((p) => `${p}*`),
  ];
}

describe("metrics contract parser", () => {
  const cases: { name: string; markdown: string; names: string[]; families?: string[] }[] = [
    {
      name: "histogram suffixes after a full name",
      markdown: "| `http_server_requests_seconds_count`, `_sum`, `_bucket` | histogram | `method` |",
      names: [
        "http_server_requests_seconds_count",
        "http_server_requests_seconds_sum",
        "http_server_requests_seconds_bucket",
        "method",
      ],
    },
    {
      name: "one-word suffixes replace the last word",
      markdown: "`hikaricp_connections_active`, `_idle`, `_max`",
      names: ["hikaricp_connections_active", "hikaricp_connections_idle", "hikaricp_connections_max"],
    },
    {
      name: "two-word suffixes replace the last two words",
      markdown: "`kubelet_volume_stats_used_bytes`, `_capacity_bytes`\n(`namespace`)",
      names: ["kubelet_volume_stats_used_bytes", "kubelet_volume_stats_capacity_bytes", "namespace"],
    },
    {
      name: "label matchers are not part of the name",
      markdown: '`kube_resourcequota{type="hard"|"used"}`, `elasticsearch_cluster_health_status{color}`',
      names: ["kube_resourcequota", "elasticsearch_cluster_health_status"],
    },
    {
      name: "families, and spans that are no name",
      markdown: 'the `node_*` families; `tenant-<id>`, `/actuator/health/liveness`, `job="x"`, `up`',
      names: ["up"],
      families: ["node_"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parsed = parseContract(c.markdown);
      assert.deepEqual([...parsed.names].sort(), [...c.names].sort());
      assert.deepEqual([...parsed.families].sort(), [...(c.families ?? [])].sort());
    });
  }

  it("refuses a suffix shorthand with no full name before it", () => {
    assert.throws(() => parseContract("`_sum`"), /follows no full name/);
  });
});

describe("metric names marked inContract", () => {
  const contract = parseContract(fs.readFileSync(CONTRACT, "utf8"));

  for (const source of METRIC_SOURCES.filter((s) => s.inContract)) {
    it(`${source.source}: every name and family is written in the contract`, () => {
      assert.deepEqual(missingFromContract(contract, source), []);
    });
  }

  it("reports a name or family the contract does not write", () => {
    assert.deepEqual(
      missingFromContract(contract, {
        names: ["cameleer_provisioning_requests_total", "cameleer_made_up_widgets_total"],
        prefixes: ["node_", "made_up_exporter_"],
      }),
      ["cameleer_made_up_widgets_total", "made_up_exporter_*"],
    );
  });
});
