// vendor.mjs - copies the Amazon IVS Player Web SDK from node_modules into
// web/vendor/, so the page loads it from beside itself (no CDN).
//
// The npm build (dist/index.js) is CommonJS that require()s a few packages
// (bowser, lodash/mergeWith, @babel/runtime helpers, events), so a plain copy
// cannot run in a browser. This script wraps it and every module it reaches
// into one classic script that sets `self.IVSPlayer` - a minimal CommonJS
// linker, not a bundler: no transforms, the code is copied byte for byte.
// The wasm worker (.js + .wasm) is copied as it is.
//
// Usage: npm run vendor   (writes vendor/amazon-ivs-player.min.js,
//        vendor/amazon-ivs-wasmworker.min.js, vendor/amazon-ivs-wasmworker.min.wasm)
import { createRequire, builtinModules } from 'node:module';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(webDir, 'vendor');
const require = createRequire(join(webDir, 'package.json'));

const entry = require.resolve('amazon-ivs-player');
const assets = join(dirname(entry), 'assets');
const version = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')).version;

// Node built-ins the SDK asks for. `events` has a browser package of the same
// name (a dependency of ours); `util` is only probed by lodash inside a
// try/catch, so it stays unresolved and throws there, as in any browser build.
function resolveFrom(file, spec) {
  const req = createRequire(file);
  const bare = !spec.startsWith('.') && !spec.startsWith('/');
  if (bare && builtinModules.includes(spec)) {
    try {
      return req.resolve(spec + '/'); // the trailing slash skips the built-in
    } catch {
      return null;
    }
  }
  return req.resolve(spec);
}

const modules = new Map(); // absolute path -> { id, source, deps: Map(spec -> id|null) }
function add(file) {
  if (modules.has(file)) return modules.get(file).id;
  const mod = { id: modules.size, source: readFileSync(file, 'utf8'), deps: new Map() };
  modules.set(file, mod);
  for (const m of mod.source.matchAll(/\brequire\(\s*(["'])([^"']+)\1\s*\)/g)) {
    const spec = m[2];
    if (mod.deps.has(spec)) continue;
    const target = resolveFrom(file, spec);
    mod.deps.set(spec, target ? add(target) : null);
  }
  return mod.id;
}
add(entry);

let out = `/*! Amazon IVS Player Web SDK ${version} (npm: amazon-ivs-player), linked for the browser by
 * web/scripts/vendor.mjs. Licence: see https://player.live-video.net/LICENSE.txt and the
 * packages' own licences in node_modules. */
(function () {
var process = { env: { NODE_ENV: 'production' } };
var global = self;
var defs = [];
var cache = [];
function load(id) {
  if (cache[id]) return cache[id].exports;
  var module = (cache[id] = { exports: {} });
  defs[id].fn.call(module.exports, module, module.exports, function (spec) {
    var dep = defs[id].deps[spec];
    if (dep === undefined || dep === null) throw new Error('module not available in the browser: ' + spec);
    return load(dep);
  });
  return module.exports;
}
`;
for (const [file, mod] of modules) {
  out += `// ${relative(webDir, file)}\n`;
  out += `defs[${mod.id}] = { deps: ${JSON.stringify(Object.fromEntries(mod.deps))}, fn: function (module, exports, require) {\n`;
  out += mod.source;
  out += `\n} };\n`;
}
out += `self.IVSPlayer = load(0);\n})();\n`;

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'amazon-ivs-player.min.js'), out);
copyFileSync(join(assets, 'amazon-ivs-wasmworker.min.js'), join(outDir, 'amazon-ivs-wasmworker.min.js'));
copyFileSync(join(assets, 'amazon-ivs-wasmworker.min.wasm'), join(outDir, 'amazon-ivs-wasmworker.min.wasm'));
console.log(`vendor: amazon-ivs-player ${version} (${modules.size} modules) -> ${relative(process.cwd(), outDir) || '.'}/`);
