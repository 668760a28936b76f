// The runner of the jco client: runs one transpiled component the way a
// WASI command runs.
//
// usage: node runner.mjs DIR [ARGS...]
//   DIR holds comp.js (`jco transpile C.wasm -o DIR --name comp`); ARGS are
//   the component's arguments (argv[0] first).
//
// Through the P2 shim (whose CLI state the P3 shim shares) it sets the
// arguments, the environment `frabjous=day`, no working directory and no
// terminals (stdin, stdout and stderr are pipes or empty, never a
// terminal: the shim's default of a terminal everywhere would be false);
// through both the P2 and the P3 filesystem shims it preopens a fresh,
// empty temporary directory as `/` (removed when the process exits). It
// then imports DIR/comp.js (which instantiates the component) and awaits
// `run()` of the `wasi:cli/run@*` export. The observation is the process's
// stdout, stderr and exit status: a component that returns normally exits
// 0, one that calls `exit` exits with its code, a trap or an error result
// is an uncaught error (exit status 1, the error on stderr). A component
// without a run export exits 99.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = resolve(process.argv[2]);
const args = process.argv.slice(3);
const preopen = mkdtempSync(join(tmpdir(), 'weft-jco-'));
process.on('exit', () => rmSync(preopen, { recursive: true, force: true }));

const p2cli = await import('@bytecodealliance/preview2-shim/cli');
const p2fs = await import('@bytecodealliance/preview2-shim/filesystem');
const p3fs = await import('@bytecodealliance/preview3-shim/filesystem');
p2cli._setArgs(args);
p2cli._setEnv({ frabjous: 'day' });
p2cli._setCwd(undefined);
p2cli._setTerminalStdin(undefined);
p2cli._setTerminalStdout(undefined);
p2cli._setTerminalStderr(undefined);
p2fs._setPreopens({ '/': preopen });
p3fs._setPreopens({ '/': preopen });

const component = await import(pathToFileURL(join(dir, 'comp.js')).href);
const key = Object.keys(component).find((k) => k.startsWith('wasi:cli/run@'));
if (key === undefined) {
  console.error(`runner: no wasi:cli/run export (exports: ${Object.keys(component).join(', ')})`);
  process.exit(99);
}
await component[key].run();
