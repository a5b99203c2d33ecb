'use strict';
// Preloaded (node -r) by test/project/warm-build-loads.test.ts: appends to $FLOWC_LOAD_LOG the file
// of every piece of code this process compiles: CommonJS modules (Node's loader) and the scripts
// bin/load-bundle.cjs runs (the CLI's chunks, the bundled ajv, generated validators). A file read
// to be hashed (the compiler's fingerprint) is not loaded, and is not logged here.
const fs = require('node:fs');
const Module = require('node:module');
const vm = require('node:vm');
const log = process.env.FLOWC_LOAD_LOG;
const note = (file) => fs.appendFileSync(log, `${file}\n`);
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  note(filename);
  return compile.call(this, content, filename);
};
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(code, options) {
    note(typeof options === 'string' ? options : (options?.filename ?? '<anonymous>'));
    super(code, options);
  }
};
