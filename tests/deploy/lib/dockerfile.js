// Dockerfile: parses a Dockerfile into stages of instructions (line continuations joined,
// comments dropped, ARG defaults substituted into FROM), and the packages each stage installs
// with apt-get. Only what the deploy checks need; not a full BuildKit parser.
"use strict";

function instructions(text) {
  const out = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (current === "" && /^\s*#/.test(line)) continue;
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, " ");
      continue;
    }
    current += line;
    const trimmed = current.trim();
    current = "";
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const m = /^(\S+)\s*(.*)$/.exec(trimmed);
    out.push({ op: m[1].toUpperCase(), args: m[2].replace(/\s+/g, " ").trim() });
  }
  return out;
}

// -> { globalArgs: Map, stages: [{ name, base, instructions: [...] }] }
function parse(text) {
  const globalArgs = new Map();
  const stages = [];
  for (const ins of instructions(text)) {
    if (ins.op === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args.replace(/^--platform=\S+\s+/, ""));
      const base = m[1].replace(/\$\{?(\w+)\}?/g, (_, v) => globalArgs.get(v) || "");
      stages.push({ name: m[2] || String(stages.length), base, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.op === "ARG") {
        const [k, v] = ins.args.split("=");
        globalArgs.set(k, v === undefined ? "" : v);
      }
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

// Packages named after `apt-get install` in the stage's RUN instructions (options skipped).
function aptPackages(stage) {
  const pkgs = [];
  for (const ins of stage.instructions) {
    if (ins.op !== "RUN") continue;
    for (const cmd of ins.args.split(/&&|;/)) {
      const words = cmd.trim().split(/\s+/);
      const at = words.findIndex((w, i) => w === "install" && /apt(-get)?$/.test(words[i - 1] || ""));
      if (at < 0) continue;
      for (const w of words.slice(at + 1)) if (!w.startsWith("-")) pkgs.push(w);
    }
  }
  return pkgs;
}

// dpkg path-exclude patterns a stage writes into /etc/dpkg/dpkg.cfg.d (before its apt-get
// install, so dpkg never unpacks those files): `path-exclude /x` words and, for a
// `printf 'path-exclude %s\n' '/x' '/y' > /etc/dpkg/dpkg.cfg.d/...`, the quoted paths.
function dpkgExcludes(stage) {
  const patterns = [];
  for (const ins of stage.instructions) {
    if (ins.op !== "RUN" || !/dpkg\.cfg\.d/.test(ins.args)) continue;
    for (const m of ins.args.matchAll(/path-exclude\s+(\/[^\s'"]+)/g)) patterns.push(m[1]);
    if (/printf\s+'path-exclude %s\\n'/.test(ins.args)) {
      for (const m of ins.args.matchAll(/'(\/[^']+)'/g)) patterns.push(m[1]);
    }
  }
  return patterns;
}

// dpkg matches path-exclude patterns with fnmatch(3) without FNM_PATHNAME: * and ? cross "/".
function dpkgPatternMatches(pattern, file) {
  const re = pattern.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(file);
}

module.exports = { instructions, parse, aptPackages, dpkgExcludes, dpkgPatternMatches };
