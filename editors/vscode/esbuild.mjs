// Builds the extension with esbuild: `node esbuild.mjs` bundles src/extension.ts
// (with vscode-languageclient inlined, `vscode` left to the host) into
// dist/extension.js; `--production` minifies it for packaging; `--tests` compiles
// each test file under test/ into out/test/ for `node --test` (npm packages stay
// external there, so the end-to-end test uses the real vscode-languageserver-protocol).
import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const args = new Set(process.argv.slice(2));

function testEntries(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testEntries(path));
    else if (entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

if (args.has("--tests")) {
  await esbuild.build({
    entryPoints: testEntries("test"),
    outdir: "out/test",
    outbase: "test",
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "inline",
    logLevel: "warning",
  });
} else {
  const production = args.has("--production");
  await esbuild.build({
    entryPoints: ["src/extension.ts"],
    outfile: "dist/extension.js",
    bundle: true,
    external: ["vscode"],
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: production,
    sourcemap: !production,
    logLevel: "warning",
  });
}
