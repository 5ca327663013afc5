// Which rule answered which delivery (store migration 8, `rule_answers`), written in batches off the
// acknowledgement path like answer times (answer-times.ts): the answer is already out when a row is queued. The
// table is keyed by delivery id, so it does not matter whether the delivery is still in the inbox or indexed.
import type { RuleAnswerRow } from './response-rules';

const PER_WRITE = 500;

export class RuleAnswerLog {
  private queued: RuleAnswerRow[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly write: (rows: RuleAnswerRow[]) => void,
    private readonly flushMs = 100,
  ) {}

  record(row: RuleAnswerRow): void {
    if (this.closed) return;
    this.queued.push(row);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** writes what is queued (the store is still open) */
  close(): void {
    this.closed = true;
    while (this.queued.length > 0) this.flush();
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.queued.splice(0, PER_WRITE);
    if (rows.length === 0) return;
    try {
      this.write(rows);
    } catch {
      // what the rule did is metadata: the delivery itself, and the status it was answered with, are committed
    }
    if (this.queued.length > 0 && !this.closed) this.timer = setTimeout(() => this.flush(), 5);
  }
}
