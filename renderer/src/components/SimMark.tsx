// The small "sim" badge of a row or a message the inspector's gateway simulator sent (the delivery detail shows the
// full "simulated" badge read off its headers; lists carry only the stored mark).
import { SIMULATED_HEADER } from '../../../shared/constants';
import { Icon } from './Icons';

const SIM_HINT = `Sent by the inspector's gateway simulator (${SIMULATED_HEADER} header), not by the gateway`;

export function SimMark() {
  return (
    <span className="badge tone-info" title={SIM_HINT} data-testid="sim-mark">
      <Icon name="replay" size={11} />
      <span className="badge-label">sim</span>
    </span>
  );
}
