// Help: what a patchq binary accepts, read from its own `--help` (FlagSet::usage format:
// "  --name VALUE" then an indented help line ending in "(default: X)" and "[env NAME]"), and
// asking the binary's own parser whether a command line and environment are acceptable.
"use strict";

const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

function runBinary(file, args, env) {
  const r = spawnSync(file, args, { env, encoding: "utf8", timeout: 20000 });
  if (r.error) throw new Error(`${path.basename(file)}: ${r.error.message}`);
  return r;
}

// -> { flags: Map(name -> { takesValue, env, defaultText, secret }), envNames: Set, text }
function readHelp(file) {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist (build it first)`);
  const r = runBinary(file, ["--help"], { PATH: process.env.PATH || "/usr/bin:/bin" });
  const text = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`${path.basename(file)} --help exited ${r.status}: ${text.trim()}`);
  const flags = new Map();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s+--([a-z0-9][a-z0-9-]*)( [A-Z]+)?\s*$/.exec(lines[i]);
    if (!m) continue;
    const desc = (lines[i + 1] || "").trim();
    const env = /\[env ([A-Za-z_][A-Za-z0-9_]*)\]\s*$/.exec(desc);
    const def = /\(default: (.*?)\)(?: \[env [^\]]+\])?\s*$/.exec(desc);
    flags.set(m[1], {
      takesValue: Boolean(m[2]),
      env: env ? env[1] : null,
      defaultText: def ? def[1] : null,
      secret: /\(secret; /.test(desc),
    });
  }
  if (flags.size === 0) throw new Error(`${path.basename(file)} --help lists no flags`);
  const envNames = new Set([...flags.values()].map((f) => f.env).filter(Boolean));
  return { flags, envNames, text };
}

// Runs `file <args> --help` with exactly `env` (plus PATH): FlagSet reads the environment and
// every flag before it stops at --help, so exit 0 means the binary accepts them all.
function accepts(file, args, env) {
  const r = runBinary(file, [...args, "--help"], { PATH: process.env.PATH || "/usr/bin:/bin", ...env });
  return r.status === 0 ? null : `${`${r.stderr}${r.stdout}`.trim().split("\n")[0]} (exit ${r.status})`;
}

module.exports = { readHelp, accepts };
