// The one clock every time on screen is shown in: the user's local zone (default), UTC, or the gateway's own
// America/Sao_Paulo. A view preference, so it lives in this browser's localStorage, not in the core's settings.
// The zone is module state read by the formatters, so a component that formats a time needs no prop for it; the
// components that show times subscribe to the store's copy (settings slice) to re-render when it changes.

export const CLOCK_ZONES = ['local', 'UTC', 'America/Sao_Paulo'] as const;
export type ClockZone = (typeof CLOCK_ZONES)[number];

const STORAGE_KEY = 'rcs-inspector.clock-zone';

function readSaved(): ClockZone {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return (CLOCK_ZONES as readonly string[]).includes(v ?? '') ? (v as ClockZone) : 'local';
  } catch {
    // storage can be switched off (privacy settings); the default zone still works
    return 'local';
  }
}

let current: ClockZone = readSaved();

export const clockZone = (): ClockZone => current;

export function setClockZone(zone: ClockZone): void {
  current = zone;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, zone);
  } catch {
    /* not persisted this time; the choice still applies until reload */
  }
}

/** the IANA name of the machine's zone ("Europe/Berlin"), for the settings' "Local" choice */
export const localZoneName = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';

/** the zone's name in column headers and beside times: "local", "UTC", "São Paulo" */
export function zoneName(zone: ClockZone = current): string {
  return zone === 'local' ? 'local' : zone === 'UTC' ? 'UTC' : 'São Paulo';
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** minutes east of UTC at that instant (DST included) */
  offset: number;
}

// one formatter per zone: building an Intl.DateTimeFormat costs far more than using one, and lists format a time
// per visible row on every live refresh
const formatters = new Map<ClockZone, Intl.DateTimeFormat>();
function formatterFor(zone: ClockZone): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone === 'local' ? undefined : zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function zonedParts(ms: number, zone: ClockZone = current): ZonedParts {
  const p: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const milli = ((ms % 1000) + 1000) % 1000;
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!, milli);
  return {
    year: p.year!,
    month: p.month!,
    day: p.day!,
    hour: p.hour! % 24,
    minute: p.minute!,
    second: p.second!,
    ms: milli,
    offset: Math.round((wall - ms) / 60_000),
  };
}

/** "UTC" in the UTC zone, else the offset at that instant: "UTC−03:00", "UTC+01:00" */
export function offsetLabel(ms: number, zone: ClockZone = current): string {
  if (zone === 'UTC') return 'UTC';
  const off = zonedParts(ms, zone).offset;
  const sign = off < 0 ? '−' : '+';
  const a = Math.abs(off);
  return `UTC${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

export const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
