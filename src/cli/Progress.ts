import cliProgress from 'cli-progress';

/** Live facts shown next to the bar. */
export interface ProgressFacts {
  readonly successRate?: number;
  readonly meanReturn?: number;
}

/**
 * A progress bar with ETA and the live success rate on a TTY (cli-progress); on a pipe or in CI it
 * prints a plain line every ~10 % instead, so logs stay readable.
 */
export class Progress {
  private readonly bar?: cliProgress.SingleBar;
  private lastPlain = -1;
  private readonly started = Date.now();

  /**
   * `label` names the job (e.g. `ppo`), `total` is the number of units (env steps). `plainLines: false`
   * prints nothing off a TTY (for short jobs whose result is printed anyway).
   */
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly plainLines = true,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (stream.isTTY && !process.env.LEG_QUIET) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${label.padEnd(8)} [{bar}] {percentage}% | {value}/{total} steps | ETA {eta_formatted} | success {success} | return {ret}`,
          stream,
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { success: '-', ret: '-' });
    }
  }

  /** Moves the bar to `done` units and shows the latest facts. */
  update(done: number, facts: ProgressFacts = {}): void {
    const success = facts.successRate === undefined ? '-' : `${(100 * facts.successRate).toFixed(1)}%`;
    const ret = facts.meanReturn === undefined ? '-' : facts.meanReturn.toFixed(3);
    if (this.bar) {
      this.bar.update(Math.min(done, this.total), { success, ret });
      return;
    }
    const decile = Math.floor((10 * Math.min(done, this.total)) / Math.max(1, this.total));
    if (decile === this.lastPlain || !this.plainLines || process.env.LEG_QUIET) return;
    this.lastPlain = decile;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = done > 0 ? (elapsed * (this.total - done)) / done : NaN;
    this.stream.write(
      `${this.label}: ${done}/${this.total} steps (${decile * 10}%), success ${success}, return ${ret}, elapsed ${elapsed.toFixed(0)}s, ETA ${Number.isFinite(eta) ? eta.toFixed(0) + 's' : '-'}\n`,
    );
  }

  /** Completes and removes the bar. */
  stop(): void {
    this.bar?.stop();
  }
}
