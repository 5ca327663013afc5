import { useEffect, useState } from 'react';

/** re-render every `ms` so relative times ("5 s ago") stay true without a live event */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
