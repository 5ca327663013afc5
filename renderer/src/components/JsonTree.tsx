// Collapsible JSON, rendered as text nodes only. Long strings and big containers are cut with "show more"
// so a 1 MB payload does not put a megabyte into the DOM at once.
import { num } from '../lib/format';
import { useState } from 'react';
import { copyText } from '../lib/clipboard';
import { revealHidden } from '../../../shared/visible-text';
import { Icon } from './Icons';

const STRING_CUT = 400;
const CHILDREN_CUT = 100;

const isIdent = (k: string) => /^[A-Za-z_$][\w$]*$/.test(k);
const childPath = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : isIdent(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

export function JsonTree({ value, onCopied }: { value: unknown; onCopied?: (what: string) => void }) {
  return (
    <div className="json-tree mono" data-testid="json-tree">
      <Node name={null} value={value} path="$" depth={0} onCopied={onCopied} />
    </div>
  );
}

function Node({ name, value, path, depth, onCopied }: { name: string | number | null; value: unknown; path: string; depth: number; onCopied?: (what: string) => void }) {
  const [open, setOpen] = useState(depth < 3);
  const [shown, setShown] = useState(CHILDREN_CUT);
  const isObj = value !== null && typeof value === 'object';
  const label = name === null ? null : <span className="j-key">{typeof name === 'number' ? name : revealHidden(JSON.stringify(name))}</span>;
  const tools = (
    <span className="j-tools">
      <button className="link-btn" title={revealHidden(`Copy value at ${path}`)} onClick={(e) => (e.stopPropagation(), void copyText(typeof value === 'string' ? value : JSON.stringify(value, null, 2)).then(() => onCopied?.('value')))}>
        <Icon name="copy" size={10} /> value
      </button>
      <button className="link-btn" title="Copy path" onClick={(e) => (e.stopPropagation(), void copyText(path).then(() => onCopied?.(`path ${path}`)))}>
        path
      </button>
    </span>
  );
  if (!isObj) {
    return (
      <div className="j-row" data-path={path}>
        {label}
        {label ? <span className="j-colon">: </span> : null}
        <Scalar value={value} />
        {tools}
      </div>
    );
  }
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value as object);
  const [openB, closeB] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return (
    <div className="j-node" data-path={path}>
      <div className="j-row j-toggle" onClick={() => setOpen(!open)}>
        <Icon name={open ? 'chevronDown' : 'chevronRight'} size={10} />
        {label}
        {label ? <span className="j-colon">: </span> : null}
        <span className="j-punct">{openB}</span>
        {!open ? <span className="j-summary">{entries.length} {Array.isArray(value) ? (entries.length === 1 ? 'item' : 'items') : entries.length === 1 ? 'key' : 'keys'} {closeB}</span> : null}
        {tools}
      </div>
      {open ? (
        <div className="j-children">
          {entries.slice(0, shown).map(([k, v]) => (
            <Node key={String(k)} name={k} value={v} path={childPath(path, k)} depth={depth + 1} onCopied={onCopied} />
          ))}
          {entries.length > shown ? (
            <button className="link-btn" onClick={() => setShown(shown + CHILDREN_CUT * 5)}>show {Math.min(entries.length - shown, CHILDREN_CUT * 5)} more of {entries.length - shown}</button>
          ) : null}
          <div className="j-punct">{closeB}</div>
        </div>
      ) : null}
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  const [full, setFull] = useState(false);
  if (typeof value === 'string') {
    const cut = !full && value.length > STRING_CUT;
    return (
      <span className="j-str">
        "{revealHidden(cut ? value.slice(0, STRING_CUT) : value, 'block')}"
        {cut ? (
          <button className="link-btn" onClick={() => setFull(true)}>… show all {num(value.length)} chars</button>
        ) : null}
      </span>
    );
  }
  if (typeof value === 'number') return <span className="j-num">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="j-bool">{String(value)}</span>;
  return <span className="j-null">null</span>;
}
