// Runs sandboxed before the UI: exposes the contract as window.rci and nothing else. Bundled into one CommonJS
// file (dist-electron/preload.cjs) because a sandboxed preload can require only 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { API_CALL_NAME_LIST as API_CALL_NAMES } from '../shared/api-names';
import { createBridge } from './shell/preload-bridge';

contextBridge.exposeInMainWorld('rci', createBridge(ipcRenderer, API_CALL_NAMES, process.platform));
