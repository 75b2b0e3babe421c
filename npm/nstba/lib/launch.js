// The npm launcher (docs/design.md §13): runs the binary of the one platform package npm
// installed beside this one (an optional dependency per platform, as esbuild and biome do), with
// the same arguments, standard streams and exit code. No build, no download.
"use strict";
const { spawn } = require("node:child_process");
const PLATFORMS = require("./platforms.json");

function binary(name) {
  const key = `${process.platform}-${process.arch}`;
  const platform = PLATFORMS[key];
  if (!platform) {
    console.error(
      `error: nstba has no prebuilt binary for ${key}: build it from source with cargo (see the README's Install)`,
    );
    process.exit(1);
  }
  const file = name + (process.platform === "win32" ? ".exe" : "");
  try {
    return require.resolve(`${platform.package}/bin/${file}`);
  } catch {
    console.error(
      `error: ${platform.package}, the package that holds nstba for ${key}, is not installed ` +
        `(npm leaves it out under --omit=optional): run npm install -g nstba again without it`,
    );
    process.exit(1);
  }
}

module.exports = function run(name) {
  const child = spawn(binary(name), process.argv.slice(2), { stdio: "inherit" });
  // Ctrl-C reaches the child from the terminal itself; nstba ends its own wait and exits 130,
  // which is passed on. A signal sent to the launcher alone is forwarded.
  const forward = (signal) => child.kill(signal);
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, forward);
  child.on("error", (e) => {
    console.error(`error: cannot run ${name}: ${e.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
};
