// How a message's timeline is arranged for display; shared by the store (pages it reads) and the UI (pages it
// joins), and free of parsing code so the renderer bundle stays small.
import type { MessageDetail, TimelineEvent } from './domain';

/** Events grouped by event_id, in order of first timestamp. */
export function eventIdGroups(events: readonly TimelineEvent[]): MessageDetail['eventIds'] {
  const groups = new Map<string | null, string[]>();
  for (const e of events) {
    const keys = groups.get(e.eventId);
    if (keys) keys.push(e.key);
    else groups.set(e.eventId, [e.key]);
  }
  return [...groups].map(([eventId, eventKeys]) => ({ eventId, eventKeys }));
}

/** A message's detail with the next page of its events appended (a page already shown is not repeated). */
export function withMoreEvents(detail: MessageDetail, page: readonly TimelineEvent[]): MessageDetail {
  const known = new Set(detail.events.map((e) => e.key));
  const events = [...detail.events, ...page.filter((e) => !known.has(e.key))];
  return { ...detail, events, eventIds: eventIdGroups(events) };
}
