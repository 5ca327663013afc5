// CSV of deliveries or messages for a spreadsheet: one record per row with the columns people filter and pivot
// on, UTF-8 with a byte order mark (spreadsheet apps read a file as UTF-8 only then), cells as shared/csv.ts
// writes them (RFC 4180, formula-like cells kept as text). Times are ISO 8601 in UTC, to the millisecond.
import { csvLine, UTF8_BOM } from '../../shared/csv';
import type { ExportedDelivery, ExportedMessage } from './store/types';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const DELIVERY_COLUMNS = [
  'id', 'received_at', 'reference', 'event_id', 'type', 'kind', 'channel', 'direction', 'user_id', 'campaign',
  'event_timestamp', 'flags', 'attempt', 'outcome', 'answer_status', 'answer_ms', 'reject_reason', 'method', 'path',
  'body_size', 'text', 'imported', 'pinned', 'note',
];

export function* deliveryCsv(rows: Iterable<ExportedDelivery>, isImported: (id: number) => boolean): IterableIterator<string> {
  yield UTF8_BOM + csvLine(DELIVERY_COLUMNS);
  for (const d of rows) {
    const cb = d.callback;
    yield csvLine([
      d.id,
      d.receivedAt,
      cb?.reference,
      cb?.eventId,
      cb?.type,
      cb?.kind ?? 'unknown',
      cb?.channel,
      cb?.direction,
      cb?.userId,
      cb?.campaignName,
      iso(cb?.timestamp ?? null),
      [...new Set(d.flags.map((f) => f.flag))].join(' '),
      d.attempt,
      d.outcome,
      d.response.status,
      d.response.ms,
      d.rejectReason,
      d.request.method,
      d.request.path + (d.request.query ? `?${d.request.query}` : ''),
      d.request.bodySize,
      cb?.text,
      isImported(d.id) ? 'yes' : '',
      d.pinned ? 'yes' : '',
      d.note,
    ]);
  }
}

const MESSAGE_COLUMNS = [
  'reference', 'state', 'user_id', 'campaign', 'first_received_at', 'last_received_at', 'sent_at', 'delivered_at',
  'read_at', 'replied_at', 'failed_at', 'last_type', 'deliveries', 'events', 'duplicates', 'flags', 'anomalies',
  'channels', 'pinned', 'note',
];

export function* messageCsv(rows: Iterable<ExportedMessage>): IterableIterator<string> {
  yield UTF8_BOM + csvLine(MESSAGE_COLUMNS);
  for (const m of rows) {
    yield csvLine([
      m.reference,
      m.state,
      m.userId,
      m.campaign,
      iso(m.firstReceivedAt),
      iso(m.lastReceivedAt),
      iso(m.sentAt),
      iso(m.deliveredAt),
      iso(m.readAt),
      iso(m.repliedAt),
      iso(m.failedAt),
      m.lastType,
      m.deliveryCount,
      m.eventCount,
      m.duplicateCount,
      m.flags.join(' '),
      m.anomalies.join(' '),
      m.channels.join(' '),
      m.pinned ? 'yes' : '',
      m.note,
    ]);
  }
}
