// The analytics view: the report of the messages the search box's query matches, section by section. It follows
// the query as the lists do; every count that a filter can reproduce opens the list of exactly those rows.
import { useEffect } from 'react';
import type { Report } from '../../../shared/analytics';
import { zoneName } from '../lib/clock';
import { formatTime, num, plural } from '../lib/format';
import { useInspector, useInspectorStore } from '../store/context';
import { AnalyticsFailures, AnalyticsFallback, AnalyticsRetries } from './AnalyticsFailures';
import { AnalyticsCampaigns, AnalyticsFunnel } from './AnalyticsFunnel';
import { AnalyticsLatency } from './AnalyticsLatency';
import { AnalyticsOverTime } from './AnalyticsOverTime';
import { ReportQuery } from './AnalyticsParts';
import { AnalyticsReplies } from './AnalyticsReplies';
import { Icon } from './Icons';

export function Analytics() {
  const store = useInspectorStore();
  const query = useInspector((s) => s.query);
  const a = useInspector((s) => s.analytics);
  const deliveriesTotal = useInspector((s) => s.status?.deliveriesTotal ?? null);
  const paused = useInspector((s) => s.paused);
  const zone = useInspector((s) => s.clockZone);

  // the query changed (search box, chips): read the report of the new one
  useEffect(() => {
    if (store.getState().analytics.query !== query) store.getState().loadAnalytics();
  }, [store, query]);

  const report = a.query === query ? a.report : null;
  let body;
  if (a.error !== null && a.query === query) {
    body = (
      <div className="an-empty" data-testid="an-error">
        <Icon name="error" size={16} />
        <p>No figures for this filter: {a.error}</p>
      </div>
    );
  } else if (report === null) {
    body = <p className="dim an-empty" data-testid="an-loading">Reading the figures…</p>;
  } else if (report.messages === 0) {
    body = <Empty query={query} deliveriesTotal={deliveriesTotal} />;
  } else {
    body = <Sections report={report} />;
  }

  return (
    <section className="analytics" aria-label="Analytics" data-testid="analytics">
      <header className="an-head">
        <h1>
          {report ? (
            <>
              <span data-testid="an-messages">{num(report.messages)}</span> {report.messages === 1 ? 'message' : 'messages'}
            </>
          ) : (
            'Analytics'
          )}
          <span className="dim an-scope">{query ? <> matching <code>{query}</code></> : ' · no filter'}</span>
        </h1>
        {report?.window?.from != null && report.window.to != null ? (
          <span className="dim an-window" data-testid="an-window" title="The first and last callback counted, in the clock chosen in Settings">
            {formatTime(report.window.from, Date.now(), zone)} – {formatTime(report.window.to, Date.now(), zone)} <span data-testid="an-window-zone">({zoneName(zone)})</span>
          </span>
        ) : null}
        <span className="spacer" />
        <span
          className={`an-live ${a.loading ? 'busy' : paused ? 'paused' : ''}`}
          aria-live="polite"
          data-testid="an-live"
          title={paused ? 'Live updates are paused: these figures are not refreshed until you resume' : undefined}
        >
          {a.loading ? 'updating…' : paused ? (a.stale ? 'paused · new callbacks not counted' : 'paused') : 'live'}
        </span>
        <button type="button" className="btn small" onClick={() => store.getState().loadAnalytics()} title="Read the figures again now">
          <Icon name="replay" size={11} /> Refresh
        </button>
      </header>
      <div className="an-body">{body}</div>
    </section>
  );
}

function Empty({ query, deliveriesTotal }: { query: string; deliveriesTotal: number | null }) {
  const store = useInspectorStore();
  if (query) {
    return (
      <div className="an-empty" data-testid="an-empty">
        <Icon name="search" size={16} />
        <p>
          No message matches <code>{query}</code>, so there is nothing to count.
        </p>
        <button type="button" className="btn small" onClick={() => store.getState().setQuery('')}>
          Clear the filter
        </button>
      </div>
    );
  }
  return (
    <div className="an-empty" data-testid="an-empty">
      <Icon name="inbox" size={16} />
      {deliveriesTotal ? (
        <p>
          No messages yet: the {plural(deliveriesTotal, 'delivery', 'deliveries')} stored {deliveriesTotal === 1 ? 'carries' : 'carry'} no message reference (or are still being indexed).
        </p>
      ) : (
        <p>No callbacks yet. Once the gateway posts to the callback URL, the figures of its messages appear here as they arrive.</p>
      )}
    </div>
  );
}

function Sections({ report }: { report: Report }) {
  const query = useInspector((s) => s.analytics.query ?? '');
  return (
    <ReportQuery.Provider value={query}>
      <AnalyticsFunnel report={report} />
      <AnalyticsCampaigns report={report} />
      <AnalyticsOverTime report={report} />
      <div className="an-row3">
        <AnalyticsFailures report={report} />
        <AnalyticsFallback report={report} />
        <AnalyticsRetries report={report} />
      </div>
      <div className="an-row2">
        <AnalyticsLatency report={report} />
      </div>
      {report.replies ? (
        <div className="an-row3">
          <AnalyticsReplies report={report} />
        </div>
      ) : null}
    </ReportQuery.Provider>
  );
}
