// Checks deploy/k8s offline: every overlay renders with `kubectl kustomize`, every rendered object
// passes its API schema, and the objects agree with each other and with patchq's design
// (probes, ports, PDB and Service selectors, grace periods, the KEDA stream and Redis address,
// AOF, pod security). Usage: node check-k8s.js render|schema|invariants
"use strict";

const repo = require("../lib/repo");
const schema = require("../lib/schema");
const k = require("../lib/k8s");
const { Report } = require("../lib/report");

const mode = process.argv[2];
const report = new Report(`deploy k8s ${mode}`);

function renderAll() {
  const rendered = new Map();
  for (const overlay of repo.overlays) {
    try {
      rendered.set(overlay, repo.renderOverlay(overlay));
    } catch (err) {
      report.check(`overlay ${overlay} renders`, [err.message]);
    }
  }
  return rendered;
}

function checkRender(rendered) {
  report.run("kubectl has kustomize v4+", () => {
    repo.kustomizeVersion();
    return [];
  });
  for (const [overlay, objects] of rendered) {
    const kinds = new Set(objects.map((o) => o.kind));
    const needed = ["Namespace", "ConfigMap", "Deployment", "StatefulSet", "Service",
                    "PodDisruptionBudget"];
    report.check(`overlay ${overlay} renders the patchq objects`,
                 needed.filter((n) => !kinds.has(n)).map((n) => `no ${n} rendered`));
  }
}

function checkSchema(rendered) {
  for (const [overlay, objects] of rendered) {
    report.run(`overlay ${overlay}: objects pass the API JSON schemas`,
               () => schema.validateRuntime(objects));
    report.run(`overlay ${overlay}: objects have only fields the API knows`,
               () => schema.validateTypes(objects));
  }
}

// --- invariants -------------------------------------------------------------------------------

function namespaceOf(objects) {
  const ns = k.ofKind(objects, "Namespace");
  if (ns.length !== 1) throw new Error(`expected one Namespace, found ${ns.length}`);
  return ns[0].metadata.name;
}

function container(objects, kind, name) {
  const w = k.find(objects, kind, name);
  if (!w) throw new Error(`no ${kind} ${name}`);
  const cs = k.containers(w);
  if (cs.length !== 1) throw new Error(`${kind} ${name}: expected one container, found ${cs.length}`);
  return { workload: w, c: cs[0] };
}

function namedPort(c, nameOrNumber) {
  const ports = c.ports || [];
  return typeof nameOrNumber === "number"
    ? ports.find((p) => p.containerPort === nameOrNumber)
    : ports.find((p) => p.name === nameOrNumber);
}

function probeProblems(label, c, probeField, expectedPath) {
  const probe = c[probeField];
  if (!probe) return [`${label}: no ${probeField}`];
  const problems = [];
  if (expectedPath !== undefined) {
    if (!probe.httpGet) return [`${label}: ${probeField} is not an HTTP GET`];
    if (probe.httpGet.path !== expectedPath) {
      problems.push(`${label}: ${probeField} path is ${probe.httpGet.path}, expected ${expectedPath}`);
    }
  }
  const action = probe.httpGet || probe.tcpSocket || probe.grpc;
  if (action && !namedPort(c, action.port)) {
    problems.push(`${label}: ${probeField} port ${action.port} is not a container port`);
  }
  return problems;
}

function checkReceiver(objects) {
  const { workload, c } = container(objects, "Deployment", "receiver");
  const p = [];
  if (!(workload.spec.replicas >= 2)) p.push(`replicas ${workload.spec.replicas} < 2`);
  if (k.programOf(c) !== "patchq-receiver") p.push(`runs ${k.programOf(c)}, not patchq-receiver`);
  const listen = k.flagsOf(c).get("listen");
  const port = listen ? k.portOfListen(listen) : null;
  if (!port) p.push("no --listen=<host:port> in args");
  else if (!namedPort(c, "http") || namedPort(c, "http").containerPort !== port) {
    p.push(`container port "http" is not the --listen port ${port}`);
  }
  p.push(...probeProblems("receiver", c, "readinessProbe", "/readyz"));
  p.push(...probeProblems("receiver", c, "livenessProbe", "/healthz"));
  const grace = shutdownGraceSeconds(c, "receiver");
  const pause = preStopPauseSeconds(c);
  const tgps = workload.spec.template.spec.terminationGracePeriodSeconds;
  if (!(tgps > grace + pause)) {
    p.push(`terminationGracePeriodSeconds ${tgps} is not above preStop ${pause}s + --shutdown-grace ${grace}s`);
  }
  const env = (c.env || []).map((e) => e.name);
  if (!env.includes("PATCHQ_WEBHOOK_TOKEN")) p.push("PATCHQ_WEBHOOK_TOKEN is not set from the Secret");
  // The status page's token: from the Secret, optional (a cluster without the key runs without it).
  const admin = (c.env || []).find((e) => e.name === "PATCHQ_ADMIN_TOKEN");
  const adminRef = admin && admin.valueFrom && admin.valueFrom.secretKeyRef;
  if (!adminRef) p.push("PATCHQ_ADMIN_TOKEN is not set from the Secret");
  else if (adminRef.optional !== true) p.push("PATCHQ_ADMIN_TOKEN's Secret key is not optional");
  const pdb = k.ofKind(objects, "PodDisruptionBudget")
    .find((b) => k.selects(b.spec.selector.matchLabels, k.podLabels(workload)));
  if (!pdb) p.push("no PodDisruptionBudget selects the receiver pods");
  else if (pdb.spec.minAvailable !== undefined && !(pdb.spec.minAvailable < workload.spec.replicas)) {
    p.push("the PodDisruptionBudget's minAvailable blocks every eviction");
  }
  return p;
}

function checkServices(objects) {
  const p = [];
  for (const svc of k.ofKind(objects, "Service")) {
    const pods = k.workloads(objects).filter((w) => k.selects(svc.spec.selector, k.podLabels(w)));
    if (pods.length === 0) {
      p.push(`Service ${svc.metadata.name} selects no pods`);
      continue;
    }
    for (const port of svc.spec.ports || []) {
      const target = port.targetPort === undefined ? port.port : port.targetPort;
      for (const w of pods) {
        if (!k.containers(w).some((c) => namedPort(c, target))) {
          p.push(`Service ${svc.metadata.name} port ${port.name}: target ${target} is not a port of ${w.metadata.name}`);
        }
      }
    }
  }
  return p;
}

// A preStop `sleep N` delays SIGTERM by N seconds, all inside the grace period.
function preStopPauseSeconds(c) {
  const cmd = (((c.lifecycle || {}).preStop || {}).exec || {}).command || [];
  return cmd[0] === "sleep" ? Number(cmd[1]) || 0 : 0;
}

function shutdownGraceSeconds(c, who) {
  const text = k.flagsOf(c).get("shutdown-grace");
  if (text === undefined) throw new Error(`${who} args do not set --shutdown-grace explicitly`);
  const s = k.durationSeconds(text);
  if (s === null) throw new Error(`--shutdown-grace=${text} is not a duration`);
  return s;
}

function checkWorker(objects) {
  const { workload, c } = container(objects, "Deployment", "worker");
  const p = [];
  if (k.programOf(c) !== "patchq-worker") p.push(`runs ${k.programOf(c)}, not patchq-worker`);
  const flags = k.flagsOf(c);
  if (flags.get("processes") === undefined) p.push("no --processes in args");
  const grace = shutdownGraceSeconds(c, "worker");
  const tgps = workload.spec.template.spec.terminationGracePeriodSeconds;
  if (!(tgps > grace + preStopPauseSeconds(c))) p.push(`terminationGracePeriodSeconds ${tgps} is not above --shutdown-grace ${grace}s`);
  const listen = flags.get("metrics-listen");
  const port = listen ? k.portOfListen(listen) : null;
  if (!port) p.push("no --metrics-listen=<host:port> in args");
  else if (!namedPort(c, "metrics") || namedPort(c, "metrics").containerPort !== port) {
    p.push(`container port "metrics" is not the --metrics-listen port ${port}`);
  }
  p.push(...probeProblems("worker", c, "readinessProbe", "/readyz"));
  p.push(...probeProblems("worker", c, "livenessProbe", "/healthz"));
  const env = (c.env || []).map((e) => e.name);
  if (!env.includes("V7_API_KEY")) p.push("V7_API_KEY is not set from the Secret");
  return p;
}

function checkAutoscaler(objects, ns) {
  const p = [];
  const scaled = k.ofKind(objects, "ScaledObject").filter((s) => s.spec.scaleTargetRef.name === "worker");
  const hpas = k.ofKind(objects, "HorizontalPodAutoscaler")
    .filter((h) => h.spec.scaleTargetRef.kind === "Deployment" && h.spec.scaleTargetRef.name === "worker");
  if (scaled.length + hpas.length !== 1) {
    return [`expected exactly one autoscaler for the worker, found ${scaled.length} ScaledObject(s) and ${hpas.length} HPA(s)`];
  }
  const worker = container(objects, "Deployment", "worker").c;
  if (!(worker.resources && worker.resources.requests && worker.resources.requests.cpu)) {
    p.push("worker has no CPU request (utilisation and per-core sizing need one)");
  }
  for (const s of scaled) {
    if (!(s.spec.minReplicaCount >= 1)) {
      p.push("ScaledObject minReplicaCount < 1: due retries are re-queued by running workers only");
    }
    const cm = k.find(objects, "ConfigMap", "patchq-common");
    const prefix = cm ? cm.data.PATCHQ_PREFIX : undefined;
    const redisSvc = k.find(objects, "Service", "redis");
    const redisPort = redisSvc ? redisSvc.spec.ports[0].port : null;
    const triggers = s.spec.triggers.filter((t) => t.type === "redis-streams");
    if (triggers.length !== 1) p.push("ScaledObject has no single redis-streams trigger");
    for (const t of triggers) {
      const m = t.metadata;
      if (m.stream !== `${prefix}jobs`) p.push(`trigger stream ${m.stream} != PATCHQ_PREFIX + "jobs" (${prefix}jobs)`);
      if (m.consumerGroup !== "workers") p.push(`trigger consumerGroup ${m.consumerGroup} != workers`);
      if (!m.lagCount) p.push("trigger has no lagCount (scale on consumer-group lag)");
      const want = `redis.${ns}.svc.cluster.local:${redisPort}`;
      if (redisSvc && m.address !== want) p.push(`trigger address ${m.address} != ${want}`);
    }
  }
  return p;
}

// Redis size syntax ("512mb", "1gb", "64m") and Kubernetes quantities ("1Gi", "512Mi"), in bytes.
function redisBytes(text) {
  const m = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(String(text || ""));
  if (!m) return null;
  const unit = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 }[(m[2] || "").toLowerCase()] || 1;
  return Number(m[1]) * unit;
}
function quantityBytes(text) {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(text || ""));
  if (!m) return null;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]] || 1;
  return Number(m[1]) * unit;
}

function checkRedis(objects) {
  const { workload, c } = container(objects, "StatefulSet", "redis");
  const p = [];
  const flags = k.flagsOf({ command: ["redis-server"], args: c.args || [] });
  if (flags.get("appendonly") !== "yes") p.push("Redis runs without --appendonly yes");
  if (flags.get("appendfsync") !== "everysec") p.push("Redis --appendfsync is not everysec");
  if (flags.get("maxmemory-policy") !== "noeviction") p.push("Redis may evict keys (maxmemory-policy)");
  // The AOF grows to about this size past its last rewrite before Redis rewrites it: with the
  // base it must fit the volume twice over.
  const rewriteAt = redisBytes(flags.get("auto-aof-rewrite-min-size"));
  const dataClaim = (workload.spec.volumeClaimTemplates || []).find((v) => v.metadata.name === "data");
  const volume = quantityBytes(dataClaim?.spec?.resources?.requests?.storage);
  if (rewriteAt === null) p.push("Redis has no (or an unreadable) --auto-aof-rewrite-min-size");
  else if (volume === null) p.push("Redis data claim has no readable storage request");
  else if (rewriteAt * 2 > volume) p.push(`--auto-aof-rewrite-min-size ${flags.get("auto-aof-rewrite-min-size")} does not fit twice in the ${dataClaim.spec.resources.requests.storage} volume`);
  const claims = (workload.spec.volumeClaimTemplates || []).map((v) => v.metadata.name);
  const dir = flags.get("dir") || "/data";
  const mount = (c.volumeMounts || []).find((m) => m.mountPath === dir);
  if (!mount || !claims.includes(mount.name)) p.push(`Redis data dir ${dir} is not on a PersistentVolumeClaim`);
  const gov = k.find(objects, "Service", workload.spec.serviceName);
  if (!gov || gov.spec.clusterIP !== "None") p.push("StatefulSet's serviceName is not a headless Service");
  const cm = k.find(objects, "ConfigMap", "patchq-common");
  const url = cm && cm.data.PATCHQ_REDIS_URL;
  const m = /^redis:\/\/([^:/]+):(\d+)/.exec(url || "");
  if (!m || m[1].split(".")[0] !== workload.spec.serviceName ||
      Number(m[2]) !== gov.spec.ports[0].port) {
    p.push(`PATCHQ_REDIS_URL ${url} does not point at the redis Service`);
  }
  return p;
}

function checkReferences(objects, ns, deployDoc) {
  const p = [];
  for (const o of objects) {
    if (o.kind !== "Namespace" && o.metadata.namespace !== ns) {
      p.push(`${schema.describe(o)} is not in namespace ${ns}`);
    }
  }
  for (const w of k.workloads(objects)) {
    for (const c of k.containers(w)) {
      for (const ref of c.envFrom || []) {
        if (ref.configMapRef && !k.find(objects, "ConfigMap", ref.configMapRef.name)) {
          p.push(`${w.metadata.name}: ConfigMap ${ref.configMapRef.name} is not rendered`);
        }
      }
      for (const e of c.env || []) {
        const s = e.valueFrom && e.valueFrom.secretKeyRef;
        if (!s) continue;
        // The Secret is created out of band: its name and keys must be the documented ones.
        if (!deployDoc.includes(s.name) || !deployDoc.includes(`--from-literal=${s.key}=`)) {
          p.push(`${w.metadata.name}: Secret ${s.name} key ${s.key} is not in docs/DEPLOY.md's create command`);
        }
      }
    }
  }
  return p;
}

function checkPodSecurity(objects) {
  const p = [];
  for (const w of k.workloads(objects)) {
    const spec = k.podTemplate(w).spec;
    const podSc = spec.securityContext || {};
    for (const c of k.containers(w)) {
      const sc = c.securityContext || {};
      const where = `${w.metadata.name}/${c.name}`;
      if (!(sc.runAsNonRoot || podSc.runAsNonRoot)) p.push(`${where}: runAsNonRoot not set`);
      if (sc.allowPrivilegeEscalation !== false) p.push(`${where}: allowPrivilegeEscalation not false`);
      if (!(sc.capabilities && (sc.capabilities.drop || []).includes("ALL"))) p.push(`${where}: capabilities not dropped`);
      const seccomp = (sc.seccompProfile || podSc.seccompProfile || {}).type;
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") p.push(`${where}: no seccomp profile`);
      if (!(c.resources && c.resources.requests && c.resources.requests.memory &&
            c.resources.limits && c.resources.limits.memory)) {
        p.push(`${where}: memory request and limit not both set`);
      }
      const image = String(c.image || "");
      if (!/[:@]/.test(image.split("/").pop()) || image.endsWith(":latest")) {
        p.push(`${where}: image ${image} has no pinned tag`);
      }
    }
  }
  return p;
}

function checkNetworkPolicy(objects) {
  const p = [];
  const redis = k.find(objects, "StatefulSet", "redis");
  const policies = k.ofKind(objects, "NetworkPolicy")
    .filter((np) => k.selects(np.spec.podSelector.matchLabels, k.podLabels(redis)));
  if (policies.length === 0) return ["no NetworkPolicy guards the Redis pods"];
  for (const name of ["receiver", "worker"]) {
    const w = k.find(objects, "Deployment", name);
    const allowed = policies.some((np) => (np.spec.ingress || []).some((rule) =>
      (rule.from || []).some((peer) => peer.podSelector && !peer.namespaceSelector &&
                                       k.selects(peer.podSelector.matchLabels, k.podLabels(w)))));
    if (!allowed) p.push(`the NetworkPolicy keeps the ${name} pods away from Redis`);
  }
  return p;
}

function checkInvariants(rendered) {
  const deployDoc = (() => {
    try { return repo.readText("docs/DEPLOY.md"); } catch { return ""; }
  })();
  for (const [overlay, objects] of rendered) {
    let ns = "";
    report.run(`overlay ${overlay}: one Namespace holds every object`, () => {
      ns = namespaceOf(objects);
      return [];
    });
    report.run(`overlay ${overlay}: receiver (replicas, --listen port, /readyz, /healthz, PDB, grace)`, () => checkReceiver(objects));
    report.run(`overlay ${overlay}: Services select pods and target their ports`, () => checkServices(objects));
    report.run(`overlay ${overlay}: worker (grace period > --shutdown-grace, metrics port, /readyz, /healthz)`, () => checkWorker(objects));
    report.run(`overlay ${overlay}: worker autoscaler (KEDA lag on PATCHQ_PREFIX+jobs, or HPA)`, () => checkAutoscaler(objects, ns));
    report.run(`overlay ${overlay}: Redis (AOF everysec and rewrite size, noeviction, PVC, URL)`, () => checkRedis(objects));
    report.run(`overlay ${overlay}: references (namespace, ConfigMaps, documented Secret keys)`, () => checkReferences(objects, ns, deployDoc));
    report.run(`overlay ${overlay}: pod security (restricted) and resources`, () => checkPodSecurity(objects));
    report.run(`overlay ${overlay}: NetworkPolicy admits receiver and worker to Redis`, () => checkNetworkPolicy(objects));
  }
}

const rendered = renderAll();
if (rendered.size !== repo.overlays.length) report.finish();
if (mode === "render") checkRender(rendered);
else if (mode === "schema") checkSchema(rendered);
else if (mode === "invariants") checkInvariants(rendered);
else report.check(`known mode (${mode})`, ["usage: check-k8s.js render|schema|invariants"]);
report.finish();
