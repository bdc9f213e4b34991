// Checks the deployment files against the binaries they run (build/bin), so that a renamed
// flag, env name, port or route in a service breaks this test instead of a deployment:
//   flags  every command line and environment in compose, the k8s overlays and the Dockerfile's
//          default CMD is accepted by the binary's own parser; every env name a container gets
//          is one the binary reads ([env NAME] in --help).
//   libs   every shared library a binary needs comes from a package the image's runtime stage
//          installs (or from the slim base).
//   live   the prod overlay's receiver and worker, run as real processes with their manifest args
//          against a real redis-server and patchq-v7sim on loopback, answer the probes the
//          manifests and compose healthchecks use, carry a webhook through to tiles in the
//          simulator (with sim.env's trial settings), and stop on SIGTERM within their grace periods.
// Usage: node check-binaries.js flags|libs|live <bin dir>. A missing binary fails, never skips.
"use strict";

const fs = require("fs");
const path = require("path");
const repo = require("../lib/repo");
const k = require("../lib/k8s");
const help = require("../lib/help");
const dockerfile = require("../lib/dockerfile");
const { Report } = require("../lib/report");

const [mode, binDirArg] = process.argv.slice(2);
const binDir = path.resolve(binDirArg || path.join(repo.root, "build", "bin"));
const report = new Report(`deploy binaries ${mode}`);
const services = ["patchq-receiver", "patchq-worker", "patchqctl", "patchq-v7sim"];
const secretPlaceholder = "deploy-check-placeholder-secret";

// --- what the deployment files run -------------------------------------------------------------

// -> [{ where, program, args, env: {NAME: value} }]
function composeContainers() {
  const out = [];
  for (const envFile of [".env.example", "deploy/docker/sim.env"]) {
    const model = repo.composeModel(envFile, ["sim"]);
    for (const [name, svc] of Object.entries(model.services)) {
      const cmd = Array.isArray(svc.command) ? svc.command : [];
      if (!String(cmd[0] || "").startsWith("patchq")) continue;
      out.push({ where: `compose (${envFile}) ${name}`, program: cmd[0], args: cmd.slice(1),
                 env: { ...(svc.environment || {}) } });
    }
  }
  return out;
}

function k8sContainers(overlay, objects) {
  const out = [];
  for (const w of k.workloads(objects)) {
    for (const c of k.containers(w)) {
      const program = k.programOf(c);
      if (!program || !program.startsWith("patchq")) continue;
      const env = {};
      for (const ref of c.envFrom || []) {
        const cm = ref.configMapRef && k.find(objects, "ConfigMap", ref.configMapRef.name);
        Object.assign(env, (cm && cm.data) || {});
      }
      for (const e of c.env || []) {
        const from = e.valueFrom || {};
        if (from.configMapKeyRef) {
          const cm = k.find(objects, "ConfigMap", from.configMapKeyRef.name);
          env[e.name] = cm && cm.data ? cm.data[from.configMapKeyRef.key] : "";
        } else if (from.secretKeyRef && from.secretKeyRef.optional) {
          // An optional Secret key (storage mode's): a cluster without it runs without the
          // variable, as the documented minimal Secret does.
          continue;
        } else {
          env[e.name] = e.value !== undefined ? String(e.value) : secretPlaceholder;
        }
      }
      out.push({ where: `k8s ${overlay} ${w.metadata.name}/${c.name}`, program,
                 args: [...(c.command || []).slice(1), ...(c.args || [])], env, container: c,
                 workload: w });
    }
  }
  return out;
}

function dockerfileDefault() {
  const df = dockerfile.parse(repo.readText("deploy/docker/Dockerfile"));
  const stage = df.stages[df.stages.length - 1];
  const cmd = JSON.parse(stage.instructions.filter((i) => i.op === "CMD").pop().args);
  return { where: "Dockerfile CMD", program: cmd[0], args: cmd.slice(1), env: {} };
}

const helpCache = new Map();
function helpOf(program) {
  if (!helpCache.has(program)) helpCache.set(program, help.readHelp(path.join(binDir, program)));
  return helpCache.get(program);
}

// --- flags -------------------------------------------------------------------------------------

function checkFlags() {
  report.run("all four service binaries are built and answer --help", () =>
    services.flatMap((s) => {
      try {
        helpOf(s);
        return [];
      } catch (err) {
        return [err.message];
      }
    }));
  const containers = [dockerfileDefault(), ...composeContainers()];
  for (const overlay of repo.overlays) containers.push(...k8sContainers(overlay, repo.renderOverlay(overlay)));
  for (const c of containers) {
    report.run(`${c.where}: ${c.program} accepts its args and env`, () => {
      const h = helpOf(c.program);
      const p = [];
      const rejected = help.accepts(path.join(binDir, c.program), c.args, c.env);
      if (rejected) p.push(`rejected: ${rejected}`);
      for (const name of Object.keys(c.env)) {
        if (!h.envNames.has(name)) p.push(`env ${name} is not read by ${c.program} (no [env ${name}] in --help)`);
      }
      return p;
    });
  }
  report.run("patchqctl reads the Redis URL and prefix from the environment (docs: exec ... patchqctl)", () => {
    const h = helpOf("patchqctl");
    return ["PATCHQ_REDIS_URL", "PATCHQ_PREFIX"].filter((n) => !h.envNames.has(n))
      .map((n) => `patchqctl has no [env ${n}]`);
  });
  report.run("worker: --shutdown-grace default matches what the manifests assume", () => {
    const f = helpOf("patchq-worker").flags.get("shutdown-grace");
    if (!f) return ["patchq-worker has no --shutdown-grace"];
    const s = k.durationSeconds(f.defaultText || "");
    return s !== null && s < 45 ? [] : [`default --shutdown-grace ${f.defaultText} is not below the 45 s stop grace`];
  });
}

// --- libs --------------------------------------------------------------------------------------

// Packages debian:12-slim already has (apt itself depends on them).
const slimBase = new Set(["libc6", "libgcc-s1", "libstdc++6"]);

function checkLibs() {
  const df = dockerfile.parse(repo.readText("deploy/docker/Dockerfile"));
  const runtimePkgs = new Set(dockerfile.aptPackages(df.stages[df.stages.length - 1]));
  const soPaths = new Map();
  for (const line of repo.runOk("ldconfig", ["-p"]).split("\n")) {
    const m = /^\s*(\S+) \(libc6,x86-64[^)]*\) => (\S+)$/.exec(line);
    if (m && !soPaths.has(m[1])) soPaths.set(m[1], m[2]);
  }
  // Libraries a binary dlopens instead of naming them in DT_NEEDED (common/patch/opencv_codecs
  // loads OpenCV's image codecs on first use): neither readelf nor ldd lists them, so they are
  // found by their soname in the binary's bytes and checked like the others.
  const loadedAtRunTime = (file) => [...new Set(
    fs.readFileSync(file).toString("latin1").match(/libopencv_imgcodecs\.so\.\d+/g) || [])];
  const ownerCache = new Map();
  const ownerOf = (file) => {
    if (!ownerCache.has(file)) {
      const r = repo.run("dpkg", ["-S", file]);
      let real = null;
      if (r.status !== 0) {
        // usrmerge: dpkg may know the /lib path of a /usr/lib file
        const alt = file.startsWith("/usr/") ? file.slice(4) : `/usr${file}`;
        const r2 = repo.run("dpkg", ["-S", alt]);
        real = r2.status === 0 ? r2.stdout : null;
      } else real = r.stdout;
      ownerCache.set(file, real ? real.split(":")[0].trim() : null);
    }
    return ownerCache.get(file);
  };
  for (const s of services) {
    report.run(`${s}: every DT_NEEDED library is installed by the runtime stage`, () => {
      const file = path.join(binDir, s);
      if (!fs.existsSync(file)) return [`${file} does not exist (build it first)`];
      const needed = repo.runOk("readelf", ["-d", file]).split("\n")
        .map((l) => (/\(NEEDED\)\s+Shared library: \[(.+)\]/.exec(l) || [])[1]).filter(Boolean)
        // A PATCHQ_SANITIZE build links sanitizer runtimes; the image is never built that way.
        .filter((so) => !/^lib(asan|ubsan|tsan|lsan)\.so/.test(so))
        .concat(loadedAtRunTime(file));
      const p = [];
      for (const so of needed) {
        const where = soPaths.get(so);
        if (!where) { p.push(`${so}: not found by ldconfig`); continue; }
        const pkg = ownerOf(fs.realpathSync(where)) || ownerOf(where);
        if (!pkg) p.push(`${so} (${where}): no Debian package owns it`);
        else if (!runtimePkgs.has(pkg) && !slimBase.has(pkg)) p.push(`${so} comes from ${pkg}, which the runtime stage does not install`);
      }
      return p;
    });
  }
  // The runtime stage trims files of dependencies nothing loads (dpkg path-exclude). No library
  // a binary loads, directly or through another library (ldd: the whole closure), may be one of
  // them, or the binary would not start in the image.
  const excludes = dockerfile.dpkgExcludes(df.stages[df.stages.length - 1]);
  report.run(`no library the binaries load matches a runtime dpkg path-exclude (${excludes.length} patterns)`, () => {
    const p = [];
    let libs = 0;
    for (const s of services) {
      const file = path.join(binDir, s);
      if (!fs.existsSync(file)) { p.push(`${file} does not exist (build it first)`); continue; }
      const closures = [file, ...loadedAtRunTime(file).map((so) => soPaths.get(so)).filter(Boolean)];
      for (const line of closures.flatMap((f) => repo.runOk("ldd", [f]).split("\n"))) {
        const m = /=>\s+(\/\S+)/.exec(line) || /^\s*(\/\S+)\s+\(/.exec(line);
        if (!m) continue;
        libs += 1;
        const real = fs.realpathSync(m[1]);
        // usrmerge: /lib/x/y.so is /usr/lib/x/y.so
        const names = new Set([m[1], real].flatMap((f) => (f.startsWith("/usr/") ? [f] : [f, `/usr${f}`])));
        for (const pat of excludes) {
          for (const n of names) if (dockerfile.dpkgPatternMatches(pat, n)) p.push(`${s} loads ${n}, excluded by ${pat}`);
        }
      }
    }
    if (libs === 0) p.push("ldd listed no libraries");
    return [...new Set(p)];
  });
}

module.exports = { composeContainers, k8sContainers, helpOf, binDir };

if (require.main === module) {
  if (mode === "flags") checkFlags();
  else if (mode === "libs") checkLibs();
  else if (mode === "live") require("./live").checkLive(report, binDir);
  else report.check(`known mode (${mode})`, ["usage: check-binaries.js flags|libs|live <bin dir>"]);
  if (mode !== "live") report.finish();
}
