#!/usr/bin/env node
// Runs the compiled CLI (npm run build puts it in dist/).
const { main } = require('../dist/electron/cli/main.js');
main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exitCode = code;
});
