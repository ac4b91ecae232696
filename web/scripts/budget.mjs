// Prints the gzipped size of the JavaScript a first visit downloads: the entry script of
// dist/index.html and every chunk it imports statically (lazy chunks are left out), and
// says whether it is within the 250 KB budget. A figure, not a timing.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 250;
const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const html = readFileSync(join(dist, "index.html"), "utf8");
const entries = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)].map((m) => m[1]);
const preloads = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)].map(
  (m) => m[1],
);

// Static imports only: `import … from "./x.js"` and `import "./x.js"`, not `import("./x.js")`.
const staticImport = /(?:^|[;\s}])import\s*(?:[\w*${}\s,]+from\s*)?["']([^"']+\.js)["']/g;

const seen = new Set();
const queue = [...entries, ...preloads].map((p) => posix.normalize(p.replace(/^\//, "")));
while (queue.length > 0) {
  const file = queue.shift();
  if (seen.has(file) || !existsSync(join(dist, file))) continue;
  seen.add(file);
  const code = readFileSync(join(dist, file), "utf8");
  for (const m of code.matchAll(staticImport)) {
    queue.push(posix.normalize(posix.join(posix.dirname(file), m[1])));
  }
}

let raw = 0;
let gzipped = 0;
for (const file of [...seen].sort()) {
  const bytes = readFileSync(join(dist, file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzipped += gz;
  console.log(
    `${file.padEnd(44)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KB ${(gz / 1024).toFixed(1).padStart(7)} KB gz`,
  );
}
const kb = gzipped / 1024;
console.log(
  `initial JavaScript: ${(raw / 1024).toFixed(1)} KB, ${kb.toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)`,
);
if (kb > BUDGET_KB) {
  console.error(`over budget by ${(kb - BUDGET_KB).toFixed(1)} KB`);
  process.exit(1);
}
