// Small tables beside the deliveries: settings (JSON values), replay targets (one default), forward attempts.
import type { Target } from '../../../shared/api';
import type { ForwardAttempt } from '../../../shared/domain';
import type { StoreContext } from './context';
import { toStoreWriteError } from './errors';

function write<T>(ctx: StoreContext, fn: () => T): T {
  try {
    return ctx.db.transaction(fn).immediate();
  } catch (err) {
    throw toStoreWriteError(err);
  }
}

export function getSetting<T>(ctx: StoreContext, key: string): T | undefined {
  const v = ctx.stmt('SELECT value FROM settings WHERE key = ?', 'pluck').get(key) as string | undefined;
  return v === undefined ? undefined : (JSON.parse(v) as T);
}

export function setSetting(ctx: StoreContext, key: string, value: unknown): void {
  const json = JSON.stringify(value);
  write(ctx, () => {
    if (json === undefined) ctx.stmt('DELETE FROM settings WHERE key = ?').run(key);
    else ctx.stmt('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, json);
  });
}

interface TargetRow {
  id: number;
  url: string;
  headers: string;
  is_default: number;
}

const toTarget = (r: TargetRow): Target => ({
  id: r.id,
  url: r.url,
  headers: JSON.parse(r.headers) as [string, string][],
  isDefault: r.is_default === 1,
});

export function listTargets(ctx: StoreContext): Target[] {
  return (ctx.stmt('SELECT id, url, headers, is_default FROM targets ORDER BY id').all() as TargetRow[]).map(toTarget);
}

/** Exactly one default while any target exists: the first saved one unless another is chosen. */
function ensureOneDefault(ctx: StoreContext, preferred: number | null): void {
  if (preferred !== null) {
    ctx.stmt('UPDATE targets SET is_default = (id = ?)').run(preferred);
    return;
  }
  const has = ctx.stmt('SELECT 1 FROM targets WHERE is_default = 1 LIMIT 1').get();
  if (!has) ctx.stmt('UPDATE targets SET is_default = 1 WHERE id = (SELECT min(id) FROM targets)').run();
}

export function saveTarget(ctx: StoreContext, t: { id?: number; url: string; headers: [string, string][]; isDefault: boolean }): Target {
  return write(ctx, () => {
    let id = t.id;
    if (id !== undefined) {
      const info = ctx.stmt('UPDATE targets SET url = ?, headers = ? WHERE id = ?').run(t.url, JSON.stringify(t.headers), id);
      if (info.changes === 0) throw new Error(`no target with id ${id}`);
      if (!t.isDefault) ctx.stmt('UPDATE targets SET is_default = 0 WHERE id = ?').run(id);
    } else {
      id = Number(ctx.stmt('INSERT INTO targets (url, headers, is_default) VALUES (?, ?, 0)').run(t.url, JSON.stringify(t.headers)).lastInsertRowid);
    }
    ensureOneDefault(ctx, t.isDefault ? id : null);
    return toTarget(ctx.stmt('SELECT id, url, headers, is_default FROM targets WHERE id = ?').get(id) as TargetRow);
  });
}

export function deleteTarget(ctx: StoreContext, id: number): void {
  write(ctx, () => {
    ctx.stmt('DELETE FROM targets WHERE id = ?').run(id);
    ensureOneDefault(ctx, null);
  });
}

interface ForwardRow {
  id: number;
  delivery_id: number;
  target_url: string;
  mode: ForwardAttempt['mode'];
  started_at: number;
  attempt: number;
  request_headers: string;
  request_body_size: number;
  status: number | null;
  response_headers: string;
  response_excerpt: string;
  duration_ms: number;
  error: string | null;
}

const toForward = (r: ForwardRow): ForwardAttempt => ({
  id: r.id,
  deliveryId: r.delivery_id,
  targetUrl: r.target_url,
  mode: r.mode,
  startedAt: r.started_at,
  attempt: r.attempt,
  requestHeaders: JSON.parse(r.request_headers) as [string, string][],
  requestBodySize: r.request_body_size,
  status: r.status,
  responseHeaders: JSON.parse(r.response_headers) as [string, string][],
  responseExcerpt: r.response_excerpt,
  durationMs: r.duration_ms,
  error: r.error,
});

export function insertForward(ctx: StoreContext, a: Omit<ForwardAttempt, 'id'>): ForwardAttempt {
  return write(ctx, () => {
    const id = Number(
      ctx
        .stmt(
          `INSERT INTO forward_attempts (delivery_id, target_url, mode, started_at, attempt, request_headers,
             request_body_size, status, response_headers, response_excerpt, duration_ms, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          a.deliveryId,
          a.targetUrl,
          a.mode,
          a.startedAt,
          a.attempt,
          JSON.stringify(a.requestHeaders),
          a.requestBodySize,
          a.status,
          JSON.stringify(a.responseHeaders),
          a.responseExcerpt,
          a.durationMs,
          a.error,
        ).lastInsertRowid,
    );
    return { ...a, id };
  });
}

export function listForwards(ctx: StoreContext, deliveryId: number): ForwardAttempt[] {
  return (ctx.stmt('SELECT * FROM forward_attempts WHERE delivery_id = ? ORDER BY id').all(deliveryId) as ForwardRow[]).map(toForward);
}
