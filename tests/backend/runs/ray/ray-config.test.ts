// Where the studio finds its Ray cluster: the flag, then $ATTEMPT_STUDIO_RAY, then settings.json's "ray"
// (what the desktop app reads); bad settings are errors naming the file and the field; writing "ray" (the
// Settings page) and dataDir keep each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rayOverride, readRaySettings, resolveRayConfig, writeRaySettings } from '../../../../backend/runs/ray/ray-config.js';
import { writeSettings } from '../../../../backend/db/data-location.js';

test('flag, then environment, then settings.json; none: the local backend', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ray-cfg-'));
  const settingsFile = path.join(dir, 'settings.json');
  try {
    assert.equal(resolveRayConfig({ env: {}, settingsFile }), undefined, 'no settings file');
    writeFileSync(settingsFile, JSON.stringify({ dataDir: '/data' }));
    assert.equal(resolveRayConfig({ env: {}, settingsFile }), undefined, 'settings without "ray"');
    writeFileSync(settingsFile, JSON.stringify({ ray: { address: 'http://head:8265', sharedDir: '/mnt/shared', ingestHost: '10.0.0.5', cpusPerJob: 2 } }));
    assert.deepEqual(resolveRayConfig({ env: {}, settingsFile }), { address: 'http://head:8265', sharedDir: '/mnt/shared', ingestHost: '10.0.0.5', cpusPerJob: 2, source: 'settings' });
    assert.deepEqual(resolveRayConfig({ env: { ATTEMPT_STUDIO_RAY: 'http://env:8265' }, settingsFile }), { address: 'http://env:8265', source: 'env' });
    assert.deepEqual(resolveRayConfig({ flags: { address: 'http://flag:8265', sharedDir: '/s' }, env: { ATTEMPT_STUDIO_RAY: 'http://env:8265' }, settingsFile }), { address: 'http://flag:8265', sharedDir: '/s', source: 'flag' });
    // Flags other than the address refine the settings' cluster.
    assert.equal(resolveRayConfig({ flags: { cpusPerJob: 4 }, env: {}, settingsFile })!.cpusPerJob, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad "ray" settings name the file and the field', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ray-cfg-'));
  const settingsFile = path.join(dir, 'settings.json');
  const cases: Array<[string, RegExp]> = [
    ['{"ray": "http://x"}', /settings\.json: "ray" must be an object/],
    ['{"ray": {"sharedDir": "/s"}}', /settings\.json: ray\.address is missing/],
    ['{"ray": {"address": "head:8265"}}', /settings\.json: ray\.address must be the Ray dashboard URL/],
    ['{"ray": {"address": "http://h:1", "sharedDir": "rel/dir"}}', /settings\.json: ray\.sharedDir must be an absolute path, got "rel\/dir"/],
    ['{"ray": {"address": "http://h:1", "cpusPerJob": 0}}', /settings\.json: ray\.cpusPerJob must be a positive number, got 0/],
    ['{"ray": ', /settings\.json: not valid JSON/],
  ];
  try {
    for (const [text, re] of cases) {
      writeFileSync(settingsFile, text);
      assert.throws(() => resolveRayConfig({ env: {}, settingsFile }), re, text);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Settings page writes "ray" beside settings.json\'s other entries, and the data-folder setting keeps "ray"', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ray-cfg-'));
  const settingsFile = path.join(dir, 'sub', 'settings.json');
  try {
    writeRaySettings(settingsFile, { address: 'http://head:8265', cpusPerJob: 2 });
    assert.deepEqual(readRaySettings(settingsFile), { address: 'http://head:8265', cpusPerJob: 2 });
    writeSettings({ dataDir: '/big/disk' }, settingsFile);
    assert.deepEqual(JSON.parse(readFileSync(settingsFile, 'utf8')), { ray: { address: 'http://head:8265', cpusPerJob: 2 }, dataDir: '/big/disk' });
    assert.deepEqual(resolveRayConfig({ env: {}, settingsFile }), { address: 'http://head:8265', cpusPerJob: 2, source: 'settings' });
    assert.equal(rayOverride({ env: { ATTEMPT_STUDIO_RAY: 'http://e:1' } }), 'env');
    assert.equal(rayOverride({ flags: { address: 'http://f:1' }, env: {} }), 'flag');
    assert.equal(rayOverride({ env: {} }), null);
    writeRaySettings(settingsFile, null);
    assert.deepEqual(JSON.parse(readFileSync(settingsFile, 'utf8')), { dataDir: '/big/disk' });
    assert.equal(resolveRayConfig({ env: {}, settingsFile }), undefined);
    writeFileSync(settingsFile, '[1]');
    assert.throws(() => writeRaySettings(settingsFile, null), /settings\.json: must hold a JSON object/, 'a file that is not an object is not overwritten');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
