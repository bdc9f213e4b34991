// Runs the stack from the built image, for scripts/image-check (not a ctest: it needs buildah, root
// and the image). Each service runs in its own working container (`buildah run --isolation
// chroot`, host network) with the command, environment, user and writable mounts that
// docker-compose.yml (sim profile, deploy/docker/sim.env) and the Kubernetes manifests give it;
// only listen addresses and the Redis / V7 URLs are moved to loopback ports chosen here.
// Redis is Debian's redis-server on the host, with the compose file's redis command.
//
// Checks: the image's user; every binary of /usr/local/bin starts (--help, ldd) with the runtime
// stage's libraries; the HEALTHCHECK and the compose healthchecks, run inside the containers; the
// Kubernetes probes; one webhook per stack through to tiles, compared pixel for pixel with
// patchq-tile run from the image on the same payload; the services' uid; SIGTERM stops within
// the grace periods; each container's filesystem diff holds nothing but what a run without the
// service leaves (so only /tmp and /var/lib/patchq, which are mounts, were written).
//
// Usage: node run-image.js --image REF --work DIR [--size BYTES --max-mb N] [--build-seconds N] [--keep]
// Every wait has a deadline; every container started here is removed at the end (unless --keep).
"use strict";

const fs = require("fs");
const http = require("http");
const net = require("net");
const path = require("path");
const { spawn, spawnSync } = require("child_process");
const yaml = require("js-yaml");
const repo = require("../lib/repo");
const { withFlag } = require("../lib/args");
const k = require("../lib/k8s");
const { Report } = require("../lib/report");
const { k8sContainers } = require("../binaries/check-binaries");

const opts = parseArgs(process.argv.slice(2));
const image = opts.image;
const work = path.resolve(opts.work);
const report = new Report("image check");
const simEnvFile = "deploy/docker/sim.env";
const serviceUid = 10001;

function parseArgs(argv) {
  const o = { keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--keep") o.keep = true;
    else if (a.startsWith("--")) o[a.slice(2).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = argv[++i];
  }
  if (!o.image || !o.work) {
    console.error("usage: run-image.js --image REF --work DIR [--size BYTES --max-mb N] [--build-seconds N] [--keep]");
    process.exit(2);
  }
  return o;
}

// --- processes and buildah -----------------------------------------------------------------------

const children = [];
const containers = [];

function buildah(args, { timeoutMs = 120000, input } = {}) {
  const r = spawnSync("buildah", args, { encoding: "utf8", timeout: timeoutMs, input, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`buildah ${args.join(" ")}: ${r.error.message}`);
  return r;
}

function buildahOk(args, options) {
  const r = buildah(args, options);
  if (r.status !== 0) throw new Error(`buildah ${args.slice(0, 3).join(" ")} ... exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

// A working container from the image; removed at the end.
function newContainer(label) {
  const name = `patchq-ic-${label}-${process.pid}`;
  buildah(["rm", name]);
  buildahOk(["from", "--pull=never", "--quiet", "--name", name, image]);
  containers.push(name);
  return name;
}

// buildah run flags for an environment map, mounts [{type: tmpfs|bind, target, source}] and user.
function runFlags({ env = {}, mounts = [], user } = {}) {
  const flags = ["--isolation", "chroot"];
  for (const [n, v] of Object.entries(env)) flags.push("--env", `${n}=${v}`);
  for (const m of mounts) {
    if (m.type === "tmpfs") flags.push("--mount", `type=tmpfs,destination=${m.target}`);
    else flags.push("--volume", `${m.source}:${m.target}`);
  }
  if (user) flags.push("--user", user);
  return flags;
}

// Runs a command to completion in a container -> { status, stdout, stderr }.
function runIn(ctr, argv, spec = {}, timeoutMs = 60000) {
  return buildah(["run", ...runFlags(spec), ctr, "--", ...argv], { timeoutMs });
}

// Starts a long-running service in its own container; its output goes to work/<label>.log.
function startService(label, argv, spec) {
  const ctr = newContainer(label);
  const log = path.join(work, `${label}.log`);
  const fd = fs.openSync(log, "w");
  const child = spawn("buildah", ["run", ...runFlags(spec), ctr, "--", ...argv], { stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  Object.assign(child, { label, ctr, argv, spec, logFile: log });
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  children.push(child);
  return child;
}

function startHost(label, argv) {
  const log = path.join(work, `${label}.log`);
  const fd = fs.openSync(log, "w");
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", fd, fd], env: { PATH: process.env.PATH } });
  fs.closeSync(fd);
  Object.assign(child, { label, argv, logFile: log });
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  children.push(child);
  return child;
}

const running = (c) => c.exitCode === null && c.signalCode === null;

function tail(child) {
  try {
    return fs.readFileSync(child.logFile, "utf8").trim().split("\n").slice(-5).join(" | ");
  } catch {
    return "";
  }
}

// The service's own process (the container's PID 1 under Docker or Kubernetes): the process
// whose command line is the argv given to buildah run (which resolves argv[0] to its path).
function serviceProcess(child) {
  const base = (w) => String(w).split("/").pop();
  const want = [base(child.argv[0]), ...child.argv.slice(1)].join("\0");
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let words;
    try {
      words = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0$/, "").split("\0");
    } catch {
      continue;
    }
    if ([base(words[0]), ...words.slice(1)].join("\0") !== want || Number(pid) === child.pid) continue;
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const ids = (re) => (re.exec(status) || [])[1].split(/\s+/).map(Number);
    return { pid: Number(pid), uids: ids(/^Uid:\s+(.*)$/m), gids: ids(/^Gid:\s+(.*)$/m) };
  }
  return null;
}

async function waitUntil(what, cond, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (child && !running(child)) throw new Error(`${child.label} exited (${child.exitCode ?? child.signalCode}) before ${what}: ${tail(child)}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${child ? `: ${tail(child)}` : ""}`);
    await sleep(200);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// SIGTERM to the service's own process, as `docker stop` / the kubelet send it to PID 1.
async function stopWithin(child, seconds) {
  const proc = serviceProcess(child);
  if (!proc) return [`${child.label}: its process is gone before SIGTERM: ${tail(child)}`];
  const t0 = Date.now();
  process.kill(proc.pid, "SIGTERM");
  const result = await Promise.race([child.exited, sleep(seconds * 1000).then(() => null)]);
  if (result === null) return [`${child.label} still running ${seconds}s after SIGTERM`];
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  return result.code === 0 ? [] : [`${child.label} exited with ${result.code ?? result.signal} after SIGTERM (${secs}s): ${tail(child)}`];
}

// --- network helpers -----------------------------------------------------------------------------

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

// A loopback port p with p..p+span-1 all free (the worker's processes listen on port + n).
async function freePorts(span = 1) {
  for (let tries = 0; tries < 50; tries++) {
    const p = await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
    });
    if (p + span > 65535) continue;
    let ok = true;
    for (let i = 1; i < span && ok; i++) ok = await portFree(p + i);
    if (ok) return p;
  }
  throw new Error("no free loopback port range");
}

function httpCall(method, url, body, headers = {}) {
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers, timeout: 10000 }, (res) => {
      const parts = [];
      res.on("data", (d) => parts.push(d));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(parts) }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ status: null, body: Buffer.alloc(0) }));
    req.end(body);
  });
}

async function httpOk(url) {
  const r = await httpCall("GET", url);
  return r.status !== null && r.status >= 200 && r.status < 400;
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, timeout: 1000 }, () => { s.destroy(); resolve(true); });
    s.on("error", () => resolve(false));
    s.on("timeout", () => { s.destroy(); resolve(false); });
  });
}

// --- what the deployment files say ---------------------------------------------------------------


// Replaces every "host:port" of the table (compose service names, container ports) in a string.
function relocate(text, table) {
  let s = String(text);
  for (const [from, to] of Object.entries(table)) s = s.split(from).join(to);
  return s;
}

// Compose's writable mounts of a service: tmpfs entries and volumes (named volumes become host
// folders owned by the image's user, as Docker initialises a named volume from the image).
function composeMounts(svc, label) {
  const mounts = (svc.tmpfs ? [].concat(svc.tmpfs) : []).map((t) => ({ type: "tmpfs", target: String(t).split(":")[0] }));
  for (const v of svc.volumes || []) {
    const spec = typeof v === "string" ? { source: v.split(":")[0], target: v.split(":")[1] } : v;
    const dir = path.join(work, "volumes", `${label}-${spec.source}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.chownSync(dir, serviceUid, serviceUid);
    mounts.push({ type: "bind", source: dir, target: spec.target });
  }
  return mounts;
}

// Kubernetes' writable mounts of a container: emptyDir volumes become tmpfs.
function k8sMounts(workload, container) {
  const vols = new Map(((k.podTemplate(workload).spec || {}).volumes || []).map((v) => [v.name, v]));
  return (container.volumeMounts || []).map((m) => {
    const v = vols.get(m.name) || {};
    if (!v.emptyDir) throw new Error(`${workload.metadata.name}: volume ${m.name} is not an emptyDir; add its handling here`);
    return { type: "tmpfs", target: m.mountPath };
  });
}

function k8sObjects() {
  const hasKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
  if (hasKubectl) return { where: "prod overlay", objects: repo.renderOverlay("prod") };
  const base = path.join(repo.root, "deploy", "k8s", "base");
  const kust = yaml.load(fs.readFileSync(path.join(base, "kustomization.yaml"), "utf8"));
  const objects = kust.resources.flatMap((f) => yaml.loadAll(fs.readFileSync(path.join(base, f), "utf8")).filter(Boolean));
  return { where: "base (no kubectl)", objects };
}

// --- the checks ----------------------------------------------------------------------------------

async function step(name, fn) {
  let problems;
  try {
    problems = await fn();
  } catch (err) {
    problems = [err && err.message ? err.message : String(err)];
  }
  report.check(name, problems);
  return problems.length === 0;
}

// Files a container's run left in its writable layer (overlay upper dir; whiteouts included).
function writableLayer(ctr) {
  const merged = buildahOk(["mount", ctr]).trim();
  const upper = path.join(path.dirname(merged), "diff");
  if (!fs.existsSync(upper)) throw new Error(`${ctr}: no overlay upper dir next to ${merged}`);
  const out = [];
  const walk = (dir, rel) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      out.push(r);
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
    }
  };
  walk(upper, "");
  buildah(["umount", ctr]);
  return out;
}

// What a container wrote beyond a bare run (baseline) and its own mount points (the directories
// buildah creates for them).
function unexpectedWrites(ctr, mounts, baseline) {
  const targets = (mounts || []).map((m) => m.target.replace(/\/+$/, ""));
  const isMountPoint = (f) => targets.some((t) => t === f || t.startsWith(`${f}/`));
  return writableLayer(ctr).filter((f) => !baseline.has(f) && !isMountPoint(f));
}

function imageConfig() {
  const info = JSON.parse(buildahOk(["inspect", "--type", "image", image]));
  return (info.Docker && info.Docker.config) || {};
}

async function webhookToTiles({ label, simUrl, receiverUrl, token, tools, toolsSpec }) {
  const dir = path.join(work, "tiles", label);
  fs.mkdirSync(path.join(dir, "delivered"), { recursive: true });
  fs.chmodSync(dir, 0o777);
  const inC = `/check/${label}`;
  const src = runIn(tools, ["patchq-demo-kit", "make-image", "--out", `${inC}/source.jpg`, "--width", "1600", "--height", "1200"], toolsSpec);
  if (src.status !== 0) return [`make-image failed: ${src.stderr.trim()}`];
  const up = await httpCall("POST", `${simUrl}/_sim/datasets/image-check-source/images?name=${label}.jpg`,
                            fs.readFileSync(path.join(dir, "source.jpg")), { "Content-Type": "image/jpeg" });
  if (up.status !== 201) return [`the stand-in refused the image: ${up.status} ${up.body}`];
  const payload = JSON.parse(up.body.toString("utf8"));
  payload.annotations = [
    { id: "0192c338-bbbb-7000-8000-000000000001", name: "patch (2x3)", slot_names: ["0"],
      bounding_box: { x: 100.4, y: 80.6, w: 1200.0, h: 900.0 } },
    { id: "0192c338-bbbb-7000-8000-000000000002", name: "patch", slot_names: ["0"],
      keypoint: { x: 1400.0, y: 1000.0 } },
  ];
  fs.writeFileSync(path.join(dir, "payload.json"), JSON.stringify(payload));
  const tile = runIn(tools, ["patchq-tile", "--payload", `${inC}/payload.json`, "--image", `${inC}/source.jpg`, "--out", `${inC}/expected`], toolsSpec);
  if (tile.status !== 0) return [`patchq-tile failed: ${tile.stderr.trim()}`];
  const expected = fs.readdirSync(path.join(dir, "expected")).length;
  const target = `image-check-${label}`;
  const hook = await httpCall("POST", `${receiverUrl}/webhook?target=${target}`, JSON.stringify(payload),
                              { "Content-Type": "application/json", Authorization: `Bearer ${token}` });
  if (hook.status !== 202) return [`receiver answered ${hook.status} ${hook.body}`];
  let items = [];
  await waitUntil(`${expected} tiles in ${target}`, async () => {
    const r = await httpCall("GET", `${simUrl}/_sim/datasets/${target}/items`);
    items = r.status === 200 ? JSON.parse(r.body.toString("utf8")).items || [] : [];
    return items.length >= expected;
  }, 60000);
  for (const it of items) {
    const r = await httpCall("GET", `${simUrl}/_sim/datasets/${target}/items/${encodeURIComponent(it.name)}/file`);
    if (r.status !== 200) return [`tile ${it.name}: ${r.status}`];
    fs.writeFileSync(path.join(dir, "delivered", it.name), r.body);
  }
  const cmp = runIn(tools, ["patchq-demo-kit", "compare", "--expected", `${inC}/expected`, "--actual", `${inC}/delivered`], toolsSpec);
  if (cmp.status !== 0) return [`tiles differ: ${(cmp.stdout + cmp.stderr).trim().split("\n").slice(-5).join(" | ")}`];
  console.log(`        ${items.length} tiles, ${cmp.stdout.trim().split("\n").pop()}`);
  return items.length === expected ? [] : [`${items.length} tiles arrived, expected ${expected}`];
}

// Healthcheck test ["CMD", ...] (or CMD-SHELL) run inside the service's container, its URL moved
// from the container port to the port chosen here.
function healthcheckIn(child, test, table) {
  if (!Array.isArray(test) || !["CMD", "CMD-SHELL"].includes(test[0])) return [`unsupported healthcheck test ${JSON.stringify(test)}`];
  const argv = test[0] === "CMD" ? test.slice(1).map((w) => relocate(w, table)) : ["sh", "-c", relocate(test[1], table)];
  const r = runIn(child.ctr, argv, { user: child.spec.user }, 20000);
  return r.status === 0 ? [] : [`${argv.join(" ")} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`];
}

function uidOf(child) {
  const p = serviceProcess(child);
  if (!p) return [`${child.label}: process not found`];
  return p.uids.every((u) => u === serviceUid) && p.gids.every((g) => g === serviceUid)
    ? [] : [`${child.label} runs as uid ${p.uids.join("/")} gid ${p.gids.join("/")}, expected ${serviceUid}`];
}

async function main() {
  fs.mkdirSync(work, { recursive: true });
  const cfg = imageConfig();
  const entrypoint = cfg.Entrypoint || [];

  // Image metadata and the tools container (a fresh container, no mounts: the image's defaults).
  await step(`image user is ${serviceUid}:${serviceUid} (numeric, non-root)`, () =>
    cfg.User === `${serviceUid}:${serviceUid}` ? [] : [`User is "${cfg.User}"`]);
  const tools = newContainer("tools");
  const tilesDir = path.join(work, "tiles");
  fs.mkdirSync(tilesDir, { recursive: true });
  fs.chmodSync(tilesDir, 0o777);
  const toolsSpec = { mounts: [{ type: "bind", source: tilesDir, target: "/check" }] };
  await step(`a command from the image runs as uid/gid ${serviceUid} by default`, () => {
    const r = runIn(tools, ["sh", "-c", "echo $(id -u) $(id -g)"]);
    return r.stdout.trim() === `${serviceUid} ${serviceUid}` ? [] : [`id: ${r.stdout.trim()} ${r.stderr.trim()}`];
  });
  const bins = runIn(tools, ["ls", "/usr/local/bin"]).stdout.trim().split(/\s+/).filter(Boolean);
  await step(`every binary starts with the runtime stage's libraries (${bins.join(", ")})`, () => {
    const p = [];
    for (const b of bins) {
      const r = runIn(tools, [b, "--help"]);
      if (r.status !== 0) p.push(`${b} --help exited ${r.status}: ${r.stderr.trim().split("\n").pop()}`);
      const l = runIn(tools, ["ldd", `/usr/local/bin/${b}`]);
      const missing = l.stdout.split("\n").filter((line) => /not found/.test(line)).map((s) => s.trim());
      if (missing.length) p.push(`${b}: ${missing.join(", ")}`);
    }
    for (const argv of [["tini", "--version"], ["curl", "--version"]]) {
      if (runIn(tools, argv).status !== 0) p.push(`${argv.join(" ")} failed`);
    }
    return bins.length >= 4 ? p : [...p, `only ${bins.length} binaries in /usr/local/bin`];
  });
  const baseline = newContainer("baseline");
  runIn(baseline, ["true"], { mounts: [{ type: "tmpfs", target: "/tmp" }] });
  const baselineFiles = new Set(writableLayer(baseline));
  await step("the filesystem diff sees a write outside the mounts (control: /var/tmp)", () => {
    const ctl = newContainer("control");
    runIn(ctl, ["sh", "-c", "echo x > /var/tmp/image-check-control"]);
    const seen = unexpectedWrites(ctl, [], baselineFiles);
    return seen.includes("/var/tmp/image-check-control") ? [] : [`diff of the control container: ${seen.join(", ") || "empty"}`];
  });

  // The compose model with the local trial's settings (the only way compose runs the stand-in).
  const model = repo.composeModel(simEnvFile, ["sim"]);
  const svc = model.services;
  const ports = { redis: await freePorts(), sim: await freePorts() };
  const redisUrl = `redis://127.0.0.1:${ports.redis}/0`;
  const simUrl = `http://127.0.0.1:${ports.sim}`;
  const hosts = { "redis:6379": `127.0.0.1:${ports.redis}`, "v7sim:9000": `127.0.0.1:${ports.sim}` };
  const envOf = (s) => Object.fromEntries(Object.entries(s.environment || {}).map(([n, v]) => [n, relocate(v ?? "", hosts)]));

  // Redis: the compose command on the host's redis-server, data in the work folder.
  fs.mkdirSync(path.join(work, "redis"));
  const redisCmd = [...svc.redis.command];
  const redis = startHost("redis", [...withFlag(withFlag(redisCmd, "dir", path.join(work, "redis"), true), "port", ports.redis, true),
                                    "--bind", "127.0.0.1", "--save", ""]);
  if (!await step("redis-server runs with the compose file's command", async () => {
    await waitUntil("redis", () => tcpOpen(ports.redis), 10000, redis);
    const ping = spawnSync("redis-cli", ["-p", String(ports.redis), "ping"], { encoding: "utf8" });
    return ping.stdout.trim() === "PONG" ? [] : [`redis-cli ping: ${ping.stdout}${ping.stderr}`];
  })) return;

  // The V7 stand-in: compose's v7sim service.
  const simArgs = withFlag(withFlag(svc.v7sim.command.slice(1).map((a) => relocate(a, hosts)), "listen", `127.0.0.1:${ports.sim}`),
                           "public-url", simUrl);
  const sim = startService("v7sim", [...entrypoint, svc.v7sim.command[0], ...simArgs],
                           { env: envOf(svc.v7sim), mounts: composeMounts(svc.v7sim, "v7sim") });
  sim.composeName = "v7sim";
  const compose = [sim];
  const composeTable = new Map([[sim, { ...hosts, "127.0.0.1:9000": `127.0.0.1:${ports.sim}` }]]);
  if (!await step("v7sim (compose) answers", async () => {
    await waitUntil("v7sim", () => httpOk(`${simUrl}/_sim/health`), 20000, sim);
    return [];
  })) return;

  const startStack = async (label, defs) => {
    const started = [];
    for (const d of defs) {
      const c = startService(`${label}-${d.name}`, d.argv, d.spec);
      Object.assign(c, d.extra);
      started.push(c);
    }
    return started;
  };

  // --- compose: the receiver and two worker containers (`--scale worker=2`) ------------------------
  const recvPort = await freePorts();
  const recvListen = k.parseFlagWords(svc.receiver.command.slice(1)).get("listen");
  const recvContainerPort = k.portOfListen(recvListen);
  const workerProcs = Number(k.parseFlagWords(svc.worker.command.slice(1)).get("processes")) || 1;
  const workerContainerPort = k.portOfListen(k.parseFlagWords(svc.worker.command.slice(1)).get("metrics-listen"));
  const composeDefs = [{
    name: "receiver",
    argv: [...entrypoint, svc.receiver.command[0], ...withFlag(svc.receiver.command.slice(1), "listen", `127.0.0.1:${recvPort}`)],
    spec: { env: envOf(svc.receiver), mounts: composeMounts(svc.receiver, "receiver") },
    extra: { composeName: "receiver", port: recvPort, table: { ...hosts, [`127.0.0.1:${recvContainerPort}`]: `127.0.0.1:${recvPort}` } },
  }];
  for (const n of [1, 2]) {
    const mport = await freePorts(workerProcs + 2);
    composeDefs.push({
      name: `worker-${n}`,
      argv: [...entrypoint, svc.worker.command[0], ...withFlag(svc.worker.command.slice(1), "metrics-listen", `127.0.0.1:${mport}`)],
      spec: { env: envOf(svc.worker), mounts: composeMounts(svc.worker, `worker-${n}`) },
      extra: { composeName: "worker", port: mport, table: { ...hosts, [`127.0.0.1:${workerContainerPort}`]: `127.0.0.1:${mport}` } },
    });
  }
  const composeStack = await startStack("compose", composeDefs);
  compose.push(...composeStack);
  for (const c of composeStack) composeTable.set(c, c.table);
  const [crecv, ...cworkers] = composeStack;
  await step("compose: receiver and two workers come up (/readyz)", async () => {
    await waitUntil("receiver /readyz", () => httpOk(`http://127.0.0.1:${crecv.port}/readyz`), 20000, crecv);
    for (const w of cworkers) await waitUntil(`${w.label} /readyz`, () => httpOk(`http://127.0.0.1:${w.port}/readyz`), 20000, w);
    return [];
  });
  await step("image HEALTHCHECK works inside the receiver's container", () => {
    const hc = cfg.Healthcheck;
    if (!hc || !hc.Test) return ["the image has no HEALTHCHECK (built without --format docker?)"];
    return healthcheckIn(crecv, hc.Test, crecv.table);
  });
  await step("compose healthchecks work inside their containers (redis: redis-cli on the host)", () =>
    compose.flatMap((c) => healthcheckIn(c, svc[c.composeName].healthcheck.test, composeTable.get(c)).map((p) => `${c.label}: ${p}`)));
  await step("compose services run as uid/gid 10001", () => compose.flatMap(uidOf));
  await step("compose: one webhook through receiver, Redis, workers and the stand-in, tiles pixel for pixel", () =>
    webhookToTiles({ label: "compose", simUrl, receiverUrl: `http://127.0.0.1:${crecv.port}`,
                     token: svc.receiver.environment.PATCHQ_WEBHOOK_TOKEN, tools, toolsSpec }));
  await step("compose: `exec receiver patchqctl stats` (the receiver's env) shows the job done, none dead", async () => {
    let stats = {};
    await waitUntil("the job to be done", () => {
      const r = runIn(crecv.ctr, ["patchqctl", "stats", "--json"], crecv.spec, 20000);
      try { stats = JSON.parse(r.stdout); } catch { stats = { error: (r.stderr || r.stdout).trim() }; }
      return stats.done >= 1 || stats.dead >= 1 || stats.error;
    }, 30000);
    return stats.done >= 1 && !stats.dead ? [] : [`patchqctl stats: ${JSON.stringify(stats)}`];
  });
  for (const c of [...cworkers, crecv]) {
    const grace = k.durationSeconds(svc[c.composeName].stop_grace_period || "10s");
    await step(`${c.label} stops on SIGTERM within stop_grace_period (${grace}s)`, () => stopWithin(c, grace));
  }

  // --- Kubernetes: the receiver and two worker pods ----------------------------------------------
  const { where, objects } = k8sObjects();
  const trial = repo.composeModel(simEnvFile, ["sim"]).services.worker.environment;
  const secrets = { ...svc.receiver.environment, ...svc.worker.environment };
  const kdefs = [];
  for (const c of k8sContainers(where, objects)) {
    const name = c.workload.metadata.name;
    if (!["receiver", "worker"].includes(name)) continue;
    const env = { ...c.env };
    for (const e of c.container.env || []) {
      const ref = e.valueFrom && e.valueFrom.secretKeyRef;
      if (!ref) continue;
      // An optional key is absent from the documented minimal Secret: the container runs without it.
      if (ref.optional) { delete env[e.name]; continue; }
      if (secrets[e.name] === undefined) throw new Error(`${name}: no trial value in ${simEnvFile} for Secret key ${ref.key} (${e.name})`);
      env[e.name] = secrets[e.name];
    }
    for (const n of Object.keys(env)) env[n] = relocate(env[n], hosts);
    if (env.PATCHQ_REDIS_URL !== redisUrl) throw new Error(`${name}: PATCHQ_REDIS_URL ${env.PATCHQ_REDIS_URL} is not the Redis Service`);
    if (name === "worker") {
      // The local trial's V7 settings (sim.env): the stand-in, on a private address, creates targets.
      for (const n of ["V7_API_URL", "PATCHQ_ALLOW_PRIVATE_HOSTS", "PATCHQ_ALLOW_PRIVATE_V7_API", "PATCHQ_CREATE_TARGET"]) env[n] = relocate(trial[n], hosts);
    }
    const sc = { ...(k.podTemplate(c.workload).spec.securityContext || {}), ...(c.container.securityContext || {}) };
    const user = sc.runAsUser !== undefined ? `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}` : undefined;
    const listenFlag = name === "receiver" ? "listen" : "metrics-listen";
    const count = name === "worker" ? 2 : 1;
    for (let n = 1; n <= count; n++) {
      const port = await freePorts(4);
      // Kubernetes' command replaces the image's ENTRYPOINT.
      const args = withFlag(c.args, listenFlag, `127.0.0.1:${port}`);
      const containerPort = k.portOfListen(k.flagsOf(c.container).get(listenFlag));
      kdefs.push({ name: count > 1 ? `${name}-${n}` : name, argv: [c.program, ...args],
                   spec: { env, user, mounts: k8sMounts(c.workload, c.container) },
                   extra: { k8s: c, port, containerPort, grace: k.podTemplate(c.workload).spec.terminationGracePeriodSeconds } });
    }
  }
  const kstack = await startStack("k8s", kdefs);
  const [krecv, ...kworkers] = kstack;
  const portFor = (c) => (p) => (p === c.containerPort || c.k8s.container.ports.some((cp) => cp.name === p) ? c.port : p);
  await step(`k8s (${where}): receiver and two workers answer their probes`, async () => {
    const p = [];
    for (const c of kstack) {
      for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const probe = c.k8s.container[kind];
        if (!probe) continue;
        if (!probe.httpGet) { p.push(`${c.label} ${kind}: only httpGet probes are checked here`); continue; }
        const url = `http://127.0.0.1:${portFor(c)(probe.httpGet.port)}${probe.httpGet.path || "/"}`;
        await waitUntil(`${c.label} ${kind} ${url}`, () => httpOk(url), 20000, c);
      }
    }
    return p;
  });
  await step("k8s services run as uid/gid 10001", () => kstack.flatMap(uidOf));
  await step(`k8s: one webhook through receiver, Redis, workers and the stand-in, tiles pixel for pixel`, () =>
    webhookToTiles({ label: "k8s", simUrl, receiverUrl: `http://127.0.0.1:${krecv.port}`,
                     token: secrets.PATCHQ_WEBHOOK_TOKEN, tools, toolsSpec }));
  for (const c of [...kworkers, krecv]) {
    await step(`${c.label} stops on SIGTERM within terminationGracePeriodSeconds (${c.grace}s)`, () => stopWithin(c, c.grace));
  }
  await step("v7sim (compose) stops on SIGTERM within stop_grace_period", () =>
    stopWithin(sim, k.durationSeconds(svc.v7sim.stop_grace_period || "10s")));

  await step("no service log has a warning from tini (init, subreaper) or a fatal/error line", () =>
    [...compose, ...kstack].flatMap((c) => fs.readFileSync(c.logFile, "utf8").split("\n")
      .filter((l) => /\[WARN\s+tini|\[FATAL\s+tini|"level":"(error|fatal)"/.test(l)).slice(0, 3).map((l) => `${c.label}: ${l.slice(0, 200)}`)));

  // --- read-only root filesystem -----------------------------------------------------------------
  await step("read-only root: the services wrote nothing outside /tmp and /var/lib/patchq (mounts)", () =>
    [...compose, ...kstack].flatMap((c) => unexpectedWrites(c.ctr, c.spec.mounts, baselineFiles).map((f) => `${c.label} wrote ${f}`)));
  await step("the tools (make-image, patchq-tile, compare, --help) wrote nothing outside their mount", () =>
    unexpectedWrites(tools, toolsSpec.mounts, baselineFiles).map((f) => `tools wrote ${f}`));
  if (opts.size && opts.maxMb) {
    const mb = Number(opts.size) / 1e6;
    await step(`image size ${mb.toFixed(0)} MB is within the budget of ${opts.maxMb} MB`, () =>
      mb <= Number(opts.maxMb) ? [] : [`${mb.toFixed(0)} MB: see what grew (dpkg-query -W -f '\${Installed-Size} \${Package}\n' in the image)`]);
  }
}

(async () => {
  let failed = false;
  try {
    await main();
  } catch (err) {
    report.check("image check ran to the end", [err.stack || String(err)]);
    failed = true;
  } finally {
    for (const c of children) if (running(c)) c.kill("SIGKILL");
    for (const c of children) {
      const p = c.ctr && serviceProcess(c);
      if (p) try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ }
    }
    await Promise.race([Promise.all(children.map((c) => c.exited)), sleep(10000)]);
    if (!opts.keep) for (const c of containers) buildah(["rm", c]);
    if (opts.size) console.log(`image size: ${(Number(opts.size) / 1e6).toFixed(0)} MB; build ${opts.buildSeconds}s`);
    if (failed) process.exitCode = 1;
    report.finish();
  }
})();
