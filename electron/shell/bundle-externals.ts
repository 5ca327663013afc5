// What the Electron main bundle leaves to `require` at run time. Apart from vite.electron.config.ts so that config has
// only its default export (a named one beside it made Rollup warn MIXED_EXPORTS on every build).
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Native or network packages that must load from node_modules at run time (and get rebuilt/unpacked when packaging). */
export const MAIN_EXTERNALS = ['electron', 'better-sqlite3', '@n8n/localtunnel', 'ws', ...nodeBuiltins];
