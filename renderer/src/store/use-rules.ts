// The response rules as the core has them, for the editor: read when it opens, replaced whole on Save (the core
// refuses a bad set and keeps the old one), and the status bar's badge brought up to date at once rather than with
// the next delivery's live frame.
import { useCallback, useEffect, useState } from 'react';
import type { ResponseRules, ResponseRulesInput } from '../../../shared/response-rules';
import { errorMessage } from '../api/client';
import { useApi, useInspectorStore } from './context';

export interface RulesHandle {
  /** null until read */
  saved: ResponseRules | null;
  loadError: string | null;
  /** the rules the core kept; throws its refusal (an ApiError naming the rule and field) */
  save(input: ResponseRulesInput): Promise<ResponseRules>;
}

export function useRules(): RulesHandle {
  const api = useApi();
  const store = useInspectorStore();
  const [saved, setSaved] = useState<ResponseRules | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.getRules({}).then(
      (r) => live && setSaved(r),
      (err) => live && setLoadError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const save = useCallback(
    async (input: ResponseRulesInput) => {
      const rules = await api.setRules(input);
      setSaved(rules);
      // the badge counts what the core applies: its own figure, not one worked out here
      const rulesActive = (await api.getStatus({}).catch(() => null))?.rulesActive;
      const status = store.getState().status;
      if (status && rulesActive !== undefined) store.setState({ status: { ...status, rulesActive } });
      return rules;
    },
    [api, store],
  );

  return { saved, loadError, save };
}
