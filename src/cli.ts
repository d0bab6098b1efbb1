import { setFlagsFromString } from 'node:v8';

// dist/cli.js, written by scripts/build.mjs, answers --version and list before this loads.

// undici parses HTTP with a WebAssembly build of llhttp, which V8 otherwise also compiles with
// its optimising tier: a 30 MB spike in peak memory for parsing a few small answers. The
// baseline compiler alone keeps a full run under 100 MB (measured by npm run bench).
setFlagsFromString('--liftoff-only');
const { run } = await import('./app.ts');
await run(process.argv.slice(2));
// Everything is reported and flushed. A connection still being opened to a black hole (undici
// cannot cancel one mid-connect) must not hold the process for its connect timeout: leave now.
process.exit();
