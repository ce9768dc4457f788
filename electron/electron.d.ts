// The few Electron APIs this project uses, declared so `tsc --noEmit` passes where the optional `electron`
// package (and its binary) is not installed. Kept minimal; the real types replace it when installed.
declare module 'electron' {
  interface WebContents {
    id: number;
    send(channel: string, ...args: unknown[]): void;
    on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: { preventDefault(): void }, url: string) => void): void;
    setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
    getURL(): string;
  }
  class BrowserWindow {
    constructor(options: Record<string, unknown>);
    webContents: WebContents;
    loadFile(file: string): Promise<void>;
    loadURL(url: string): Promise<void>;
    once(event: 'ready-to-show', listener: () => void): void;
    on(event: 'closed', listener: () => void): void;
    show(): void;
    isDestroyed(): boolean;
    static getAllWindows(): BrowserWindow[];
  }
  interface OpenDialogOptions {
    title?: string;
    defaultPath?: string;
    properties?: Array<'openFile' | 'openDirectory' | 'createDirectory'>;
    filters?: Array<{ name: string; extensions: string[] }>;
  }
  const dialog: {
    showOpenDialog(win: BrowserWindow, options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
    showSaveDialog(win: BrowserWindow, options: OpenDialogOptions): Promise<{ canceled: boolean; filePath?: string }>;
    showErrorBox(title: string, content: string): void;
  };
  const app: {
    whenReady(): Promise<void>;
    getPath(name: 'userData' | 'documents' | 'appData' | 'exe'): string;
    on(event: 'window-all-closed' | 'before-quit' | 'activate', listener: (event: { preventDefault(): void }) => void): void;
    quit(): void;
    exit(code?: number): void;
    setName(name: string): void;
    requestSingleInstanceLock(): boolean;
    isPackaged: boolean;
  };
  const ipcMain: {
    handle(channel: string, listener: (event: any, ...args: unknown[]) => unknown): void;
    removeHandler(channel: string): void;
  };
  const ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  };
  const contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  const shell: { openExternal(url: string): Promise<void>; openPath(path: string): Promise<string> };
  const session: {
    defaultSession: {
      webRequest: {
        onBeforeRequest(listener: (details: { url: string }, callback: (r: { cancel: boolean }) => void) => void): void;
        onHeadersReceived(listener: (details: { responseHeaders?: Record<string, string[]> }, callback: (r: { responseHeaders?: Record<string, string[]> }) => void) => void): void;
      };
      setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
      setPermissionCheckHandler(handler: (wc: unknown, permission: string) => boolean): void;
    };
  };
  interface MenuItemOptions {
    label?: string;
    role?: string;
    type?: 'separator';
    accelerator?: string;
    click?: () => void;
    submenu?: MenuItemOptions[];
  }
  class Menu {
    static buildFromTemplate(template: MenuItemOptions[]): Menu;
    static setApplicationMenu(menu: Menu | null): void;
  }
}
