// The inspector window: toolbar, chips, list on the left, timeline / delivery on the right, status bar.
import { formatCount, num } from './lib/format';
import { Analytics } from './components/Analytics';
import { BulkProgress, BulkReplayDialog } from './components/BulkReplay';
import { SettingsPanel } from './components/SettingsPanel';
import { DataButtons } from './components/ExportDialog';
import { RulesEditor } from './components/RulesEditor';
import { StoreDamagedBanner, TestCallbackNotice, Toasts, UrlChangedBanner } from './components/Notices';
import { useEffect, useRef, useState } from 'react';
import type { View } from './store/list-window';
import { useInspector, useInspectorStore } from './store/context';
import { indexedTotals } from './store/live-slice';
import { Chips } from './components/Chips';
import { DeliveryDetail } from './components/DeliveryDetail';
import { DeliveryList } from './components/DeliveryList';
import { FirstRun } from './components/FirstRun';
import { Icon } from './components/Icons';
import { MessageList } from './components/MessageList';
import { SearchBox, type SearchBoxHandle } from './components/SearchBox';
import { StatusBar } from './components/StatusBar';
import { Timeline } from './components/Timeline';
import { MarkBar } from './components/MarkBar';
import { DeleteMatchingButton } from './components/DeleteDialog';
import { revealHidden } from '../../shared/visible-text';
import { useMaskView } from './lib/mask-view';

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);

export function App() {
  const store = useInspectorStore();
  const view = useInspector((s) => s.view);
  const analyticsOpen = useInspector((s) => s.analyticsOpen);
  const paused = useInspector((s) => s.paused);
  const pendingNew = useInspector((s) => s.pendingNew);
  const status = useInspector((s) => s.status);
  const query = useInspector((s) => s.query);
  const counts = useInspector((s) => s.counts);
  const hasDetail = useInspector((s) => s.selectedRef !== null || s.selectedDeliveryId !== null);
  const error = useInspector((s) => s.error);
  const dialog = useInspector((s) => s.dialog);
  const bulk = useInspector((s) => s.bulk);
  // a capped total says so ("10,000+") until scrolling reaches the end
  const inexact: Record<View, number | null> = {
    messages: useInspector((s) => (s.messages.loaded && !s.messages.totalIsExact ? s.messages.total : null)),
    deliveries: useInspector((s) => (s.deliveries.loaded && !s.deliveries.totalIsExact ? s.deliveries.total : null)),
  };
  // scoped counts may be a lower bound (counts.sampled); a list paged to its real end knows better
  const exactListTotal: Record<View, number> = {
    messages: useInspector((s) => (s.messages.loaded && s.messages.totalIsExact ? s.messages.total : 0)),
    deliveries: useInspector((s) => (s.deliveries.loaded && s.deliveries.totalIsExact ? s.deliveries.total : 0)),
  };
  const countsSampled = useInspector((s) => s.counts?.sampled ?? false);
  // a query that does not parse has no rows to count: the tabs show no figure rather than the last query's
  const queryRejected = useInspector((s) => s.queryError !== null && s.query.trim() !== '');
  // with no search the tabs show the store's indexed totals from the same live frame as the status bar: one figure,
  // not a second one refreshed on its own schedule
  const whole: Record<View, number | null> = {
    messages: useInspector((s) => (s.status && !s.query.trim() ? indexedTotals(s.status).messages : null)),
    deliveries: useInspector((s) => (s.status && !s.query.trim() ? indexedTotals(s.status).deliveries : null)),
  };
  const searchRef = useRef<SearchBoxHandle>(null);
  const [scrollTo, setScrollTo] = useState<{ index: number; seq: number } | null>(null);

  useEffect(() => store.getState().start(), [store]);
  useEffect(() => {
    void store.getState().loadMask();
    // another window may have switched masking: a window brought forward reads it again
    const reread = () => void store.getState().loadMask();
    window.addEventListener('focus', reread);
    return () => window.removeEventListener('focus', reread);
  }, [store]);
  // rows wait for the mask setting: drawn before it, a masked view would first flash the real numbers
  const maskKnown = useInspector((s) => s.masked !== null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target)) return;
      const s = store.getState();
      if (s.dialog) return;
      // the list is hidden behind the analytics view: only search and Escape apply there
      if (s.analyticsOpen && e.key !== '/' && e.key !== 'Escape') return;
      const move = (delta: number) => {
        e.preventDefault();
        const idx = s.moveCursor(delta);
        if (idx !== null) setScrollTo({ index: idx, seq: Date.now() });
      };
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          return move(1);
        case 'k':
        case 'ArrowUp':
          return move(-1);
        case 'PageDown':
          return move(20);
        case 'PageUp':
          return move(-20);
        case 'Enter':
          e.preventDefault();
          return s.openCursor();
        case '/':
          e.preventDefault();
          return searchRef.current?.focus();
        case 'Escape':
          if (s.selectedDeliveryId !== null && s.selectedRef !== null && s.view === 'messages') return s.selectDelivery(null);
          if (s.selectedRef !== null || s.selectedDeliveryId !== null) return s.closeDetail();
          if (s.query) return s.setQuery('');
          return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const showFirstRun = status !== null && status.deliveriesTotal === 0 && !query;
  const tab = (v: View, label: string, n: number | undefined) => (
    <button role="tab" aria-selected={!analyticsOpen && view === v} className={!analyticsOpen && view === v ? 'on' : ''} onClick={() => (store.getState().openAnalytics(false), store.getState().setView(v))}>
      {label}
      {queryRejected ? null : whole[v] !== null ? (
        <span className="tab-count" data-testid={`${v}-count`}>{num(whole[v])}</span>
      ) : inexact[v] !== null ? (
        <span className="tab-count" data-testid={`${v}-count`} title="At least this many; counting stops here to stay fast">{formatCount(Math.max(inexact[v]!, n ?? 0), false)}</span>
      ) : exactListTotal[v] > 0 ? (
        <span className="tab-count" data-testid={`${v}-count`}>{num(exactListTotal[v])}</span>
      ) : n !== undefined ? (
        <span className="tab-count" data-testid={`${v}-count`} title={countsSampled ? 'At least this many; counting stops here to stay fast' : undefined}>
          {formatCount(n, !countsSampled)}
        </span>
      ) : null}
    </button>
  );
  const closeDialog = () => store.getState().openDialog(null);

  return (
    <div className="app">
      <header className="toolbar">
        <div className="brand" title="RCS Callback Inspector">
          <Icon name="inbox" size={16} /> <span>RCS Callback Inspector</span>
        </div>
        <div className="view-tabs" role="tablist">
          {tab('messages', 'Messages', counts?.messages)}
          {tab('deliveries', 'All deliveries', counts?.deliveries)}
          <button role="tab" aria-selected={analyticsOpen} className={analyticsOpen ? 'on' : ''} onClick={() => store.getState().openAnalytics(true)}>
            Analytics
          </button>
        </div>
        <SearchBox ref={searchRef} />
        {pendingNew > 0 ? (
          <button className="btn new-pill" onClick={() => (store.getState().showNew(), setScrollTo({ index: 0, seq: Date.now() }))} data-testid="new-indicator">
            {num(pendingNew)} new
          </button>
        ) : null}
        {/* at 1280 px and below only its icon: the search box keeps room for a query (its name and tooltip stay whole) */}
        <button
          className={`btn ${paused ? 'warn' : ''}`}
          onClick={() => store.getState().togglePause()}
          aria-pressed={paused}
          title={paused ? 'Resume live: rows move again as callbacks arrive' : 'Pause live: stop rows from moving while you read'}
          aria-label={paused ? 'Resume live' : 'Pause live'}
        >
          <Icon name={paused ? 'play' : 'pause'} size={12} />
          <span className="wide-words"> {paused ? 'Resume' : 'Pause'} live</span>
        </button>
        <DataButtons />
        <button className="btn" onClick={() => store.getState().openDialog('bulk')} title="Replay every delivery matching the filter to one of your endpoints" aria-label="Replay filtered…">
          <Icon name="replay" size={12} /> Replay<span className="wide-words"> filtered</span>…
        </button>
        <DeleteMatchingButton />
        <button className="icon-btn toolbar-icon" aria-label="Settings" title="Settings: tunnel, forwarding, replay targets" onClick={() => store.getState().openDialog('settings')}>
          <Icon name="settings" size={16} />
        </button>
      </header>
      <UrlChangedBanner />
      <StoreDamagedBanner />
      <TestCallbackNotice />
      <Chips />
      {bulk && !bulk.error && dialog !== 'bulk' ? <BulkProgress bulk={bulk} compact /> : null}
      {analyticsOpen && maskKnown ? <Analytics /> : null}
      <main className={`main ${hasDetail ? 'with-detail' : ''}`} hidden={analyticsOpen}>
        <section className="list-pane">
          {!maskKnown ? null : showFirstRun ? <FirstRun /> : view === 'messages' ? <MessageList scrollToIndex={scrollTo} /> : <DeliveryList scrollToIndex={scrollTo} />}
        </section>
        {hasDetail && maskKnown ? <DetailPane /> : null}
      </main>
      {error ? (
        <div className="error-toast" role="alert">
          <Icon name="error" size={14} /> <span>{revealHidden(error)}</span>
          <button className="icon-btn" aria-label="Dismiss" onClick={() => store.getState().dismissError()}><Icon name="close" size={12} /></button>
        </div>
      ) : null}
      <Toasts />
      <StatusBar />
      {dialog === 'settings' ? <SettingsPanel onClose={closeDialog} /> : null}
      {dialog === 'bulk' ? <BulkReplayDialog onClose={closeDialog} /> : null}
      {dialog === 'rules' ? <RulesEditor onClose={closeDialog} /> : null}
    </div>
  );
}

function DetailPane() {
  const store = useInspectorStore();
  const message = useInspector((s) => s.messageDetail);
  const delivery = useInspector((s) => s.deliveryDetail);
  const deliveryId = useInspector((s) => s.selectedDeliveryId);
  const loading = useInspector((s) => s.detailLoading);
  const shown = useMaskView();
  return (
    <aside className="detail-pane" aria-label="Detail">
      <button className="icon-btn close-detail" title="Close (Esc)" aria-label="Close detail" onClick={() => store.getState().closeDetail()}>
        <Icon name="close" size={14} />
      </button>
      {deliveryId !== null ? (
        delivery ? (
          <>
            <MarkBar target={{ kind: 'delivery', id: delivery.id }} />
            <DeliveryDetail key={delivery.id} d={shown.delivery(delivery)} />
          </>
        ) : <p className="dim pad">{loading ? 'Loading delivery…' : 'Delivery not found.'}</p>
      ) : message ? (
        <>
          <MarkBar target={{ kind: 'message', reference: message.summary.reference }} />
          <Timeline detail={shown.message(message)} />
        </>
      ) : (
        <p className="dim pad">{loading ? 'Loading timeline…' : 'Message not found.'}</p>
      )}
    </aside>
  );
}
