// The masked view in the renderer: the store keeps the real rows (search, drills and replays use them) and each
// component that draws personal data passes its rows through these on the way to the screen. A row object is masked
// once and the copy reused while the store holds that object, so a live list re-renders at no extra cost.
import {
  maskDeliveryDetail,
  maskDeliverySummary,
  maskMessageDetail,
  maskMessageSummary,
  maskPhone,
  maskPhonesInText,
} from '../../../shared/mask';
import { useInspector } from '../store/context';

export { MASK } from '../../../shared/mask';

function cached<T extends object>(mask: (v: T) => T): (v: T) => T {
  const copies = new WeakMap<T, T>();
  return (v) => {
    let c = copies.get(v);
    if (!c) copies.set(v, (c = mask(v)));
    return c;
  };
}

const views = {
  deliveryRow: cached(maskDeliverySummary),
  messageRow: cached(maskMessageSummary),
  delivery: cached(maskDeliveryDetail),
  message: cached(maskMessageDetail),
  phone: maskPhone,
  text: maskPhonesInText,
  phoneClass: 'masked-phone',
};
type View = typeof views;

const same = <T,>(v: T) => v;
const plain: View = { deliveryRow: same, messageRow: same, delivery: same, message: same, phone: same, text: same, phoneClass: '' };

/** true while "mask personal data" is on, and until the core has said whether it is (nothing real leaks first) */
export const useMasked = (): boolean => useInspector((s) => s.masked !== false);

/**
 * The functions that turn a real row into what the screen shows: masked copies while masking is on. `phoneClass`
 * fits a masked number (three characters longer than the digits) into the lists' user column.
 */
export function useMaskView(): View {
  return useMasked() ? views : plain;
}
