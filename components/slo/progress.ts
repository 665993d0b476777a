/**
 * A progress bar for a known number of steps, on a terminal; one line per tenth elsewhere (a
 * CronJob's log), so that a slow Prometheus shows where the report is without flooding the log.
 *
 * Imports only Node's built-ins: this runs in the cluster on a bare `node` image.
 */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export function progressBar(label: string, stream: ProgressStream = process.stderr, width = 30) {
  let lastTenth = -1;
  return (done: number, total: number): void => {
    const share = total === 0 ? 1 : done / total;
    if (stream.isTTY) {
      const filled = Math.round(share * width);
      const bar = `${"#".repeat(filled)}${".".repeat(width - filled)}`;
      stream.write(`\r${label} [${bar}] ${done}/${total}${done === total ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      stream.write(`${label}: ${done}/${total} (${Math.round(share * 100)} %)\n`);
    }
  };
}
