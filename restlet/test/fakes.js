'use strict';
// Small fakes of the SuiteScript 2.1 modules the RESTlet uses (N/file, N/search, N/record,
// N/runtime, N/encode, N/error), over one in-memory File Cabinet with a governance meter, and
// a loader that runs the RESTlet's AMD `define` with them.

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const SCRIPT = path.join(__dirname, '..', 'src', 'FileCabinet', 'SuiteScripts', 'nstba', 'nstba_filecabinet.js');
const TEXT = ['JAVASCRIPT', 'STYLESHEET', 'HTMLDOC', 'JSON', 'XMLDOC', 'CSV', 'PLAINTEXT', 'SVG'];
// Usage units per call, as NetSuite charges them: file.load 10, file.save 20, file.delete 20, a
// search 10 (runPaged 5, and 5 per page fetched), record.save 20.
const COST = { load: 10, save: 20, delete: 20, search: 10, runPaged: 5, page: 5, recordSave: 20 };
// NetSuite's caps: ResultSet.each stops at 4,000 results, a page holds at most 1,000.
const EACH_CAP = 4000;
const PAGE_CAP = 1000;

function suiteScriptError(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

function makeCabinet(usage) {
  let nextId = 100;
  const folders = new Map(); // id -> {id, name, parent}
  const files = new Map(); // id -> {id, name, folder, fileType, contents}
  const spend = (units) => {
    usage.remaining -= units;
    if (usage.remaining < 0) throw suiteScriptError('SSS_USAGE_LIMIT_EXCEEDED', 'Script Execution Usage Limit Exceeded');
  };
  const addFolder = (name, parent) => {
    const id = ++nextId;
    folders.set(id, { id, name, parent });
    return id;
  };
  addFolder('SuiteScripts', null);

  const folderByPath = (p) => {
    let parent = null;
    for (const name of p.split('/')) {
      const f = [...folders.values()].find((x) => x.name === name && x.parent === parent);
      if (!f) return null;
      parent = f.id;
    }
    return parent;
  };
  const fileByPath = (p) => {
    const slash = p.lastIndexOf('/');
    const folder = slash < 0 ? null : folderByPath(p.slice(0, slash));
    if (slash >= 0 && folder === null) return null;
    const name = p.slice(slash + 1);
    return [...files.values()].find((f) => f.name === name && f.folder === folder) || null;
  };
  const fileObject = (f) => ({
    id: f.id,
    name: f.name,
    folder: f.folder,
    fileType: f.fileType,
    isText: TEXT.includes(f.fileType),
    getContents: () => f.contents,
  });

  const file = {
    load({ id }) {
      spend(COST.load);
      const f = typeof id === 'number' || /^\d+$/.test(String(id)) ? files.get(Number(id)) : fileByPath(String(id));
      if (!f) throw suiteScriptError('RCRD_DSNT_EXIST', 'That record does not exist.');
      return fileObject(f);
    },
    create({ name, fileType, contents, folder }) {
      return {
        save() {
          spend(COST.save);
          const existing = [...files.values()].find((f) => f.name === name && f.folder === (folder ?? null));
          if (existing) {
            Object.assign(existing, { fileType, contents });
            return existing.id;
          }
          const id = ++nextId;
          files.set(id, { id, name, folder: folder ?? null, fileType, contents });
          return id;
        },
      };
    },
    delete({ id }) {
      spend(COST.delete);
      if (!files.delete(Number(id))) throw suiteScriptError('RCRD_DSNT_EXIST', 'That record does not exist.');
    },
  };

  const rows = (list) => ({
    getRange: ({ start, end }) => {
      if (end - start > 1000) throw suiteScriptError('SSS_INVALID_SRCH_RANGE', 'getRange takes at most 1,000 results');
      return list.slice(start, end);
    },
    // Like NetSuite, it stops at 4,000 results without a word.
    each: (cb) => {
      for (const r of list.slice(0, EACH_CAP)) if (cb(r) === false) break;
    },
  });
  const paged = (list, pageSize) => {
    if (!(pageSize >= 5 && pageSize <= PAGE_CAP)) {
      throw suiteScriptError('INVALID_PAGE_RANGE', 'pageSize must be 5 to 1,000');
    }
    const pageRanges = [];
    for (let i = 0; i * pageSize < list.length; i++) pageRanges.push({ index: i, compoundLabel: String(i) });
    return {
      count: list.length,
      pageRanges,
      fetch: ({ index }) => {
        spend(COST.page);
        return { data: list.slice(index * pageSize, (index + 1) * pageSize) };
      },
    };
  };
  const search = {
    createColumn: (opts) => opts,
    create({ type, filters }) {
      if (type !== 'folder') throw new Error('the fake searches folders only, not ' + type);
      const results = () => {
          const [field, op, value] = filters[0];
          if (field === 'name') {
            const parentFilter = filters[2][2];
            const parent = parentFilter === '@NONE@' ? null : Number(parentFilter);
            const found = [...folders.values()].filter((f) => f.name === value && f.parent === parent);
            return found.map((f) => ({ id: String(f.id) }));
          }
          if (field === 'internalid' && op === 'anyof') {
            const inFolder = [...files.values()].filter((f) => f.folder === Number(value));
            // NetSuite gives one row with empty file columns for a folder without files.
            const list = inFolder.length ? inFolder : [null];
            return list.map((f) => ({
                id: String(value),
                getValue: ({ name, join }) => {
                  if (join !== 'file' || !f) return '';
                  return {
                    internalid: f.id,
                    name: f.name,
                    documentsize: Math.ceil(Buffer.byteLength(f.contents) / 1024),
                    modified: '11/22/2026 10:00 am',
                  }[name];
                },
              }));
          }
          if (field === 'parent') {
            const kids = [...folders.values()].filter((f) => f.parent === Number(value));
            return kids.map((f) => ({ id: String(f.id), getValue: () => f.name }));
          }
          throw new Error('unexpected filter ' + JSON.stringify(filters));
      };
      return {
        run() {
          spend(COST.search);
          return rows(results());
        },
        runPaged({ pageSize = 50 } = {}) {
          spend(COST.runPaged);
          return paged(results(), pageSize);
        },
      };
    },
  };

  const record = {
    Type: { FOLDER: 'folder' },
    create({ type }) {
      if (type !== 'folder') throw new Error('the fake creates folders only');
      const values = {};
      return {
        setValue: ({ fieldId, value }) => {
          values[fieldId] = value;
        },
        save: () => {
          spend(COST.recordSave);
          return addFolder(values.name, values.parent ?? null);
        },
      };
    },
  };

  return { file, search, record, files, folders, folderByPath, fileByPath };
}

/** Loads the RESTlet with fresh fakes; `units` is the governance it starts with. */
function load(units = 5000) {
  const usage = { remaining: units };
  const cabinet = makeCabinet(usage);
  const runtime = { getCurrentScript: () => ({ getRemainingUsage: () => usage.remaining }) };
  const encode = {
    Encoding: { BASE_64: 'BASE_64', UTF_8: 'UTF_8' },
    convert({ string, inputEncoding, outputEncoding }) {
      const enc = { BASE_64: 'base64', UTF_8: 'utf8' };
      return Buffer.from(string, enc[inputEncoding]).toString(enc[outputEncoding]);
    },
  };
  const error = { create: ({ name, message }) => suiteScriptError(name, message) };
  const modules = {
    'N/file': cabinet.file,
    'N/search': cabinet.search,
    'N/record': cabinet.record,
    'N/runtime': runtime,
    'N/encode': encode,
    'N/error': error,
  };
  let restlet;
  const define = (deps, factory) => {
    restlet = factory(...deps.map((d) => modules[d]));
  };
  // Compiled in this realm, so its arrays and objects compare equal to the tests' own.
  vm.compileFunction(fs.readFileSync(SCRIPT, 'utf8'), ['define'], { filename: SCRIPT })(define);
  return { restlet, cabinet, usage };
}

module.exports = { load };
