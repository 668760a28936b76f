// The transpiler of the jco client: `jco transpile IN.wasm -o DIR --name comp`
// for many components in one Node process (jco's API runs the same
// transpilation as its command line, without loading the command line's
// dependencies again for every component).
//
// usage: node transpile.mjs JOBS
//   JOBS: a file with one job a line, `IN.wasm<TAB>DIR`.
// For each job it writes DIR/comp.js, the core modules beside it and
// DIR/package.json `{"type":"module"}`, then prints `ok<TAB>DIR`, or
// `error<TAB>DIR<TAB>message` when jco rejects the component. It exits
// non-zero only when it cannot run at all.
import { transpile } from '@bytecodealliance/jco';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const jobs = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l !== '');
for (const job of jobs) {
  const [input, dir] = job.split('\t');
  try {
    const { files } = await transpile(readFileSync(input), { name: 'comp', noTypescript: true, quiet: true });
    for (const [path, contents] of Object.entries(files)) {
      const file = join(dir, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, contents);
    }
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    console.log(`ok\t${dir}`);
  } catch (e) {
    console.log(`error\t${dir}\t${String(e?.stack ?? e).replaceAll('\n', ' | ')}`);
  }
}
