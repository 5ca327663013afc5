// What the app tells the user outside the lists: an error line, the URL-changed banner, the damaged-store banner
// (dismissed per set of files) and toasts for the core's warnings (some stay until dismissed).
import type { ApiEvents, AppStatus } from '../../../shared/api';
import type { SliceCreator } from './types';

/** a transient notice in the corner: core warnings, confirmations */
export interface Toast {
  id: number;
  tone: 'warn' | 'info' | 'good' | 'bad';
  message: string;
  at: number;
  /** the core's warning code, so a repeated warning bumps `repeats` instead of stacking */
  code: string | null;
  repeats: number;
  /** stays until the user dismisses it: the warning asks for something to be done, and a toast gone in seconds is missed */
  sticky: boolean;
}

/** toasts shown at once; older ones give way (sticky ones only to other sticky ones) */
const MAX_TOASTS = 4;

/**
 * Warnings about callbacks that may never reach the user (a sender with a browser User-Agent meets localtunnel's
 * reminder page): they stay until dismissed.
 */
const STICKY_WARNINGS: ReadonlySet<string> = new Set(['browser-user-agent']);

/** Notices the core sends on the warning channel that report a success: shown with the check, not the warning sign. */
const GOOD_NOTICES: ReadonlySet<string> = new Set(['simulate-done']);

/** the newest `max` toasts, sticky ones kept before any other */
function keepNewest(toasts: Toast[], max: number): Toast[] {
  const sticky = toasts.filter((t) => t.sticky).slice(-max);
  const room = max - sticky.length;
  const rest = room > 0 ? toasts.filter((t) => !t.sticky).slice(-room) : [];
  const kept = new Set([...sticky, ...rest]);
  return toasts.filter((t) => kept.has(t));
}

export interface NoticesState {
  error: string | null;
  urlChanged: ApiEvents['urlChanged'] | null;
  /** the damaged store files the user closed the banner for (it comes back when another one is found) */
  storeDamageDismissed: string | null;
  toasts: Toast[];
}

export interface NoticesActions {
  dismissError(): void;
  reportError(message: string): void;
  dismissUrlChanged(): void;
  dismissStoreDamaged(): void;
  pushToast(t: { tone: Toast['tone']; message: string; code?: string | null; sticky?: boolean }): void;
  dismissToast(id: number): void;
}

/** which damaged files a banner is about: dismissing it holds until this changes */
export function damagedKey(status: AppStatus | null): string {
  return (status?.damagedStores ?? []).map((d) => d.file).join('\n');
}

export const createNoticesSlice: SliceCreator<NoticesState & NoticesActions> = (set, get, deps) => {
  let toastSeq = 0;
  deps.on('urlChanged', (change) => set({ urlChanged: change }));
  deps.on('warning', (w) => get().pushToast({ tone: GOOD_NOTICES.has(w.code) ? 'good' : 'warn', message: w.message, code: w.code, sticky: STICKY_WARNINGS.has(w.code) }));

  return {
    error: null,
    urlChanged: null,
    storeDamageDismissed: null,
    toasts: [],

    dismissError() {
      set({ error: null });
    },
    reportError(message) {
      set({ error: message });
    },
    dismissUrlChanged() {
      set({ urlChanged: null });
    },
    dismissStoreDamaged() {
      set({ storeDamageDismissed: damagedKey(get().status) });
    },
    pushToast({ tone, message, code = null, sticky = false }) {
      const toasts = get().toasts;
      const same = code !== null ? toasts.find((t) => t.code === code && t.message === message) : undefined;
      if (same) {
        set({ toasts: toasts.map((t) => (t === same ? { ...t, at: Date.now(), repeats: t.repeats + 1 } : t)) });
        return;
      }
      set({ toasts: keepNewest([...toasts, { id: ++toastSeq, tone, message, code, at: Date.now(), repeats: 1, sticky }], MAX_TOASTS) });
    },
    dismissToast(id) {
      set({ toasts: get().toasts.filter((t) => t.id !== id) });
    },
  };
};
