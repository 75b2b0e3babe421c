/**
 * nstba's companion RESTlet: the File Cabinet protocol, version 1, that `nstba fetch` and
 * `nstba deploy` speak (docs/design.md §8).
 *
 *   GET  ?action=list&path=FOLDER            -> {protocol, files:[{path,id,size,modified}], truncated}
 *   POST {"action":"get","paths":[...]}      -> {protocol, files:[{path,id,encoding,content}], errors, remaining}
 *   POST {"action":"put","files":[...]}      -> {protocol, results:[{path,id,created}|{path,error}], remaining}
 *   POST {"action":"delete","paths":[...]}   -> {protocol, results:[{path,deleted}], remaining}
 *
 * Paths are File Cabinet paths with "/" (such as SuiteScripts/my-app/a.js). Missing folders are
 * created on put. When governance runs low, what was not reached comes back in `remaining`
 * (the client sends it again) instead of failing. A request-level error is thrown as an
 * N/error, which NetSuite answers with HTTP 400 and {"error":{"code","message"}}.
 *
 * @NApiVersion 2.1
 * @NScriptType Restlet
 * @NModuleScope SameAccount
 */
define(['N/file', 'N/search', 'N/record', 'N/runtime', 'N/encode', 'N/error'], (
  /** @type {typeof import('N/file')} */ file,
  /** @type {typeof import('N/search')} */ search,
  /** @type {typeof import('N/record')} */ record,
  /** @type {typeof import('N/runtime')} */ runtime,
  /** @type {typeof import('N/encode')} */ encode,
  /** @type {typeof import('N/error')} */ error,
) => {
  const PROTOCOL = 1;
  /** Units kept in reserve: below this, work stops and the rest goes to `remaining`. */
  const RESERVE = 200;
  /** A RESTlet response, and one file, is at most 10 MB. */
  const MAX_BYTES = 10 * 1024 * 1024;

  const TEXT_TYPES = {
    js: 'JAVASCRIPT',
    mjs: 'JAVASCRIPT',
    css: 'STYLESHEET',
    html: 'HTMLDOC',
    htm: 'HTMLDOC',
    json: 'JSON',
    xml: 'XMLDOC',
    csv: 'CSV',
    txt: 'PLAINTEXT',
    md: 'PLAINTEXT',
    ss: 'PLAINTEXT',
    ssp: 'PLAINTEXT',
    tpl: 'PLAINTEXT',
    svg: 'SVG',
  };
  const BINARY_TYPES = {
    png: 'PNGIMAGE',
    jpg: 'JPGIMAGE',
    jpeg: 'JPGIMAGE',
    gif: 'GIFIMAGE',
    ico: 'ICON',
    pdf: 'PDF',
    zip: 'ZIP',
    woff: 'MISCBINARY',
    woff2: 'MISCBINARY',
    ttf: 'MISCBINARY',
  };

  const fail = (name, message) => {
    throw error.create({ name, message, notifyOff: true });
  };

  const lowOnUsage = () => runtime.getCurrentScript().getRemainingUsage() < RESERVE;

  /** A File Cabinet path: "/"-separated, no empty, "." or ".." segment, no backslash. */
  const validPath = (path) =>
    typeof path === 'string' &&
    path.length > 0 &&
    path.length <= 4000 &&
    path.indexOf('\\') < 0 &&
    !/[\u0000-\u001f]/.test(path) &&
    path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');

  const extension = (name) => {
    const dot = name.lastIndexOf('.');
    return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  };

  /** The file type for a name and the encoding its content came in. */
  const fileTypeFor = (name, encoding) => {
    const ext = extension(name);
    if (TEXT_TYPES[ext]) return TEXT_TYPES[ext];
    if (BINARY_TYPES[ext]) return BINARY_TYPES[ext];
    return encoding === 'base64' ? 'MISCBINARY' : 'PLAINTEXT';
  };

  const isTextType = (type) => Object.values(TEXT_TYPES).indexOf(type) >= 0;

  /** The internal ID of a folder under `parent` (null: the top level), or null. */
  const findFolder = (name, parent) => {
    const found = search
      .create({
        type: 'folder',
        filters: [['name', 'is', name], 'AND', ['parent', 'anyof', parent === null ? '@NONE@' : parent]],
        columns: ['internalid'],
      })
      .run()
      .getRange({ start: 0, end: 1 });
    return found.length ? Number(found[0].id) : null;
  };

  /** Folder IDs along a path; with `create`, missing folders are made. */
  const folderId = (path, create, cache) => {
    if (cache && cache[path] !== undefined) return cache[path];
    let parent = null;
    let walked = '';
    for (const name of path.split('/')) {
      walked = walked ? walked + '/' + name : name;
      if (cache && cache[walked] !== undefined) {
        parent = cache[walked];
        continue;
      }
      let id = findFolder(name, parent);
      if (id === null) {
        if (!create) return null;
        const folder = record.create({ type: record.Type.FOLDER });
        folder.setValue({ fieldId: 'name', value: name });
        if (parent !== null) folder.setValue({ fieldId: 'parent', value: parent });
        id = Number(folder.save());
      }
      if (cache) cache[walked] = id;
      parent = id;
    }
    return parent;
  };

  /** Runs a search a page (1,000 results) at a time; false when governance ran low first. */
  const eachPaged = (s, cb) => {
    const paged = s.runPaged({ pageSize: 1000 });
    for (const range of paged.pageRanges) {
      if (lowOnUsage()) return false;
      paged.fetch({ index: range.index }).data.forEach(cb);
    }
    return true;
  };

  /** GET: list the files under a folder, at any depth. */
  const list = (folderPath) => {
    const root = String(folderPath || '').replace(/^\/+|\/+$/g, '');
    if (!validPath(root)) fail('INVALID_PATH', 'The folder path is not a File Cabinet path.');
    const rootId = folderId(root, false, null);
    if (rootId === null) fail('FOLDER_NOT_FOUND', 'The folder ' + root + ' does not exist in the File Cabinet.');
    const files = [];
    const queue = [{ id: rootId, path: root }];
    let truncated = false;
    while (queue.length) {
      if (lowOnUsage()) {
        truncated = true;
        break;
      }
      const folder = queue.shift();
      // Paged searches: ResultSet.each stops at 4,000 results without a word, so a large
      // folder would list short; runPaged serves every page of up to 1,000.
      const filesDone = eachPaged(
        search.create({
          type: 'folder',
          filters: [['internalid', 'anyof', folder.id]],
          columns: [
            search.createColumn({ name: 'internalid', join: 'file' }),
            search.createColumn({ name: 'name', join: 'file' }),
            search.createColumn({ name: 'documentsize', join: 'file' }),
            search.createColumn({ name: 'modified', join: 'file' }),
          ],
        }),
        (r) => {
          const name = r.getValue({ name: 'name', join: 'file' });
          if (name) {
            files.push({
              path: folder.path + '/' + name,
              id: String(r.getValue({ name: 'internalid', join: 'file' })),
              // NetSuite reports sizes in KB: this is an estimate, used for batching only.
              size: Math.round(Number(r.getValue({ name: 'documentsize', join: 'file' }) || 0) * 1024),
              modified: r.getValue({ name: 'modified', join: 'file' }) || null,
            });
          }
        },
      );
      const foldersDone =
        filesDone &&
        eachPaged(
          search.create({ type: 'folder', filters: [['parent', 'anyof', folder.id]], columns: ['name'] }),
          (r) => {
            queue.push({ id: Number(r.id), path: folder.path + '/' + r.getValue({ name: 'name' }) });
          },
        );
      // Only governance running out cuts a listing short, and then it says so.
      if (!foldersDone) {
        truncated = true;
        break;
      }
    }
    return { protocol: PROTOCOL, files, truncated };
  };

  /** POST get: each file's content, utf8 for text types and base64 for the rest. */
  const get = (paths) => {
    const files = [];
    const errors = [];
    const remaining = [];
    let bytes = 0;
    for (const path of paths) {
      if (remaining.length || lowOnUsage()) {
        remaining.push(path);
        continue;
      }
      if (!validPath(path)) {
        errors.push({ path, code: 'INVALID_PATH', message: 'Not a File Cabinet path.' });
        continue;
      }
      let f;
      try {
        f = file.load({ id: path });
      } catch (e) {
        errors.push({ path, code: e.name || 'RCRD_DSNT_EXIST', message: e.message || 'That file does not exist.' });
        continue;
      }
      // getContents() gives text for text files and base64 for binary ones.
      const content = f.getContents();
      if (bytes > 0 && bytes + content.length > MAX_BYTES - 64 * 1024) {
        remaining.push(path);
        continue;
      }
      bytes += content.length;
      files.push({ path, id: String(f.id), encoding: f.isText ? 'utf8' : 'base64', content });
    }
    return { protocol: PROTOCOL, files, errors, remaining };
  };

  /** POST put: create or overwrite each file, creating folders as needed. */
  const put = (entries) => {
    const results = [];
    const remaining = [];
    const folders = {};
    for (const entry of entries) {
      const path = entry && entry.path;
      if (remaining.length || lowOnUsage()) {
        remaining.push(path);
        continue;
      }
      if (!validPath(path)) {
        results.push({ path, error: { code: 'INVALID_PATH', message: 'Not a File Cabinet path.' } });
        continue;
      }
      const encoding = entry.encoding || 'utf8';
      if (encoding !== 'utf8' && encoding !== 'base64') {
        results.push({ path, error: { code: 'INVALID_CONTENT', message: 'The encoding must be utf8 or base64.' } });
        continue;
      }
      const slash = path.lastIndexOf('/');
      const name = path.slice(slash + 1);
      const type = fileTypeFor(name, encoding);
      // Text types take text, binary types take base64: convert when they differ.
      let contents = String(entry.content || '');
      if (encoding === 'base64' && isTextType(type)) {
        contents = encode.convert({
          string: contents,
          inputEncoding: encode.Encoding.BASE_64,
          outputEncoding: encode.Encoding.UTF_8,
        });
      } else if (encoding === 'utf8' && !isTextType(type)) {
        contents = encode.convert({
          string: contents,
          inputEncoding: encode.Encoding.UTF_8,
          outputEncoding: encode.Encoding.BASE_64,
        });
      }
      try {
        let existed = true;
        try {
          file.load({ id: path });
        } catch (e) {
          existed = false;
        }
        const folder = slash < 0 ? null : folderId(path.slice(0, slash), true, folders);
        const created = file.create({ name, fileType: type, contents, folder });
        const id = created.save();
        results.push({ path, id: String(id), created: !existed });
      } catch (e) {
        results.push({ path, error: { code: e.name || 'UNEXPECTED_ERROR', message: e.message || String(e) } });
      }
    }
    return { protocol: PROTOCOL, results, remaining };
  };

  /** POST delete: remove each file; a missing one is reported as not deleted. */
  const remove = (paths) => {
    const results = [];
    const remaining = [];
    for (const path of paths) {
      if (remaining.length || lowOnUsage()) {
        remaining.push(path);
        continue;
      }
      if (!validPath(path)) {
        results.push({ path, deleted: false, error: { code: 'INVALID_PATH', message: 'Not a File Cabinet path.' } });
        continue;
      }
      try {
        const f = file.load({ id: path });
        file.delete({ id: f.id });
        results.push({ path, deleted: true });
      } catch (e) {
        results.push({ path, deleted: false });
      }
    }
    return { protocol: PROTOCOL, results, remaining };
  };

  const asArray = (value, what) => {
    if (!Array.isArray(value)) fail('INVALID_REQUEST', what + ' must be an array.');
    return value;
  };

  return {
    get: (params) => {
      if ((params && params.action) !== 'list') fail('INVALID_ACTION', 'GET takes action=list.');
      return list(params.path);
    },
    post: (body) => {
      const request = typeof body === 'string' ? JSON.parse(body) : body;
      switch (request && request.action) {
        case 'get':
          return get(asArray(request.paths, 'paths'));
        case 'put':
          return put(asArray(request.files, 'files'));
        case 'delete':
          return remove(asArray(request.paths, 'paths'));
        default:
          return fail('INVALID_ACTION', 'POST takes action get, put or delete.');
      }
    },
  };
});
