#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/cli.js by `npm run build`.
'use strict';
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`optin: ${cli} is missing; run \`npm run build\` first.\n`);
  process.exit(2);
}
require(cli).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`optin: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; },
);
