/**
 * `npm run bench:page [-- --runs N]`: time to page and time to resolve, through real Prometheus and
 * Alertmanager with the PROD stack's intervals (scrape, evaluation, the paging groups' evaluation),
 * prod's Alertmanager group timings and the catalog's real `for` of the driven alert. Prints each run and the medians.
 * Targets: fault → page ≤ for + 45 s; recovery → resolve ≤ 2 min. Takes about 5 minutes a run.
 */
import { parseArgs } from "node:util";
import { durationSeconds } from "../../components/alerts/rule-files";
import type { Duration } from "../../components/alerts/types";
import { TIMINGS } from "../../components/alerting/alertmanager-config";
import { parseStack } from "../helpers/config";
import { eventAfter, startPagingPipeline } from "../helpers/paging-pipeline";
import { sleep, waitFor } from "../helpers/servers";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
  const runs = Number(values.runs);
  const config = parseStack("prod");
  const scrape = config.prometheus.scrapeInterval as Duration;
  const evaluation = config.prometheus.evaluationInterval as Duration;
  const p = await startPagingPipeline({ config, scrapeInterval: scrape, evaluationInterval: evaluation });
  const forSeconds = durationSeconds(p.alert.for);
  console.log(
    `prod intervals: scrape ${scrape}, evaluation ${evaluation} (paging groups ` +
      `${config.prometheus.pagingEvaluationInterval}), critical group_wait ${TIMINGS.critical.group_wait}, ` +
      `group_interval ${TIMINGS.critical.group_interval}; ${p.alert.alert} for ${p.alert.for}`,
  );
  const pages: number[] = [];
  const resolves: number[] = [];
  try {
    await p.scraped();
    for (let i = 1; i <= runs; i++) {
      const faultAt = Date.now();
      p.fault();
      await waitFor("trigger", () => eventAfter(p, "trigger", faultAt), (forSeconds + 300) * 1000, 100);
      const page = (eventAfter(p, "trigger", faultAt)!.at - faultAt) / 1000;
      const recoverAt = Date.now();
      p.recover();
      await waitFor("resolve", () => eventAfter(p, "resolve", recoverAt), 600_000, 100);
      const resolve = (eventAfter(p, "resolve", recoverAt)!.at - recoverAt) / 1000;
      pages.push(page);
      resolves.push(resolve);
      console.log(
        `run ${i}/${runs}: fault → page ${page.toFixed(1)} s, recovery → resolve ${resolve.toFixed(1)} s`,
      );
      // Let the resolved state settle so the next fault starts a fresh alert, at a random phase.
      await sleep(5_000 + Math.random() * durationSeconds(scrape) * 1000);
    }
  } finally {
    await p.stop();
  }
  const mPage = median(pages);
  const mResolve = median(resolves);
  console.log(
    `median of ${runs}: fault → page ${mPage.toFixed(1)} s (target ≤ ${forSeconds + 45} s = for + 45 s: ` +
      `${mPage <= forSeconds + 45 ? "met" : "MISSED"}); recovery → resolve ${mResolve.toFixed(1)} s ` +
      `(target ≤ 120 s: ${mResolve <= 120 ? "met" : "MISSED"})`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
