// Repo: where the repository and the deploy files are, and running the offline tools on them
// (kubectl kustomize, docker-compose config). Every tool failure is thrown with its stderr, so a
// broken manifest shows the tool's own reason.
"use strict";

const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");

const root = path.resolve(__dirname, "..", "..", "..");
const overlays = ["dev", "prod"];

function run(program, args, options = {}) {
  const result = spawnSync(program, args, {
    cwd: options.cwd || root,
    env: options.env || process.env,
    encoding: "utf8",
    timeout: options.timeoutMs || 60000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) {
    throw new Error(`${program} ${args.join(" ")}: ${result.error.message}`);
  }
  return result;
}

function runOk(program, args, options = {}) {
  const result = run(program, args, options);
  if (result.status !== 0) {
    const reason = (result.stderr || result.stdout || "").trim();
    throw new Error(`${program} ${args.join(" ")} exited ${result.status}: ${reason}`);
  }
  return result.stdout;
}

// kubectl's embedded kustomize must understand components, `labels` and inline patches (v4+).
function kustomizeVersion() {
  const out = runOk("kubectl", ["version", "--client", "-o", "json"]);
  const version = JSON.parse(out).kustomizeVersion || "";
  const major = Number((/^v?(\d+)/.exec(version) || [])[1]);
  if (!(major >= 4)) {
    throw new Error(`kubectl's kustomize is "${version}"; deploy/k8s needs kustomize v4 or newer ` +
                    "(kubectl 1.24+)");
  }
  return version;
}

// Renders one overlay into its list of objects.
function renderOverlay(name) {
  const out = runOk("kubectl", ["kustomize", path.join(root, "deploy", "k8s", "overlays", name)]);
  return yaml.loadAll(out).filter((doc) => doc !== null && doc !== undefined);
}

// The fully interpolated compose model, as docker-compose prints it.
function composeModel(envFile, profiles = []) {
  const args = ["--env-file", path.join(root, envFile)];
  for (const p of profiles) args.push("--profile", p);
  args.push("config");
  return yaml.load(runOk("docker-compose", args, { env: cleanComposeEnv() }));
}

// The caller's environment minus variables that compose would substitute into the file, so a
// developer's shell cannot make a broken file look valid.
function cleanComposeEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PATCHQ_|V7_|COMPOSE_)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function readText(relative) {
  return fs.readFileSync(path.join(root, relative), "utf8");
}

module.exports = { root, overlays, run, runOk, kustomizeVersion, renderOverlay, composeModel,
                   cleanComposeEnv, readText };
