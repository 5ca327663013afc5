// Replay targets and settings, shared by the settings panel, the replay tab and bulk replay, and which overlay is
// open.
import type { ApiInput, Settings, Target } from '../../../shared/api';
import { errorMessage } from '../api/client';
import { clockZone, setClockZone, type ClockZone } from '../lib/clock';
import type { SliceCreator } from './types';

export interface SettingsState {
  /** null until loaded */
  targets: Target[] | null;
  settings: Settings | null;
  /** which overlay is open: settings (with targets), the bulk replay dialog or the response rules editor */
  dialog: 'settings' | 'bulk' | 'rules' | null;
  /** the zone every time is shown in (a view preference kept in this browser, see lib/clock.ts) */
  clockZone: ClockZone;
  /**
   * Personal data shown masked (the core's setting maskPersonalData, lib/mask-view.ts). null until the core said:
   * nothing personal is drawn before then, so a window opened on a screen share never flashes a real number.
   */
  masked: boolean | null;
}

export interface SettingsActions {
  openDialog(dialog: SettingsState['dialog']): void;
  setClockZone(zone: ClockZone): void;
  loadTargets(): Promise<void>;
  /** throws the core's message when it refuses (bad URL, forbidden header) so the form can show it */
  saveTarget(t: ApiInput<'saveTarget'>): Promise<Target>;
  deleteTarget(id: number): Promise<void>;
  loadSettings(): Promise<void>;
  /** throws the core's message when it refuses (bad host, taken subdomain) */
  updateSettings(patch: ApiInput<'updateSettings'>): Promise<Settings>;
  reconnectTunnel(): Promise<void>;
  /** reads the mask setting once at start, quietly: a core without settings (a test's fake) shows data unmasked */
  loadMask(): Promise<void>;
  /** throws the core's message when it refuses */
  setMasked(on: boolean): Promise<void>;
}

export const createSettingsSlice: SliceCreator<SettingsState & SettingsActions> = (set, get, { client }) => {
  const fail = (err: unknown) => set({ error: errorMessage(err) });
  return {
    targets: null,
    settings: null,
    dialog: null,
    clockZone: clockZone(),
    masked: null,

    openDialog(dialog) {
      set({ dialog });
    },
    setClockZone(zone) {
      setClockZone(zone);
      set({ clockZone: zone });
    },
    async loadTargets() {
      try {
        set({ targets: await client.api.listTargets({}) });
      } catch (err) {
        fail(err);
      }
    },
    async saveTarget(t) {
      const saved = await client.api.saveTarget(t);
      // making one target the default un-defaults the others in the core; the list is re-read to match
      set({ targets: await client.api.listTargets({}).catch(() => [...(get().targets ?? []).filter((x) => x.id !== saved.id), saved]) });
      return saved;
    },
    async deleteTarget(id) {
      await client.api.deleteTarget({ id });
      set({ targets: await client.api.listTargets({}).catch(() => (get().targets ?? []).filter((x) => x.id !== id)) });
    },
    async loadSettings() {
      try {
        const settings = await client.api.getSettings({});
        set({ settings, masked: settings.maskPersonalData === true });
      } catch (err) {
        fail(err);
      }
    },
    async updateSettings(patch) {
      const settings = await client.api.updateSettings(patch);
      set({ settings, masked: settings.maskPersonalData === true });
      return settings;
    },
    async loadMask() {
      try {
        const settings = await client.api.getSettings({});
        set({ settings, masked: settings.maskPersonalData === true });
      } catch {
        if (get().masked === null) set({ masked: false });
      }
    },
    async setMasked(on) {
      // at once: the switch is for the moment a screen share starts, not after a round trip
      const before = get().masked;
      set({ masked: on });
      try {
        await get().updateSettings({ maskPersonalData: on });
      } catch (err) {
        set({ masked: before });
        throw err;
      }
    },
    async reconnectTunnel() {
      try {
        const tunnel = await client.api.reconnectTunnel({});
        const status = get().status;
        if (status) set({ status: { ...status, tunnel } });
      } catch (err) {
        fail(err);
      }
    },
  };
};
