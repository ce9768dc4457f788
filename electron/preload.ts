// The window's preload script (sandboxed; bundled to one CommonJS file by scripts/build-electron.mjs):
// exposes the typed bridge as window.attemptStudio and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_NAME, makeBridge } from './preload-bridge.js';

contextBridge.exposeInMainWorld(BRIDGE_NAME, makeBridge(ipcRenderer));
