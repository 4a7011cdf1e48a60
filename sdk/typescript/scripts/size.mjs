#!/usr/bin/env node
//! Measures what the user-side client costs a browser app: `src/index.ts` bundled for the
//! browser with its dependency (openapi-fetch), minified, then gzipped. Fails above the
//! 15 KB budget so a change that grows it is noticed.

import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BUDGET_BYTES = 15 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const result = await build({
  entryPoints: [join(root, "src", "index.ts")],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  write: false,
});
const minified = result.outputFiles[0].contents;
const gzipped = gzipSync(minified, { level: 9 });
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`user client (src/index.ts + openapi-fetch): ${kb(minified.length)} minified, ${kb(gzipped.length)} minified + gzipped (budget ${kb(BUDGET_BYTES)})`);
if (gzipped.length > BUDGET_BYTES) process.exit(1);
