/** What fit returns: per-epoch values of every logged quantity (loss, accuracy, val_loss, ...). */
export class History {
  /** The 0-based epochs that ran. */
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  record(epoch: number, logs: Record<string, number>): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
