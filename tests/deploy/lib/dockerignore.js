// Dockerignore: which files of a folder enter a Docker build context under a .dockerignore,
// with Docker's rules: patterns are matched against the path relative to the context and
// against each of its parent folders; `*` and `?` stay within one path element, `**` spans any
// number; a leading `!` re-includes; the last matching pattern decides.
"use strict";

const fs = require("fs");
const path = require("path");

function compile(pattern) {
  let p = pattern.trim();
  const exclusion = p.startsWith("!");
  if (exclusion) p = p.slice(1).trim();
  p = path.posix.normalize(p).replace(/^\/+/, "").replace(/\/+$/, "");
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "*" && p[i + 1] === "*") {
      re += ".*";
      i++;
      if (p[i + 1] === "/") i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = p.indexOf("]", i);
      if (end < 0) throw new Error(`.dockerignore: unclosed [ in ${pattern}`);
      re += p.slice(i, end + 1).replace(/^\[!/, "[^");
      i = end;
    } else if (c === "\\") re += `\\${p[++i] || ""}`;
    else re += c.replace(/[.+^${}()|]/g, "\\$&");
  }
  return { exclusion, source: p, regex: new RegExp(`^${re}$`) };
}

function parseIgnore(text) {
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map(compile);
}

function excluded(rules, relPath) {
  const parts = relPath.split("/");
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let result = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.regex.test(c))) result = !rule.exclusion;
  }
  return result;
}

// Whether a `!` rule could admit something below an excluded folder (else skip walking it).
function mayReinclude(rules, dir) {
  return rules.some((r) => r.exclusion &&
                           (r.source.startsWith(`${dir}/`) || /[*?[]/.test(r.source.split("/")[0])));
}

// Every file path (relative, posix) of `root` that the context admits.
function contextFiles(root, ignoreText) {
  const rules = parseIgnore(ignoreText);
  const files = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!excluded(rules, child) || mayReinclude(rules, child)) walk(child);
      }
      else if (!excluded(rules, child)) files.push(child);
    }
  };
  walk("");
  return files;
}

module.exports = { parseIgnore, excluded, contextFiles };
