#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so a clone needs no build step before `npm start`. Both of
// tsx's hooks are registered: the CommonJS one for the static imports, and the ES module one for
// the lazy `import()` of the AWS adapters, which Node resolves through its ESM loader.
require('tsx/cjs/api').register();
import('tsx/esm/api')
  .then(({ register }) => {
    register();
    const { main } = require('../cli/main.ts');
    return main(process.argv.slice(2), process);
  })
  .then((code) => {
    process.exitCode = code;
  });
