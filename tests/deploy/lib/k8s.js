// K8s: small queries over a rendered overlay (a list of plain objects): find by kind and name,
// the pod templates of workloads, label selection, container args as flags.
"use strict";

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job"]);

function find(objects, kind, name) {
  return objects.find((o) => o.kind === kind && o.metadata && o.metadata.name === name);
}

function ofKind(objects, kind) {
  return objects.filter((o) => o.kind === kind);
}

function workloads(objects) {
  return objects.filter((o) => workloadKinds.has(o.kind));
}

function podTemplate(workload) {
  return (workload.spec && workload.spec.template) || {};
}

function podLabels(workload) {
  return (podTemplate(workload).metadata || {}).labels || {};
}

function containers(workload) {
  const spec = podTemplate(workload).spec || {};
  return [...(spec.initContainers || []), ...(spec.containers || [])];
}

// True when every pair of matchLabels (a plain map) is in labels; an empty selector matches nothing.
function selects(matchLabels, labels) {
  const pairs = Object.entries(matchLabels || {});
  return pairs.length > 0 && pairs.every(([k, v]) => labels[k] === v);
}

// "--name=value" / "--name value" / "--flag" from command+args -> Map(name -> value or true).
function flagsOf(container) {
  const words = [...(container.command || []).slice(1), ...(container.args || [])];
  return parseFlagWords(words);
}

function parseFlagWords(words) {
  const flags = new Map();
  for (let i = 0; i < words.length; i++) {
    const w = String(words[i]);
    if (!w.startsWith("--")) continue;
    const eq = w.indexOf("=");
    if (eq > 0) {
      flags.set(w.slice(2, eq), w.slice(eq + 1));
    } else if (i + 1 < words.length && !String(words[i + 1]).startsWith("--")) {
      flags.set(w.slice(2), String(words[++i]));
    } else {
      flags.set(w.slice(2), true);
    }
  }
  return flags;
}

// The program a container runs: the first word of command (patchq images have no entrypoint
// of their own besides tini, so command names the binary).
function programOf(container) {
  const cmd = container.command || [];
  return cmd.length > 0 ? String(cmd[0]).split("/").pop() : null;
}

// "0.0.0.0:8080" / ":8080" / "[::]:8080" -> 8080
function portOfListen(listen) {
  const m = /:(\d+)$/.exec(String(listen));
  return m ? Number(m[1]) : null;
}

// "30s", "500ms", "2m", "1h", "45" (seconds) -> seconds (float), or null.
function durationSeconds(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) return null;
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600, undefined: n }[m[2]];
}

module.exports = { find, ofKind, workloads, podTemplate, podLabels, containers, selects, flagsOf,
                   parseFlagWords, programOf, portOfListen, durationSeconds };
