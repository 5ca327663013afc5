// What a delivery's flag details say that search reads (`reason:`, `account:`, `retry:`), kept on its list row so
// the in-memory match (query-match.ts) judges the same facts the store's SQL reads from deliveries.flags
// (electron/core/store/filter-deliveries.ts). The values are the keys the analytics report counts by
// (shared/analytics.ts: failures.exception, failures.error, failures.prepaidBlocked and its accounts).
import type { FlagDetail } from './domain';

/** `reason:` words besides an error's 3-digit code: exception kinds, prepaid scopes, and an error naming no code */
export const REASON_WORDS = ['auth', 'rcs-unsupported', 'other', 'customer', 'account', 'unknown'] as const;
const RETRY_SCHEDULES = ['on-schedule', 'off-schedule'] as const;
/** what `retry:` reads: the schedule, or a retry after we answered 200 in time (judged from the answer before: retry-ladder.ts) */
export const RETRY_TERMS = [...RETRY_SCHEDULES, 'after-200'] as const;
/** the account a block names when its notice names none (the report's key too) */
export const UNNAMED_ACCOUNT = 'unknown';

export interface FlagFacts {
  /** an exception's kind, an error's code ('unknown' when it names none), a prepaid block's scope (customer/account) */
  reasons: string[];
  /** the account of an account-scope prepaid block */
  blockedAccount: string | null;
  /** a repeat of a callback: whether its gap from the attempt before fit the documented retry schedule */
  retry: (typeof RETRY_SCHEDULES)[number] | null;
  /** a simulated repeat's speed-up (absent: real time) */
  simSpeed?: number;
}

export function flagFacts(details: readonly FlagDetail[]): FlagFacts {
  const reasons: string[] = [];
  let blockedAccount: string | null = null;
  let retry: FlagFacts['retry'] = null;
  let simSpeed: number | undefined;
  for (const f of details) {
    if (f.flag === 'exception') reasons.push(f.kind);
    else if (f.flag === 'error') reasons.push(f.code === null ? 'unknown' : String(f.code));
    else if (f.flag === 'prepaid-blocked' && f.scope !== 'unknown') {
      reasons.push(f.scope);
      if (f.scope === 'account') blockedAccount = f.accountId ?? UNNAMED_ACCOUNT;
    } else if (f.flag === 'duplicate') {
      retry = f.fitsSchedule ? 'on-schedule' : 'off-schedule';
      if (f.speed !== undefined) simSpeed = f.speed;
    }
  }
  return { reasons, blockedAccount, retry, ...(simSpeed !== undefined ? { simSpeed } : {}) };
}
