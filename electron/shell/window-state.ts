// Remembers the main window's size, position and maximized state in userData/window-state.json.
import fs from 'node:fs';
import path from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** absent: let the OS place the window */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };
export const MIN_WINDOW_SIZE = { width: 720, height: 480 };

export function parseWindowState(text: string): WindowState | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const int = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && Math.abs(x) < 100_000;
  if (!int(o.width) || !int(o.height)) return null;
  const state: WindowState = {
    width: Math.max(MIN_WINDOW_SIZE.width, o.width as number),
    height: Math.max(MIN_WINDOW_SIZE.height, o.height as number),
    maximized: o.maximized === true,
  };
  if (int(o.x) && int(o.y)) {
    state.x = o.x as number;
    state.y = o.y as number;
  }
  return state;
}

/**
 * A saved position is kept only if enough of the window's title bar is on a current display; a monitor that was
 * unplugged since must not leave the window off-screen. Sizes larger than the display shrink to fit.
 */
export function fitToDisplays(state: WindowState, workAreas: Rect[]): WindowState {
  const fitted: WindowState = { ...state };
  if (state.x === undefined || state.y === undefined) return fitted;
  const titleBar: Rect = { x: state.x, y: state.y, width: state.width, height: 40 };
  const area = workAreas.find((a) => overlap(titleBar, a) >= Math.min(100, state.width) * 20);
  if (!area) {
    delete fitted.x;
    delete fitted.y;
    fitted.width = Math.min(state.width, maxOf(workAreas, 'width') ?? state.width);
    fitted.height = Math.min(state.height, maxOf(workAreas, 'height') ?? state.height);
    return fitted;
  }
  fitted.width = Math.min(state.width, area.width);
  fitted.height = Math.min(state.height, area.height);
  return fitted;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function maxOf(areas: Rect[], k: 'width' | 'height'): number | undefined {
  return areas.length ? Math.max(...areas.map((a) => a[k])) : undefined;
}

export function loadWindowState(file: string, workAreas: Rect[]): WindowState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
  const saved = parseWindowState(text);
  return saved ? fitToDisplays(saved, workAreas) : { ...DEFAULT_WINDOW_STATE };
}

export function saveWindowState(file: string, state: WindowState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Write-then-rename: a crash mid-write leaves the previous file, never a half-written one.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}

export interface TrackableWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isDestroyed(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
}

function currentWindowState(win: TrackableWindow): WindowState {
  const b = win.getNormalBounds();
  return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
}

/** Saves shortly after the user stops moving/resizing, and once more on close. Returns a flush function. */
export function trackWindowState(
  win: TrackableWindow,
  file: string,
  opts: { debounceMs?: number; onError?: (err: unknown) => void } = {},
): () => void {
  const debounceMs = opts.debounceMs ?? 400;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const save = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (win.isDestroyed()) return;
    try {
      saveWindowState(file, currentWindowState(win));
    } catch (err) {
      opts.onError?.(err);
    }
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, debounceMs);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(ev, later);
  win.on('close', save);
  return save;
}
