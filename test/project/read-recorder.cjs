'use strict';
// Preloaded (node -r) by test/project/fingerprint.test.ts: appends to $FLOWC_READ_LOG every path
// this process or its worker threads open or read through fs, so the test sees what a run reads.
const fs = require('node:fs');
const log = process.env.FLOWC_READ_LOG;
const note = (p) => {
  if (typeof p === 'string' || p instanceof URL || Buffer.isBuffer(p)) fs.appendFileSync(log, `${p instanceof URL ? require('node:url').fileURLToPath(p) : String(p)}\n`);
};
for (const name of ['readFileSync', 'openSync', 'readFile', 'open', 'createReadStream']) {
  const original = fs[name];
  fs[name] = function (p, ...rest) {
    note(p);
    return original.call(this, p, ...rest);
  };
}
for (const name of ['readFile', 'open']) {
  const original = fs.promises[name];
  fs.promises[name] = function (p, ...rest) {
    note(p);
    return original.call(this, p, ...rest);
  };
}
