// Worker thread that renders an untrusted chat template (tokenizer_config.json) with @huggingface/jinja: an
// interpreter with no access to JavaScript or Node, run here so the caller can bound its time and memory.
import { parentPort, workerData } from 'node:worker_threads';
import { Template } from '@huggingface/jinja';

const { source, contexts, maxOutputChars } = workerData;
try {
  const template = new Template(source);
  const outputs = contexts.map((ctx) => {
    const out = template.render(ctx);
    if (out.length > maxOutputChars) throw new Error(`rendered text is longer than ${maxOutputChars} characters`);
    return out;
  });
  parentPort.postMessage({ ok: true, outputs });
} catch (err) {
  parentPort.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}
