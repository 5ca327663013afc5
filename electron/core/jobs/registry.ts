// Bookkeeping of the UI's export and import jobs: one running job per kind, each with a cancel signal, its
// progress sent as live `job` events at most every PROGRESS_MS (a million rows must not mean a million frames),
// and the last job of each kind kept so a page opened later still sees how it ended.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../../shared/api-error';
import type { JobInfo, JobKind } from '../../../shared/jobs';

const PROGRESS_MS = 200;

export interface RunningJob {
  readonly info: JobInfo;
  readonly signal: AbortSignal;
  progress(done: number, total: number | null, patch?: Partial<JobInfo>): void;
  /** ends the job (done, failed or cancelled) and says so at once */
  end(patch: Partial<JobInfo> & Pick<JobInfo, 'state'>): void;
}

export class JobRegistry {
  private readonly last = new Map<JobKind, { info: JobInfo; abort: AbortController }>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly emit: (info: JobInfo) => void) {}

  /** Refused while a job of this kind runs: two exports at once would only halve each one's speed. */
  start(kind: JobKind, title: string, extra: Partial<JobInfo> = {}): RunningJob {
    const cur = this.last.get(kind);
    if (cur && cur.info.state === 'running') {
      throw new ApiError('unavailable', `an ${kind} is running (${cur.info.title}): wait for it to finish or cancel it first`);
    }
    const abort = new AbortController();
    const entry = {
      abort,
      info: { id: randomBytes(9).toString('base64url'), kind, state: 'running', title, done: 0, total: null, startedAt: Date.now(), finishedAt: null, message: null, ...extra } as JobInfo,
    };
    this.last.set(kind, entry);
    let sentAt = 0;
    const send = () => {
      sentAt = Date.now();
      this.emit(entry.info);
    };
    send();
    return {
      get info() {
        return entry.info;
      },
      signal: abort.signal,
      progress: (done, total, patch) => {
        if (entry.info.state !== 'running') return;
        entry.info = { ...entry.info, ...patch, done, total };
        if (Date.now() - sentAt >= PROGRESS_MS) send();
      },
      end: (patch) => {
        if (entry.info.state !== 'running') return;
        entry.info = { ...entry.info, ...patch, finishedAt: Date.now() };
        send();
        if (!this.running()) for (const w of this.idleWaiters.splice(0)) w();
      },
    };
  }

  /** true when the job was running and is now asked to stop (it ends, cancelled, at its next row or batch) */
  cancel(id: string): boolean {
    for (const e of this.last.values()) {
      if (e.info.id === id && e.info.state === 'running') {
        e.abort.abort();
        return true;
      }
    }
    return false;
  }

  list(): JobInfo[] {
    return [...this.last.values()].map((e) => e.info);
  }

  find(id: string): JobInfo | null {
    for (const e of this.last.values()) if (e.info.id === id) return e.info;
    return null;
  }

  /** changes a finished job's record (a download taken) without a progress event of its own */
  update(id: string, patch: Partial<JobInfo>): void {
    for (const e of this.last.values()) if (e.info.id === id) e.info = { ...e.info, ...patch };
  }

  private running(): boolean {
    return [...this.last.values()].some((e) => e.info.state === 'running');
  }

  /** cancels what runs and resolves once each has ended (the store may close then) */
  cancelAll(): Promise<void> {
    for (const e of this.last.values()) if (e.info.state === 'running') e.abort.abort();
    if (!this.running()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
