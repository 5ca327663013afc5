// What users answered (Report.replies) in a filtered report: the most frequent suggestion responses, postback
// values and typed texts of the matching messages, read from the bodies of their reply deliveries. A retried reply
// is one answer: only the first delivery of each event is read, and a value counts once per message.
import type { Report, ValueCount } from '../../../shared/analytics';
import { FLAG_NAMES } from '../../../shared/domain';
import { facetKey } from '../../../shared/facet-keys';
import { rawRows, type Scope } from './analytics-scope';
import type { StoreContext } from './context';

const DUPLICATE = 1 << FLAG_NAMES.indexOf('duplicate');
const TOP = 10;

export function replyFigures(ctx: StoreContext, s: Scope): Report['replies'] {
  // bodies are BLOBs, which SQLite's JSON functions would take for JSONB: read as text
  const rows = rawRows<['s' | 'p' | 't', string, number]>(
    ctx,
    s,
    `, r AS MATERIALIZED (
       SELECT d.msg_id, d.type_lc, (SELECT CAST(b.body AS TEXT) FROM bodies b WHERE b.id = d.id) j
       -- only the deliveries of matching messages that hold a reply are read (found from the facet's side)
       FROM (SELECT x.msg_id FROM message_facets x WHERE x.facet = ? AND x.msg_id IN (SELECT id FROM scope)) rm
         JOIN deliveries d INDEXED BY deliveries_msg ON d.msg_id = rm.msg_id
       WHERE d.kind = 'reply' AND d.flags_mask & ? = 0 AND d.type_lc IN ('suggestionresponse', 'text')),
     v(c, msg_id, val) AS (
       SELECT 's', msg_id, coalesce(j ->> '$.message.suggestionResponse.text', j ->> '$.message.suggestionResponse.postbackData')
         FROM r WHERE type_lc = 'suggestionresponse' AND json_valid(j)
       UNION ALL
       SELECT 'p', msg_id, j ->> '$.message.suggestionResponse.postbackData' FROM r WHERE type_lc = 'suggestionresponse' AND json_valid(j)
       UNION ALL
       SELECT 't', msg_id, CASE json_type(j, '$.message') WHEN 'text' THEN j ->> '$.message' ELSE j ->> '$.message.text' END
         FROM r WHERE type_lc = 'text' AND json_valid(j))
     SELECT c, val, count(DISTINCT msg_id) FROM v WHERE val IS NOT NULL AND val != '' GROUP BY c, val`,
    facetKey('kind', 'reply'),
    DUPLICATE,
  );
  const lists: Record<'s' | 'p' | 't', ValueCount[]> = { s: [], p: [], t: [] };
  for (const [c, value, n] of rows) lists[c].push({ value: String(value), n });
  const top = (l: ValueCount[]) => l.sort((a, b) => b.n - a.n || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).slice(0, TOP);
  return { suggestions: top(lists.s), postbacks: top(lists.p), texts: top(lists.t) };
}
