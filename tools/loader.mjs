// `node --import ./tools/loader.mjs`: tsx for the project's TypeScript; the JavaScript of
// node_modules loaded as Node would, but from V8's code cache.
// - tsx's CommonJS hook reads every .js file a second time and, when it mentions "import" or
//   "export", scans it for ESM syntax (tsx: src/cjs/api/module-extensions.ts). The dependencies
//   are CommonJS; a package of "type": "module" is left to Node's own loader.
// - @pulumi/pulumi requires the TypeScript compiler (9 MB, for closure serialization) and npm's
//   arborist on every start: compiling them is a third of a render's CPU. Node 20 has no compile
//   cache (module.enableCompileCache is Node >= 22.1), so each file's V8 code cache is kept in
//   $XDG_CACHE_HOME/homeport/v8 (~/.cache/homeport/v8), keyed by path, size and mtime. V8 itself
//   rejects a cache that does not match the source (then the file compiles and the cache is
//   written again). HOMEPORT_COMPILE_CACHE=0 turns the cache off.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import Module from "node:module";
import { homedir } from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

const nodeJs = Module._extensions[".js"];
await import("tsx");
const tsxJs = Module._extensions[".js"];
const dependency = `${path.sep}node_modules${path.sep}`;
// A compiled script imports as its module would only with Node's default loader (Node >= 20.12).
const importDefault = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
const cacheDir =
  process.env.HOMEPORT_COMPILE_CACHE === "0" || importDefault === undefined
    ? undefined
    : path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "homeport", "v8");

/** The "type" of the package.json nearest to a directory (Node's package scope). */
const scopeTypes = new Map();
function scopeType(dir) {
  if (scopeTypes.has(dir)) return scopeTypes.get(dir);
  let type;
  try {
    type = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).type ?? "commonjs";
  } catch {
    const parent = path.dirname(dir);
    type = parent === dir ? "commonjs" : scopeType(parent);
  }
  scopeTypes.set(dir, type);
  return type;
}

/** A require function for a module, as Node's loader gives one (lib/internal/modules/helpers.js). */
function requireFor(module) {
  const require = (id) => module.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** The scripts compiled without a cache, by the cache file to write for each. */
const uncached = new Map();

/**
 * Writes the code cache of each script compiled without one. At exit, so that the functions
 * that ran (V8 compiles a function when first called) are in it too.
 */
function writeCaches() {
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    for (const [cacheFile, script] of uncached) {
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    }
  } catch {
    // A read-only home: no cache, the same result.
  }
}

/** Compiles and runs a CommonJS file of node_modules with its cached code. */
function loadCached(module, filename) {
  const stat = fs.statSync(filename);
  const key = createHash("sha1").update(`${filename}\0${stat.size}\0${stat.mtimeMs}`).digest("hex");
  const cacheFile = path.join(cacheDir, key);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // Not cached yet.
  }
  const source = fs.readFileSync(filename, "utf8").replace(/^#!.*/, "");
  const script = new vm.Script(Module.wrap(source), {
    filename,
    cachedData,
    importModuleDynamically: importDefault,
  });
  const compiled = script.runInThisContext({ displayErrors: true });
  if (cachedData === undefined || script.cachedDataRejected) {
    if (uncached.size === 0) process.once("exit", writeCaches);
    uncached.set(cacheFile, script);
  }
  const dirname = path.dirname(filename);
  return compiled.call(
    module.exports,
    module.exports,
    requireFor(module),
    module,
    filename,
    dirname,
  );
}

Object.defineProperty(Module._extensions, ".js", {
  value: function (module, filename) {
    if (!filename.includes(dependency)) return tsxJs.call(this, module, filename);
    if (cacheDir === undefined || scopeType(path.dirname(filename)) === "module") {
      return nodeJs.call(this, module, filename);
    }
    return loadCached(module, filename);
  },
  writable: true,
  configurable: true,
  enumerable: true,
});
