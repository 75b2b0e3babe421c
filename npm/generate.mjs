#!/usr/bin/env node
// Makes the npm packages from the release archives (docs/design.md §13):
//
//   node npm/generate.mjs DIST OUT
//
// DIST holds nstba-VERSION-TARGET.tar.gz / .zip (scripts/package.sh) and their SHA256SUMS; each
// archive is checked against it. OUT gets one folder per platform package found
// (@nstba/linux-x64, ...: package.json with `os` and `cpu`, bin/ with nstba and nstba-emulator)
// and the launcher `nstba` (npm/nstba, with every platform package as an optional dependency at
// the same version). `npm pack` or `npm publish` each folder; publish the platform packages first.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [dist, out] = process.argv.slice(2);
if (!dist || !out) {
  console.error("usage: node npm/generate.mjs DIST OUT");
  process.exit(2);
}
const platforms = JSON.parse(fs.readFileSync(path.join(here, "nstba/lib/platforms.json"), "utf8"));
const byTarget = new Map();
for (const [key, p] of Object.entries(platforms)) for (const t of p.targets) byTarget.set(t, { key, ...p });

const sums = new Map(
  fs
    .readFileSync(path.join(dist, "SHA256SUMS"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [sum, file] = line.split(/\s+\*?/);
      return [file, sum];
    }),
);

// The repository's address has one home, Cargo.toml (cargo binstall reads it there too).
const cargo = fs.readFileSync(path.join(here, "../Cargo.toml"), "utf8");
const repo = /^repository = "(.*)"$/m.exec(cargo)?.[1];
if (!repo) fail("Cargo.toml names no repository");
const common = {
  repository: { type: "git", url: `git+${repo}.git` },
  homepage: `${repo}#readme`,
};
const archive = /^nstba-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)-([a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(?:-[a-z0-9_]+)?)\.(tar\.gz|zip)$/;
let version;
const made = new Map();
fs.rmSync(out, { recursive: true, force: true });
for (const file of fs.readdirSync(dist).sort()) {
  const m = archive.exec(file);
  if (!m) continue;
  const [, v, target, kind] = m;
  if (version && v !== version) fail(`${file} is version ${v}, another archive ${version}`);
  version = v;
  const platform = byTarget.get(target);
  if (!platform) fail(`${file}: no npm platform for the target ${target} (npm/nstba/lib/platforms.json)`);
  if (made.has(platform.key)) {
    console.error(`note: ${file} skipped, ${platform.package} comes from ${made.get(platform.key)}`);
    continue;
  }
  const data = fs.readFileSync(path.join(dist, file));
  const sum = createHash("sha256").update(data).digest("hex");
  if (sums.get(file) !== sum) fail(`${file} does not match SHA256SUMS: make the archives again`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nstba-npm-"));
  try {
    if (kind === "zip") execFileSync("python3", ["-m", "zipfile", "-e", path.join(dist, file), tmp]);
    else execFileSync("tar", ["-xzf", path.join(dist, file), "-C", tmp]);
    const inner = path.join(tmp, `nstba-${v}-${target}`);
    const dir = path.join(out, platform.package.replace("/", "-").replace(/^@/, ""));
    fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
    const ext = platform.os === "win32" ? ".exe" : "";
    for (const bin of ["nstba", "nstba-emulator"]) {
      const to = path.join(dir, "bin", bin + ext);
      fs.copyFileSync(path.join(inner, bin + ext), to);
      fs.chmodSync(to, 0o755);
    }
    write(path.join(dir, "package.json"), {
      name: platform.package,
      version,
      description: `The nstba binary for ${platform.os} ${platform.cpu} (installed by the nstba package)`,
      os: [platform.os],
      cpu: [platform.cpu],
      files: ["bin"],
      preferUnplugged: true,
      ...common,
    });
    made.set(platform.key, file);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
if (!version) fail(`no nstba-VERSION-TARGET archive in ${dist}`);

const launcher = path.join(out, "nstba");
fs.cpSync(path.join(here, "nstba"), launcher, { recursive: true });
write(path.join(launcher, "package.json"), {
  name: "nstba",
  version,
  description: "NetSuite TBA and OAuth 2.0 from one binary: tokens, deploy and fetch, REST, RESTlets, SuiteQL",
  bin: { nstba: "bin/nstba.js", "nstba-emulator": "bin/nstba-emulator.js" },
  files: ["bin", "lib", "README.md"],
  engines: { node: ">=18" },
  // Every platform, made here or not: npm installs the one whose os and cpu match.
  optionalDependencies: Object.fromEntries(Object.values(platforms).map((p) => [p.package, version])),
  keywords: ["netsuite", "oauth", "tba", "suitecommerce", "suitescript"],
  ...common,
});
console.log([...made.keys()].map((k) => platforms[k].package).concat("nstba").join("\n"));

function write(file, json) {
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
}
function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}
