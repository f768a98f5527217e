#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so a clone needs no build step before `npm start`.
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2), process).then((code) => {
  process.exitCode = code;
});
