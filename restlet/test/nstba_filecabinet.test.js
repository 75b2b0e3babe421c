'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { load } = require('./fakes');

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]).toString('base64');

function putAll(restlet, files) {
  let pending = files;
  const results = [];
  for (let calls = 0; pending.length; calls++) {
    assert.ok(calls < 50, 'remaining never empties');
    const r = restlet.post({ action: 'put', files: pending });
    assert.equal(r.protocol, 1);
    results.push(...r.results);
    pending = pending.filter((f) => r.remaining.includes(f.path));
  }
  return results;
}

test('put creates folders and files, then overwrites', () => {
  const { restlet, cabinet } = load();
  const r = restlet.post({
    action: 'put',
    files: [
      { path: 'SuiteScripts/app/js/a.js', encoding: 'utf8', content: 'define([], () => 1);' },
      { path: 'SuiteScripts/app/img/logo.png', encoding: 'base64', content: PNG },
      { path: 'SuiteScripts/app/a b/ünï.txt', encoding: 'utf8', content: 'héllo' },
    ],
  });
  assert.equal(r.protocol, 1);
  assert.deepEqual(r.remaining, []);
  assert.deepEqual(r.results.map((x) => x.created), [true, true, true]);
  assert.ok(cabinet.folderByPath('SuiteScripts/app/js'));
  assert.equal(cabinet.fileByPath('SuiteScripts/app/js/a.js').fileType, 'JAVASCRIPT');
  assert.equal(cabinet.fileByPath('SuiteScripts/app/img/logo.png').fileType, 'PNGIMAGE');
  const again = restlet.post({ action: 'put', files: [{ path: 'SuiteScripts/app/js/a.js', encoding: 'utf8', content: '2' }] });
  assert.equal(again.results[0].created, false);
  assert.equal(again.results[0].id, r.results[0].id);
  assert.equal(cabinet.fileByPath('SuiteScripts/app/js/a.js').contents, '2');
});

test('get returns text as utf8 and binary as base64, byte for byte', () => {
  const { restlet } = load();
  putAll(restlet, [
    { path: 'SuiteScripts/app/a.css', encoding: 'utf8', content: 'body{}' },
    { path: 'SuiteScripts/app/logo.png', encoding: 'base64', content: PNG },
    // Text sent as base64 is stored as text; a binary name sent as utf8 is stored as base64.
    { path: 'SuiteScripts/app/b.json', encoding: 'base64', content: Buffer.from('{"x":1}').toString('base64') },
    { path: 'SuiteScripts/app/c.woff', encoding: 'utf8', content: 'wOFF' },
  ]);
  const r = restlet.post({ action: 'get', paths: ['SuiteScripts/app/a.css', 'SuiteScripts/app/logo.png', 'SuiteScripts/app/b.json', 'SuiteScripts/app/c.woff', 'SuiteScripts/app/none.js'] });
  assert.equal(r.protocol, 1);
  const by = Object.fromEntries(r.files.map((f) => [f.path, f]));
  assert.deepEqual([by['SuiteScripts/app/a.css'].encoding, by['SuiteScripts/app/a.css'].content], ['utf8', 'body{}']);
  assert.deepEqual([by['SuiteScripts/app/logo.png'].encoding, by['SuiteScripts/app/logo.png'].content], ['base64', PNG]);
  assert.equal(by['SuiteScripts/app/b.json'].content, '{"x":1}');
  assert.equal(Buffer.from(by['SuiteScripts/app/c.woff'].content, 'base64').toString(), 'wOFF');
  assert.deepEqual(r.errors.map((e) => [e.path, e.code]), [['SuiteScripts/app/none.js', 'RCRD_DSNT_EXIST']]);
});

test('list walks subfolders and reports paths under the folder', () => {
  const { restlet } = load();
  putAll(restlet, [
    { path: 'SuiteScripts/app/a.js', content: '1' },
    { path: 'SuiteScripts/app/x/y/b.js', content: '22' },
    { path: 'SuiteScripts/app/x/c.js', content: '333' },
    { path: 'SuiteScripts/other/d.js', content: '4' },
  ]);
  const r = restlet.get({ action: 'list', path: '/SuiteScripts/app/' });
  assert.equal(r.protocol, 1);
  assert.equal(r.truncated, false);
  assert.deepEqual(r.files.map((f) => f.path).sort(), ['SuiteScripts/app/a.js', 'SuiteScripts/app/x/c.js', 'SuiteScripts/app/x/y/b.js']);
  assert.ok(r.files.every((f) => typeof f.id === 'string' && f.size >= 0));
  assert.throws(() => restlet.get({ action: 'list', path: 'SuiteScripts/nope' }), { name: 'FOLDER_NOT_FOUND' });
  assert.throws(() => restlet.get({ action: 'list', path: 'SuiteScripts/../x' }), { name: 'INVALID_PATH' });
});

test('low governance returns the rest in remaining instead of failing', () => {
  const { restlet, cabinet, usage } = load(400);
  const files = Array.from({ length: 20 }, (_, i) => ({ path: `SuiteScripts/app/f${i}.js`, content: String(i) }));
  const first = restlet.post({ action: 'put', files });
  assert.ok(first.remaining.length > 0, 'cut short');
  assert.ok(first.results.length > 0, 'some done');
  assert.equal(first.results.length + first.remaining.length, 20);
  assert.ok(usage.remaining >= 0, 'never over the limit');
  // A fresh call (new governance) finishes the rest.
  usage.remaining = 5000;
  const rest = putAll(restlet, files.filter((f) => first.remaining.includes(f.path)));
  assert.equal(rest.length, first.remaining.length);
  assert.equal(cabinet.files.size, 20);

  usage.remaining = 250;
  const got = restlet.post({ action: 'get', paths: files.map((f) => f.path) });
  assert.ok(got.remaining.length > 0);
  assert.equal(got.files.length + got.remaining.length, 20);
});

test('bad input: per-file errors, or a thrown N/error for the request', () => {
  const { restlet, cabinet } = load();
  const r = restlet.post({
    action: 'put',
    files: [
      { path: '../evil.js', content: 'x' },
      { path: '/abs.js', content: 'x' },
      { path: 'SuiteScripts/a\\b.js', content: 'x' },
      { path: 'SuiteScripts/ok.js', encoding: 'utf16', content: 'x' },
    ],
  });
  assert.deepEqual(r.results.map((x) => x.error.code), ['INVALID_PATH', 'INVALID_PATH', 'INVALID_PATH', 'INVALID_CONTENT']);
  assert.equal(cabinet.files.size, 0);
  assert.throws(() => restlet.post({ action: 'format' }), { name: 'INVALID_ACTION' });
  assert.throws(() => restlet.post({ action: 'get', paths: 'x' }), { name: 'INVALID_REQUEST' });
  assert.throws(() => restlet.get({}), { name: 'INVALID_ACTION' });
  // A body that arrives as a string (text/plain) is read as JSON too.
  assert.equal(restlet.post(JSON.stringify({ action: 'get', paths: [] })).protocol, 1);
});

test('delete removes files and reports missing ones', () => {
  const { restlet, cabinet } = load();
  putAll(restlet, [{ path: 'SuiteScripts/app/a.js', content: '1' }]);
  const r = restlet.post({ action: 'delete', paths: ['SuiteScripts/app/a.js', 'SuiteScripts/app/none.js'] });
  assert.equal(r.protocol, 1);
  assert.deepEqual(r.results, [
    { path: 'SuiteScripts/app/a.js', deleted: true },
    { path: 'SuiteScripts/app/none.js', deleted: false },
  ]);
  assert.equal(cabinet.files.size, 0);
});

/** Puts `n` small files straight into the fake File Cabinet (as the UI would), in `folder`. */
function plant(cabinet, folder, n) {
  let parent = cabinet.folderByPath('SuiteScripts');
  for (const name of folder.split('/').slice(1)) {
    const id = 100000 + cabinet.folders.size;
    cabinet.folders.set(id, { id, name, parent });
    parent = id;
  }
  for (let i = 0; i < n; i++) {
    const id = 200000 + i;
    cabinet.files.set(id, { id, name: `f${String(i).padStart(5, '0')}.js`, folder: parent, fileType: 'JAVASCRIPT', contents: 'x' });
  }
}

test('a folder of 10,000 files lists whole (paged searches; each stops at 4,000)', () => {
  const { restlet, cabinet } = load();
  plant(cabinet, 'SuiteScripts/big', 10000);
  const r = restlet.get({ action: 'list', path: 'SuiteScripts/big' });
  assert.equal(r.protocol, 1);
  assert.equal(r.truncated, false);
  assert.equal(r.files.length, 10000);
  assert.equal(new Set(r.files.map((f) => f.path)).size, 10000);
  assert.equal(r.files[9999].path, 'SuiteScripts/big/f09999.js');
});

test('a listing is marked truncated only when governance runs out', () => {
  const { restlet, cabinet, usage } = load();
  plant(cabinet, 'SuiteScripts/big', 10000);
  // Enough for the folder lookups and a few pages, not for all ten.
  usage.remaining = 260;
  const r = restlet.get({ action: 'list', path: 'SuiteScripts/big' });
  assert.equal(r.truncated, true);
  assert.ok(r.files.length < 10000 && r.files.length % 1000 === 0, String(r.files.length));
});
