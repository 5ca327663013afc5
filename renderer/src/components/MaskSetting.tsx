// "Mask personal data": the switch in Settings and the status bar's badge while it is on. Kept by the core with the
// other settings (so `serve --mask` and every window agree); what it hides is shared/mask.ts's.
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { useInspector, useInspectorStore } from '../store/context';
import { Icon } from './Icons';

const WHAT = 'Phone numbers show as 55 11 9••••-••21; what customers wrote, names and vars as •••';

export function MaskSetting() {
  const store = useInspectorStore();
  const masked = useInspector((s) => s.masked === true);
  const [error, setError] = useState<string | null>(null);
  const toggle = async (on: boolean) => {
    setError(null);
    try {
      await store.getState().setMasked(on);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section>
      <h3>Privacy</h3>
      <label className="check">
        <input type="checkbox" checked={masked} onChange={(e) => void toggle(e.target.checked)} data-testid="mask-setting" /> Mask personal data
      </label>
      <p className="dim">
        {WHAT}, in lists, details, raw bodies, analytics, exports and cURL copies: for screen shares and bug reports.
        Search still finds the real values.
      </p>
      {error ? <p className="bad-text" role="alert">{error}</p> : null}
    </section>
  );
}

/** in the status bar while masking is on; opens Settings, where it is switched off */
export function MaskBadge() {
  const store = useInspectorStore();
  const masked = useInspector((s) => s.masked === true);
  if (!masked) return null;
  return (
    <button type="button" className="badge tone-warn mask-badge" data-testid="mask-badge" title={`Personal data is masked. ${WHAT}. Click to change it in Settings.`} onClick={() => store.getState().openDialog('settings')}>
      <Icon name="blocked" size={11} /> personal data masked
    </button>
  );
}
