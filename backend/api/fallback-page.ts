// The page `serve` answers with until the renderer is built: titled "Attempt Studio", it lists the runs
// through the API and refreshes on run events. Its script runs under a per-response nonce (strict CSP).
import { randomBytes } from 'node:crypto';

const SCRIPT = `
const tbody = document.querySelector('tbody');
const note = document.getElementById('note');
history.replaceState(null, '', location.pathname);
async function refresh() {
  const r = await fetch('/api/runs:list', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  if (!r.ok) { note.textContent = 'API error ' + r.status + ': ' + (await r.text()); return; }
  const runs = await r.json();
  tbody.replaceChildren(...runs.map((run) => {
    const tr = document.createElement('tr');
    const steps = run.stepsDone + (run.totalSteps ? ' / ' + run.totalSteps : '');
    for (const v of [run.id, run.kind, run.status, steps, run.name || run.preset || '', run.backend || '', run.error || '']) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    return tr;
  }));
  note.textContent = runs.length === 0 ? 'No runs yet: start one with "attempt-studio train" or the API (POST /api/runs:start).' : '';
}
const events = new EventSource('/api/events');
let pending;
for (const name of ['runs:status', 'runs:progress']) events.addEventListener(name, () => { clearTimeout(pending); pending = setTimeout(refresh, 300); });
refresh();
`;

export function fallbackPage(): { html: string; csp: string } {
  const nonce = randomBytes(16).toString('base64');
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Attempt Studio</title>
<style nonce="${nonce}">
body { font: 14px system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; } td, th { padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
#note { color: #666; }
</style>
</head>
<body>
<h1>Attempt Studio</h1>
<p>The full interface is not built here (<code>npm run build</code> in <code>renderer/</code>); this page lists the runs of the database and updates live.</p>
<table><thead><tr><th>id</th><th>kind</th><th>status</th><th>steps</th><th>name</th><th>runtime</th><th>error</th></tr></thead><tbody></tbody></table>
<p id="note"></p>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
  return { html, csp };
}
