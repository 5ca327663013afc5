// What the phone showed (or what the user sent), drawn from plain elements. Nothing from the payload is ever
// parsed as HTML, only http(s) URLs become links (opened outside the app), images load only on request, and every
// text shows its hidden characters (bidi overrides, zero-width) as codes.
import { plural } from '../lib/format';
import { useState, type ReactNode } from 'react';
import { coordinateValue } from '../../../shared/callback-fields';
import type { NormalizedCallback } from '../../../shared/domain';
import { revealHidden } from '../../../shared/visible-text';
import { copyText } from '../lib/clipboard';
import { MASK } from '../lib/mask-view';
import { openExternal, safeHttpUrl } from '../lib/safe-url';
import { Icon } from './Icons';

const TEXT_CUT = 4000;
type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

export function Preview({ callback }: { callback: NormalizedCallback }) {
  const msg = callback.message;
  const out = (() => {
    if (msg === null || msg === undefined) return <p className="dim">No message content: a status callback ({revealHidden(callback.type ?? callback.kind)}).</p>;
    if (typeof msg === 'string') return <div className={`bubble ${callback.kind === 'exception' || callback.kind === 'error' ? 'bubble-bad' : ''}`} data-testid="bubble"><LongText text={msg} block /></div>;
    const o = asObj(msg);
    if (!o) return <p className="dim">Message is {Array.isArray(msg) ? 'an array' : typeof msg}; see JSON.</p>;
    return <Content o={o} inbound={callback.direction === 'inbound'} />;
  })();
  return (
    <div className="preview" data-testid="preview">
      <div className="preview-meta dim">
        {revealHidden(`${callback.direction ?? '?'} · ${callback.channel ?? '?'} · ${callback.type ?? '?'}`)}
      </div>
      {out}
      {callback.vars && Object.keys(callback.vars).length > 0 ? (
        <div className="vars">
          <span className="dim">vars</span>
          {Object.entries(callback.vars).slice(0, 50).map(([k, v]) => (
            <span key={k} className="var mono" data-testid="var">{revealHidden(k)}=<LongText text={typeof v === 'string' ? v : JSON.stringify(v) ?? ''} cut={200} /></span>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function Content({ o, inbound }: { o: Obj; inbound: boolean }) {
  const ct = (str(o.contentType) ?? '').toLowerCase();
  const inner = asObj(o.message);
  const bubbleCls = `bubble ${inbound ? 'bubble-in' : ''}`;
  if (ct === 'text' || (!ct && str(o.text))) return <div className={bubbleCls} data-testid="bubble"><LongText text={str(o.text) ?? ''} block /></div>;
  if (ct === 'image' || ct === 'video') {
    const m = asObj(o[ct]) ?? {};
    const url = str(m.url) ?? str(m.fileUri) ?? str(m.fileUrl);
    return (
      <div className={bubbleCls}>
        <Media url={url} kind={ct} />
        {str(m.fileName) ? <div className="dim">{revealHidden(`${str(m.fileName)} ${str(m.mimeType) ? `(${str(m.mimeType)})` : ''}`)}</div> : null}
      </div>
    );
  }
  if (ct === 'richcard' && inner) return <Card c={inner} />;
  if (ct === 'carousel' && inner) {
    const items = Array.isArray(inner.items) ? inner.items : [];
    return (
      <div>
        {str(inner.text) ? <div className="bubble"><LongText text={str(inner.text)!} block /></div> : null}
        <div className="carousel">
          {items.slice(0, 20).map((it, i) => {
            const c = asObj(it);
            return c ? <Card key={i} c={c} /> : null;
          })}
        </div>
      </div>
    );
  }
  if (ct === 'suggestionresponse') {
    const r = asObj(o.suggestionResponse) ?? {};
    return (
      <div className={`${bubbleCls} tap`}>
        <Icon name="reply" size={12} /> tapped <strong><LongText text={str(r.text) ?? '?'} cut={300} /></strong>
        <div className="dim mono">{revealHidden(str(r.type) ?? '')} · postbackData: <LongText text={str(r.postbackData) ?? '—'} cut={300} /></div>
      </div>
    );
  }
  if (ct === 'location') {
    const l = asObj(o.location) ?? {};
    const lat = coordinateValue(l.latitude);
    const lon = coordinateValue(l.longitude);
    const ok = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    if (l.latitude === MASK) return <div className={bubbleCls}><Icon name="pin" size={14} /> location hidden: personal data is masked</div>;
    return (
      <div className={bubbleCls}>
        <Icon name="pin" size={14} /> <span className="mono">{revealHidden(`${str(l.latitude)}, ${str(l.longitude)}`)}</span>
        {ok ? (
          <div>
            <ExternalLink url={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`}>Open map</ExternalLink>
          </div>
        ) : <div className="dim">not a valid coordinate</div>}
      </div>
    );
  }
  return <p className="dim">Content type “{revealHidden(ct || 'none')}” has no preview; see JSON.</p>;
}

function Card({ c }: { c: Obj }) {
  const suggestions = Array.isArray(c.suggestions) ? c.suggestions : [];
  return (
    <div className="card">
      <Media url={str(c.fileUrl) ?? str(c.imageUrl)} kind="image" />
      {str(c.title) ? <div className="card-title" data-testid="card-title"><LongText text={str(c.title)!} cut={300} /></div> : null}
      {str(c.description) ? <div className="card-desc" data-testid="card-description"><LongText text={str(c.description)!} cut={1000} block /></div> : null}
      {suggestions.length ? <Suggestions list={suggestions} /> : null}
    </div>
  );
}

function Suggestions({ list }: { list: unknown[] }) {
  return (
    <div className="suggestions">
      {list.slice(0, 20).map((s, i) => {
        const o = asObj(s) ?? {};
        const type = (str(o.type) ?? '').toLowerCase();
        const title = str(o.title) ?? '?';
        const value = str(o.value) ?? '';
        if (type === 'openurl' || type === 'url') {
          const url = safeHttpUrl(value);
          return url ? (
            <ExternalLink key={i} url={url} className="sugg sugg-url"><Icon name="link" size={11} /> <LongText text={title} cut={100} /></ExternalLink>
          ) : (
            <span key={i} className="sugg sugg-blocked" title="Not an http(s) link: not clickable">
              <Icon name="blocked" size={11} /> <LongText text={title} cut={100} /> <span className="mono dim"><LongText text={value} cut={100} /></span>
            </span>
          );
        }
        return (
          <span key={i} className="sugg" data-testid="suggestion" title={revealHidden(`${type}: ${value.slice(0, 300)}`)}>
            {type === 'call' ? <Icon name="plug" size={11} /> : <Icon name="reply" size={11} />} <LongText text={title} cut={100} />
            {type === 'call' ? <span className="mono dim"> {revealHidden(value.slice(0, 40))}</span> : null}
          </span>
        );
      })}
    </div>
  );
}

function Media({ url, kind }: { url: string | null; kind: string }) {
  const [load, setLoad] = useState(false);
  if (!url) return null;
  if (url === MASK) return <div className="media dim" data-testid="media"><Icon name="image" size={16} /> link hidden: personal data is masked</div>;
  const safe = safeHttpUrl(url);
  if (!safe) return <div className="media blocked mono" data-testid="media"><Icon name="blocked" size={12} /> not an http(s) URL: <LongText text={url} cut={200} /></div>;
  if (kind === 'image' && load) return <img className="media-img" src={safe} alt="remote content" referrerPolicy="no-referrer" />;
  // The page's CSP lets images in over https only (the desktop window would silently upgrade http: to https:), so a
  // "Load image" here could never show what the URL names.
  if (kind === 'image' && safe.startsWith('http:')) return <PlainHttpImage url={safe} />;
  return (
    <div className="media" data-testid="media">
      <Icon name="image" size={16} />
      <span className="mono media-url"><LongText text={safe} cut={200} /></span>
      {kind === 'image' ? (
        <button className="btn small" onClick={() => setLoad(true)} title="Fetches the image from the remote server">Load image</button>
      ) : (
        <ExternalLink url={safe} className="btn small">Open {kind}</ExternalLink>
      )}
    </div>
  );
}

function PlainHttpImage({ url }: { url: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = async () => {
    setCopied(await copyText(url));
    setTimeout(() => setCopied(null), 1500);
  };
  return (
    <div className="media media-http" data-testid="media">
      <Icon name="image" size={16} />
      <span className="mono media-url"><LongText text={url} cut={200} /></span>
      <ExternalLink url={url} className="btn small">Open in browser</ExternalLink>
      <button className="btn small" onClick={() => void copy()}>
        <Icon name={copied ? 'check' : 'copy'} size={12} /> {copied === null ? 'Copy URL' : copied ? 'Copied' : 'Copy failed'}
      </button>
      <span className="media-note">Plain-http images are blocked by the app's security policy (images load only over https). Open it in your browser instead.</span>
    </div>
  );
}

function ExternalLink({ url, children, className }: { url: string; children: ReactNode; className?: string }) {
  const safe = safeHttpUrl(url);
  if (!safe) return <span className={className}>{children}</span>;
  return (
    <a
      href={safe}
      target="_blank"
      rel="noopener noreferrer"
      className={className ?? 'ext'}
      title={safe}
      onClick={(e) => {
        e.preventDefault();
        openExternal(safe);
      }}
    >
      {children}
    </a>
  );
}

/** Untrusted text, cut long with "more"; `block` keeps its line breaks and tabs (see revealHidden). */
export function LongText({ text, cut = TEXT_CUT, block = false }: { text: string; cut?: number; block?: boolean }) {
  const [full, setFull] = useState(false);
  const layout = block ? 'block' : 'line';
  if (full || text.length <= cut) return <>{revealHidden(text, layout)}</>;
  return (
    <>
      {revealHidden(text.slice(0, cut), layout)}
      <button className="link-btn" onClick={(e) => (e.stopPropagation(), setFull(true))}>… {plural(text.length - cut, 'more char')}</button>
    </>
  );
}
