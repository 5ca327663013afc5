// Which SQLite file in the data folder is the store. Normally `inspector.sqlite`. When a store file is found
// damaged it is left exactly as it is (its bytes are what `recover` reads) and new deliveries go to a fresh file
// beside it, `inspector-<UTC time>.sqlite`; `active-store.json` remembers that choice and the damaged files, so the
// next start keeps using the fresh file and keeps saying the damaged one is there until it has been recovered.
import fs from 'node:fs';
import path from 'node:path';

export const DB_FILE_NAME = 'inspector.sqlite';
export const ACTIVE_FILE_NAME = 'active-store.json';

export interface DamagedStoreRecord {
  /** file name in the data folder */
  file: string;
  detectedAt: number;
  /** what the check (or the failing read) said */
  problem: string;
  /** set by `recover`: where the readable deliveries were copied */
  recoveredTo?: string;
  /** the file (and its WAL) as `recover` read it: a recovery covers the file only while it has not changed since */
  recoveredState?: string;
}

export interface StoreFiles {
  /** absolute path of the store file new deliveries go to */
  active: string;
  damaged: DamagedStoreRecord[];
  /** the pointer file could not be read: what was assumed instead */
  warning?: string;
}

interface PointerFile {
  active: string;
  damaged: DamagedStoreRecord[];
}

/** bytes a store file takes on disk: the file and its WAL */
export function storeFileBytes(file: string): number {
  const size = (f: string) => {
    try {
      return fs.statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

export function readStoreFiles(dataDir: string): StoreFiles {
  const pointer = path.join(dataDir, ACTIVE_FILE_NAME);
  let text: string;
  try {
    text = fs.readFileSync(pointer, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { active: path.join(dataDir, DB_FILE_NAME), damaged: [] };
    throw err;
  }
  try {
    const p = JSON.parse(text) as PointerFile;
    if (typeof p.active !== 'string' || !isStoreName(p.active) || !Array.isArray(p.damaged)) throw new Error('unexpected content');
    const damaged = p.damaged.filter((d) => d && typeof d.file === 'string' && isStoreName(d.file));
    return { active: path.join(dataDir, p.active), damaged };
  } catch (err) {
    // never a reason not to receive: the newest fresh file is the one the pointer named. Every other store file is
    // there because it was found damaged (a fresh file is only ever made to replace one), so they are announced
    // again; what was wrong with them and whether they were recovered was in the pointer, and is lost with it.
    const stores = fs
      .readdirSync(dataDir)
      .map((f) => ({ f, age: storeAge(f) }))
      .filter((s): s is { f: string; age: [number, number] } => s.age !== null)
      .sort((a, b) => a.age[0] - b.age[0] || a.age[1] - b.age[1])
      .map((s) => s.f);
    const active = stores.pop() ?? DB_FILE_NAME;
    const damaged = stores.map((f) => ({
      file: f,
      detectedAt: modifiedAt(path.join(dataDir, f)),
      problem: `found damaged earlier (${ACTIVE_FILE_NAME} was unreadable: what was wrong, and whether it was recovered, is not known)`,
    }));
    return {
      active: path.join(dataDir, active),
      damaged,
      warning: `${pointer} is unreadable (${err instanceof Error ? err.message : String(err)}); using ${active}`,
    };
  }
}

/** Store files in the order they were made: inspector.sqlite first, then each fresh one by its UTC stamp and number. */
function storeAge(name: string): [number, number] | null {
  if (name === DB_FILE_NAME) return [0, 0];
  const m = /^inspector-(\d{8})-(\d{6})(?:-(\d+))?\.sqlite$/.exec(name);
  return m ? [Number(m[1]! + m[2]!), Number(m[3] ?? 1)] : null;
}

function modifiedAt(file: string): number {
  try {
    return Math.round(fs.statSync(file).mtimeMs);
  } catch {
    return Date.now();
  }
}

/**
 * Records `damagedFile` (in dataDir) as damaged and a new, not yet existing file as the active store; returns its
 * path. The damaged file itself is not touched.
 */
export function recordDamage(dataDir: string, damagedFile: string, problem: string, now = Date.now()): string {
  const current = readStoreFiles(dataDir);
  const name = path.basename(damagedFile);
  const fresh = freshName(dataDir, now);
  const damaged = current.damaged.filter((d) => d.file !== name);
  const earlier = current.damaged.find((d) => d.file === name);
  if (earlier?.recoveredTo !== undefined && earlier.recoveredState === fileState(damagedFile)) {
    // found damaged (again) as `recover` left it: what it holds has been copied out
    damaged.push({ ...earlier, problem });
  } else {
    // written since it was recovered (it was in use): announced again, until recovered again
    const sameFinding = earlier !== undefined && earlier.recoveredTo === undefined;
    damaged.push({ file: name, detectedAt: sameFinding ? earlier.detectedAt : now, problem });
  }
  writePointer(dataDir, { active: fresh, damaged });
  return path.join(dataDir, fresh);
}

/** `recover` copied what `file` held to outDir: the damaged file is no longer announced. */
export function recordRecovery(dataDir: string, file: string, outDir: string, problem: string, now = Date.now()): void {
  const current = readStoreFiles(dataDir);
  const name = path.basename(file);
  const earlier = current.damaged.find((d) => d.file === name);
  const damaged = current.damaged.filter((d) => d.file !== name);
  damaged.push({
    file: name,
    detectedAt: earlier?.detectedAt ?? now,
    problem: earlier?.problem ?? problem,
    recoveredTo: outDir,
    recoveredState: fileState(path.join(dataDir, name)),
  });
  writePointer(dataDir, { active: path.basename(current.active), damaged });
}

/** Size and time of last change of a store file and its WAL: any write to either changes it. */
function fileState(file: string): string {
  const stat = (f: string) => {
    try {
      const st = fs.statSync(f);
      // an empty WAL (made by opening the store, removed by closing it) holds nothing
      return st.size === 0 ? '0' : `${st.size}@${st.mtimeMs}`;
    } catch {
      return '0';
    }
  };
  return `${stat(file)} ${stat(`${file}-wal`)}`;
}

/** The damaged files still there and not recovered: what the user is told about. */
export function unrecovered(dataDir: string, files: StoreFiles): (DamagedStoreRecord & { path: string })[] {
  return files.damaged
    .filter((d) => d.recoveredTo === undefined && fs.existsSync(path.join(dataDir, d.file)))
    .map((d) => ({ ...d, path: path.join(dataDir, d.file) }));
}

function isStoreName(name: string): boolean {
  return name === path.basename(name) && /^inspector[\w.-]*\.sqlite$/.test(name);
}

function freshName(dataDir: string, now: number): string {
  const stamp = new Date(now).toISOString().slice(0, 19).replace(/-|:/g, '').replace('T', '-');
  for (let n = 1; ; n++) {
    const name = n === 1 ? `inspector-${stamp}.sqlite` : `inspector-${stamp}-${n}.sqlite`;
    if (!fs.existsSync(path.join(dataDir, name))) return name;
  }
}

/** Written whole and renamed into place, so a crash leaves the old pointer or the new one, never half of one. */
function writePointer(dataDir: string, p: PointerFile): void {
  const target = path.join(dataDir, ACTIVE_FILE_NAME);
  const tmp = `${target}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(p, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
  try {
    const dir = fs.openSync(dataDir, 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  } catch {
    // directories cannot be fsynced everywhere (Windows); the rename is still atomic
  }
}
