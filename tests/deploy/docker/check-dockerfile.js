// Checks deploy/docker/Dockerfile and .dockerignore offline (no Docker engine here): a Debian 12
// build stage with the project's own build packages, a slim runtime stage with real Debian
// runtime packages only, a numeric non-root user, a HEALTHCHECK on the receiver's /healthz at
// the port it listens on, OCI labels; and that the build context the .dockerignore admits holds
// no secrets or build output and configures with the Dockerfile's own cmake command.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const repo = require("../lib/repo");
const dockerfile = require("../lib/dockerfile");
const dockerignore = require("../lib/dockerignore");
const k = require("../lib/k8s");
const { Report } = require("../lib/report");

const report = new Report("deploy dockerfile");
const df = dockerfile.parse(repo.readText("deploy/docker/Dockerfile"));
const build = df.stages[0];
const runtime = df.stages[df.stages.length - 1];

function ops(stage, op) {
  return stage.instructions.filter((i) => i.op === op);
}

// JSON-array (exec) form or shell form -> words
function words(args) {
  const t = args.trim();
  return t.startsWith("[") ? JSON.parse(t) : t.split(/\s+/);
}

function setupDepsPackages() {
  const text = repo.readText("scripts/setup-deps");
  const m = /packages=\(([\s\S]*?)\)/.exec(text);
  if (!m) throw new Error("scripts/setup-deps has no packages=( ... ) list");
  return new Set(m[1].split(/\s+/).filter(Boolean));
}

// A package is real Debian 12 when dpkg knows it installed, or apt's index knows it.
function debianPackageKnown(name) {
  const q = repo.run("dpkg-query", ["-W", "-f=${Status}", name]);
  if (q.status === 0 && /install ok installed/.test(q.stdout)) return true;
  const a = repo.run("apt-cache", ["show", "--no-all-versions", name]);
  return a.status === 0 && /^Package: /m.test(a.stdout);
}

report.run("two stages: Debian 12 build, Debian 12 slim runtime", () => {
  const p = [];
  if (df.stages.length < 2) p.push(`${df.stages.length} stage(s)`);
  if (!/^debian:12(\.\d+)?(@sha256:[0-9a-f]{64})?$/.test(build.base)) p.push(`build stage base ${build.base}`);
  if (!/^debian:12(\.\d+)?-slim(@sha256:[0-9a-f]{64})?$/.test(runtime.base)) p.push(`runtime stage base ${runtime.base}`);
  return p;
});

report.run("build stage installs only packages from scripts/setup-deps", () => {
  const allowed = setupDepsPackages();
  const pkgs = dockerfile.aptPackages(build);
  if (pkgs.length === 0) return ["build stage installs nothing"];
  return pkgs.filter((x) => !allowed.has(x)).map((x) => `${x} is not in scripts/setup-deps`);
});

const runtimePkgs = dockerfile.aptPackages(runtime);
report.run("runtime stage installs real Debian runtime packages, no toolchain", () => {
  const p = [];
  if (runtimePkgs.length === 0) p.push("runtime stage installs nothing");
  for (const x of runtimePkgs) {
    if (/-dev$|^build-essential$|^cmake$|^g\+\+|^gcc|^clang|^ninja-build$/.test(x)) p.push(`${x} is a build tool`);
    else if (!debianPackageKnown(x)) p.push(`${x} is not a Debian package known here (dpkg, apt-cache)`);
  }
  return p;
});

report.run("runtime runs as a numeric non-root user that the image creates", () => {
  const users = ops(runtime, "USER");
  if (users.length === 0) return ["no USER"];
  const user = users[users.length - 1].args;
  const uid = /^(\d+)(:\d+)?$/.exec(user);
  if (!uid) return [`USER ${user} is not numeric (runAsNonRoot cannot verify a name)`];
  if (Number(uid[1]) === 0) return ["USER is root"];
  const created = ops(runtime, "RUN").some((r) => new RegExp(`useradd[^&;]*--uid ${uid[1]}\\b`).test(r.args));
  return created ? [] : [`no useradd --uid ${uid[1]} in the runtime stage`];
});

report.run("binaries come from the build stage; tini is the init (PID 1 or subreaper)", () => {
  const p = [];
  const copy = ops(runtime, "COPY").find((c) => c.args.startsWith(`--from=${build.name} `));
  if (!copy || !/build\/bin\/?\s/.test(copy.args)) p.push(`no COPY --from=${build.name} of build/bin`);
  const ep = ops(runtime, "ENTRYPOINT").pop();
  if (!ep || !/\/tini$/.test(words(ep.args)[0])) p.push("ENTRYPOINT is not tini");
  // compose's `init: true` makes Docker's init PID 1: tini must be a subreaper to reap there
  // (without -s it warns on every start; found by scripts/image-check).
  else {
    const w = words(ep.args);
    const tiniOptions = w.indexOf("--") > 0 ? w.slice(1, w.indexOf("--")) : w.slice(1);
    if (!tiniOptions.includes("-s")) p.push("ENTRYPOINT tini has no -s (subreaper)");
  }
  if (!runtimePkgs.includes("tini")) p.push("tini is not installed");
  return p;
});

report.run("HEALTHCHECK probes the default receiver's /healthz on its --listen port", () => {
  const p = [];
  const hc = ops(runtime, "HEALTHCHECK").pop();
  const cmd = ops(runtime, "CMD").pop();
  if (!hc || !cmd) return ["no HEALTHCHECK or CMD"];
  const cmdWords = words(cmd.args);
  if (cmdWords[0] !== "patchq-receiver") p.push(`default CMD runs ${cmdWords[0]}`);
  const port = k.portOfListen(k.parseFlagWords(cmdWords.slice(1)).get("listen") || "");
  const url = (/https?:\/\/[^\s"']+/.exec(hc.args) || [""])[0];
  if (!port || url !== `http://127.0.0.1:${port}/healthz`) p.push(`HEALTHCHECK URL ${url} vs --listen port ${port}`);
  const tool = (/CMD\s+\[?\s*"?([\w/-]+)/.exec(hc.args) || [])[1];
  if (!runtimePkgs.includes(tool)) p.push(`HEALTHCHECK uses ${tool}, which the runtime stage does not install`);
  const exposed = ops(runtime, "EXPOSE").flatMap((e) => e.args.split(/\s+/)).map((x) => Number(x.split("/")[0]));
  if (!exposed.includes(port)) p.push(`port ${port} is not EXPOSEd`);
  return p;
});

report.run("release build args (VERSION, REVISION, CREATED) come after the runtime stage's RUNs", () => {
  // A changed ARG value invalidates the layer cache of every later RUN: declared before the
  // apt-get install, each release (and each image-check run) reinstalled the runtime packages.
  const lastRun = runtime.instructions.map((i) => i.op).lastIndexOf("RUN");
  return runtime.instructions
    .map((ins, at) => ({ ins, at }))
    .filter(({ ins, at }) => ins.op === "ARG" && /^(VERSION|REVISION|CREATED)\b/.test(ins.args) && at < lastRun)
    .map(({ ins }) => `ARG ${ins.args} precedes a RUN`);
});

report.run("OCI labels", () => {
  const text = ops(runtime, "LABEL").map((l) => l.args).join(" ");
  return ["title", "description", "version", "revision", "created"]
    .filter((n) => !text.includes(`org.opencontainers.image.${n}=`))
    .map((n) => `no org.opencontainers.image.${n}`);
});

let files = [];
report.run(".dockerignore keeps secrets, VCS data and build output out of the context", () => {
  files = dockerignore.contextFiles(repo.root, repo.readText(".dockerignore"));
  const bad = files.filter((f) => /(^|\/)\.env$|^\.git\/|^build[^/]*\/|node_modules\//.test(f));
  const p = bad.slice(0, 10).map((f) => `${f} enters the build context`);
  for (const needed of ["CMakeLists.txt", "cmake/Patchq.cmake"]) {
    if (!files.includes(needed)) p.push(`${needed} is not in the build context`);
  }
  return p;
});

report.run("the build context configures with the Dockerfile's cmake command", () => {
  const run = ops(build, "RUN").find((r) => /\bcmake -S\b/.test(r.args));
  if (!run) return ["no `cmake -S` in the build stage"];
  const configure = run.args.split("&&")[0].trim().split(/\s+/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchq-docker-context-"));
  try {
    for (const f of files) {
      fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
      fs.copyFileSync(path.join(repo.root, f), path.join(dir, f));
    }
    repo.runOk(configure[0], configure.slice(1), { cwd: dir, timeoutMs: 120000 });
    return [];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

report.finish();
