// dist/cli.js is a launcher written here: it answers --version and list (which scripts call
// often) from values taken at build time, without loading the doctor at all.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build as esbuild } from 'esbuild';

rmSync('dist', { recursive: true, force: true });

/**
 * `--test-hooks` (npm test) keeps src/test-hooks.ts, which lets the tests force a crash; every
 * other build (prepare, prepack: what ships) swaps in the stand-in that has no hook at all.
 */
const testHooks = process.argv.includes('--test-hooks');
const shippedHooks = {
  name: 'shipped-hooks',
  setup(build) {
    build.onResolve({ filter: /\/test-hooks\.ts$/ }, () =>
      testHooks ? undefined : { path: new URL('../src/test-hooks.shipped.ts', import.meta.url).pathname },
    );
  },
};

/**
 * Packages that most runs never call, evaluated on their first call rather than at every start:
 * string-width (three copies, under yargs and the live view: an Intl.Segmenter and Unicode-property
 * regular expressions, about 20 ms, for text a --json run never measures) and the config parsers
 * that only the client checks and fixes use, when a client is there: yaml (Continue) and toml-patch
 * (Codex), about 30 ms more. Each name the doctor imports is a stand-in that forwards calls, `new`
 * and property reads to the package, which esbuild evaluates when it is first require()d. A name
 * not listed here fails the build (esbuild: no matching export).
 */
const LAZY_PACKAGES = [
  { file: /[\\/]string-width[\\/]index\.js$/, names: ['default'] },
  {
    file: /[\\/]node_modules[\\/]yaml[\\/]dist[\\/]index\.js$/,
    names: ['Document', 'isMap', 'isScalar', 'isSeq', 'LineCounter', 'parseDocument'],
  },
  { file: /[\\/]toml-patch[\\/]dist[\\/]toml-patch\.js$/, names: ['patch', 'stringify', 'TomlDocument'] },
];
const LOADED = '?loaded';
const LAZY_SPECIFIERS = /^(string-width|yaml|@decimalturn\/toml-patch)$/;
const lazyPackages = {
  name: 'lazy-packages',
  setup(build) {
    // A stand-in is an ES module of named forwarders: require() would get a wrapper object, and
    // import() a namespace whose unlisted names are undefined. Only import statements, whose
    // unlisted names fail the build, are let through.
    build.onResolve({ filter: LAZY_SPECIFIERS }, (args) => {
      if (args.kind === 'import-statement') return undefined;
      return {
        errors: [
          {
            text: `${args.path} is evaluated lazily (scripts/build.mjs): import it with an import statement, not ${args.kind}`,
          },
        ],
      };
    });
    for (const { file, names } of LAZY_PACKAGES) {
      build.onLoad({ filter: file, namespace: 'file' }, (args) => ({
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= require(${JSON.stringify(args.path + LOADED)}));`,
          'const forward = (name) => {',
          '  const standIn = new Proxy(function () {}, {',
          '    apply: (_, self, args) => Reflect.apply(load()[name], self, args),',
          // A subclass of the stand-in constructs as a subclass of the real class.
          '    construct: (_, args, newTarget) =>',
          '      Reflect.construct(load()[name], args, newTarget === standIn ? load()[name] : newTarget),',
          '    get: (_, key) => Reflect.get(load()[name], key),',
          '    has: (_, key) => Reflect.has(load()[name], key),',
          '  });',
          '  return standIn;',
          '};',
          ...names.map((name) =>
            name === 'default'
              ? "export default forward('default');"
              : `export const ${name} = forward('${name}');`,
          ),
        ].join('\n'),
        loader: 'js',
      }));
    }
    build.onResolve({ filter: /\?loaded$/ }, (args) => ({
      path: args.path.slice(0, -LOADED.length),
      namespace: 'lazy-package',
    }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({
      contents: readFileSync(args.path, 'utf8'),
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/** Vendor code changed at bundle time; each must have been applied by the end of the build. */
const patchesApplied = new Set();
function patchVendor(name, file, from, to) {
  return {
    name,
    setup(build) {
      build.onLoad({ filter: file }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(from)) fail(`${args.path}: no \`${from.trim()}\` to change (${name})`);
        patchesApplied.add(name);
        return { contents: text.replace(from, to), loader: 'js' };
      });
    },
  };
}

/**
 * undici loads node:http2 as it loads (8 ms of the first requests' path) for HTTP/2, which the
 * doctor never asks for (allowH2 is off: it speaks HTTP/1.1, as the clients it stands for do).
 * Left out the way undici itself runs on a Node built without http2.
 */
const withoutHttp2 = patchVendor(
  'without-http2',
  /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/,
  "  http2 = require('node:http2')",
  "  throw new Error('HTTP/2 is not part of this build')",
);

/**
 * yargs renders the whole help text (its layout measures every cell with string-width) after each
 * command's handler starts, in case the handler later asks for help: about 40 ms of the main
 * thread, right when the checks send their first requests. The doctor never shows help after a
 * command ran (its fail handler throws), so the caching is left out.
 */
const withoutHelpCache = patchVendor(
  'without-help-cache',
  /[\\/]yargs[\\/]build[\\/]lib[\\/]command\.js$/,
  'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();',
  '',
);

/**
 * The heavy parts, each a bundle of its own, loaded with import() only by the paths that need
 * them: undici (HTTP), listr2 (the live view), node-forge and the loopback gateway (demo).
 * Everything else is one file: Node's module loader pays per file, more than per byte.
 */
const LAZY = {
  undici: 'src/net/undici.ts',
  live: 'src/report/live.ts',
  demo: 'src/sim/demo.ts',
  // The launcher's --version and list, written whole (dist/cli.js, below).
  answer: 'src/report/answer.ts',
};
const lazyImports = {
  name: 'lazy-imports',
  setup(build) {
    build.onResolve({ filter: /\/(undici|live|demo)\.ts$/ }, (args) =>
      args.kind === 'dynamic-import'
        ? { path: `./lazy/${args.path.match(/(\w+)\.ts$/)[1]}.js`, external: true }
        : undefined,
    );
  },
};
/** A failed build leaves no dist/ behind: half of one would run. */
function fail(message) {
  rmSync('dist', { recursive: true, force: true });
  console.error(`build: ${message}`);
  process.exit(1);
}

/** A warning fails the build: the one that matters is an import that will always be undefined. */
async function build(options) {
  const result = await esbuild(options).catch((error) => fail(error.message));
  if (result.warnings.length > 0)
    fail(`${result.warnings.length} warning(s) above; a build with warnings is not shipped`);
  return result;
}

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  legalComments: 'none',
  logLevel: 'warning',
  // Node reads, decodes and compiles every byte of a module it loads, comments and indentation
  // included: about 60 ms of each run's start-up for 3 MB. Names are kept (no identifier
  // minifying): error names and the rare stack trace stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  // jsonc-parser's "main" is a UMD build that require()s its parts at run time, past the bundler.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  banner: {
    // Bundled CommonJS dependencies (undici, node-forge) still call require() for Node built-ins.
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
};
await build({
  ...common,
  entryPoints: { main: 'src/cli.ts' },
  outdir: 'dist',
  plugins: [lazyImports, shippedHooks, lazyPackages, withoutHttp2, withoutHelpCache],
});
await build({ ...common, entryPoints: LAZY, outdir: 'dist/lazy', plugins: [lazyPackages, withoutHttp2] });
// The same doctor as one file, for a machine that cannot install packages (npm itself failing on
// the internal CA): copied alone and run as `node eliza-doctor.mjs`. Without splitting, esbuild
// inlines every import() (demo, the live view, undici), so the file needs nothing beside it.
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/eliza-doctor.mjs',
  plugins: [shippedHooks, lazyPackages, withoutHttp2, withoutHelpCache],
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
});
chmodSync('dist/eliza-doctor.mjs', 0o755);
for (const { name } of [withoutHttp2, withoutHelpCache]) {
  // A package upgrade that moved the file would otherwise leave the change silently undone.
  if (!patchesApplied.has(name)) fail(`${name}: its file was never bundled`);
}

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const list = execFileSync(process.execPath, ['dist/main.js', 'list', '--long'], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .map((line) => line.split('\t'));
writeFileSync(
  'dist/cli.js',
  `#!/usr/bin/env node
// Written by scripts/build.mjs from package.json and \`main.js list --long\`: do not edit.
const args = process.argv.slice(2);
const checks = ${JSON.stringify(list)};
// Answered here, without the doctor: written as it writes (src/report/answer.ts).
const answer = async (text) => (await import('./lazy/answer.js')).answer(text);
if (args.length === 1 && args[0] === '--version') {
  await answer(${JSON.stringify(`${version}\n`)});
} else if (args[0] === 'list' && args.slice(1).every((a) => a === '--long')) {
  const long = args.includes('--long');
  await answer(checks.map(([id, title, where]) => (long ? [id, title, where] : [id, title]).join('\\t') + '\\n').join(''));
} else {
  // main.js is read while the wire thread is made: the read waits on the disk, the making on this thread.
  const loading = import('./main.js');
  // A run that will diagnose: the thread that times the handshake boots now, on the core that is
  // idle while main.js loads, rather than beside the run's programs (src/net/wire-worker.ts).
  const quiet = ['list', 'env', 'setup', 'dockerfile'].includes(args[0]);
  if (!quiet && !args.some((a) => ['--help', '-h', '--offline', '--version'].includes(a))) {
    const { Worker } = await import('node:worker_threads');
    const key = Symbol.for('eliza-doctor.wire-thread');
    const wire = new Worker(${JSON.stringify(wireSource())}, { eval: true, env: {}, stdout: false, stderr: false });
    wire.unref();
    // A thread that failed to start is not handed on: the doctor then starts its own, or times here.
    const drop = () => { if (globalThis[key] === wire) delete globalThis[key]; };
    wire.once('error', drop);
    wire.once('exit', drop);
    globalThis[key] = wire;
  }
  await loading;
}
`,
  { mode: 0o755 },
);

/** The wire thread's source, as src/net/wire-worker.ts holds it (plain JavaScript, no interpolation). */
function wireSource() {
  const text = readFileSync('src/net/wire-worker.ts', 'utf8');
  const source = /export const WIRE_THREAD_SOURCE = `([^`]*)`;/.exec(text)?.[1];
  // Taken as written: no interpolation, and no escapes, which the template literal would read otherwise.
  if (!source || source.includes('${') || source.includes('\\'))
    throw new Error('src/net/wire-worker.ts: WIRE_THREAD_SOURCE not found as plain text');
  return source;
}
