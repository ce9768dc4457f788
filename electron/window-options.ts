// The security settings of the app window, kept free of Electron imports so a unit test can assert them:
// webPreferences, the Content-Security-Policy, and the navigation / new-window / sender-trust rules.

/** No eval, no inline script, no remote code (the same policy browser mode serves: backend/api/page-security.ts). */
export { APP_CSP as CSP } from '../backend/api/page-security.js';

export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  spellcheck: false;
}

export function webPreferences(preloadPath: string): SecureWebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

export function windowOptions(preloadPath: string) {
  return {
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Attempt Studio',
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: webPreferences(preloadPath),
  };
}

/** The origin the window's own pages come from: `file://` for the built renderer, or the loopback server's. */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' ? 'file://' : u.origin;
  } catch {
    return 'invalid:';
  }
}

/** Whether a file: URL points inside `root` (the built renderer); every file: URL is one origin, so the path decides. */
export function isFileInside(url: string, root: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== 'file:') return false;
    const p = decodeURIComponent(u.pathname).replace(/^\/([A-Za-z]:)/, '$1');
    const r = root.replace(/\\/g, '/').replace(/\/+$/, '');
    const norm = p.split('/').reduce<string[]>((acc, seg) => (seg === '..' ? acc.slice(0, -1) : seg === '.' ? acc : [...acc, seg]), []).join('/');
    return norm === r || norm.startsWith(r + '/');
  } catch {
    return false;
  }
}

/**
 * Navigation stays on the app's own origin (reloads, in-app routes); everything else is blocked. With the
 * built renderer (file://) the target must also lie inside its folder (`fileRoot`): not file:///etc/passwd.
 */
export function isAllowedNavigation(target: string, appOrigin: string, fileRoot?: string): boolean {
  if (originOf(target) !== appOrigin) return false;
  return appOrigin !== 'file://' || fileRoot === undefined || isFileInside(target, fileRoot);
}

/** window.open / target=_blank: never a new Electron window; http(s) links go to the system browser. */
export function windowOpenAction(url: string): { action: 'deny'; openExternally: boolean } {
  const protocol = (() => {
    try {
      return new URL(url).protocol;
    } catch {
      return '';
    }
  })();
  return { action: 'deny', openExternally: protocol === 'https:' || protocol === 'http:' };
}

/** An IPC message is served only if it comes from the app's window and a frame on the app's origin. */
export function isTrustedSender(sender: { senderId: number; frameUrl: string | undefined }, app: { webContentsId: number | undefined; origin: string; fileRoot?: string }): boolean {
  return (
    app.webContentsId !== undefined &&
    sender.senderId === app.webContentsId &&
    sender.frameUrl !== undefined &&
    isAllowedNavigation(sender.frameUrl, app.origin, app.fileRoot)
  );
}

/**
 * No remote content: the window may load only its own pages (file:// of the built renderer, or the loopback
 * server's origin), devtools and data:/blob: it made itself. Every other request is cancelled.
 */
export function isAllowedRequest(url: string, appOrigin: string, fileRoot?: string): boolean {
  const origin = originOf(url);
  if (origin === appOrigin) return appOrigin !== 'file://' || fileRoot === undefined || isFileInside(url, fileRoot);
  const protocol = (() => {
    try {
      return new URL(url).protocol;
    } catch {
      return '';
    }
  })();
  return protocol === 'devtools:' || protocol === 'data:' || protocol === 'blob:';
}

/** Every permission (camera, geolocation, notifications, clipboard, ...) is denied, asked or checked. */
export const denyPermission = (): false => false;
