// Live: runs the prod overlay's receiver and worker as real processes, with their manifest args
// and ConfigMap environment, against a real redis-server (the StatefulSet's Redis args) and
// patchq-v7sim (the compose sim service's args), all on 127.0.0.1 with free ports (a service
// that lost its port to another process between the probe and its own bind is started again
// on another one; no port is fixed). Then asks the
// probes the manifests and compose use, sends one webhook through to tiles in the simulator,
// and stops each service with SIGTERM.
// Every wait polls with a deadline; every process is killed when the check ends.
"use strict";

const fs = require("fs");
const http = require("http");
const net = require("net");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const repo = require("../lib/repo");
const { withFlag } = require("../lib/args");
const k = require("../lib/k8s");
const { gradientPng } = require("../lib/png");
const { composeContainers, k8sContainers } = require("./check-binaries");

const children = [];
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(tmp, name, file, args, env) {
  const log = path.join(tmp, `${name}.log`);
  const fd = fs.openSync(log, "w");
  const child = spawn(file, args, { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  child.logFile = log;
  child.label = name;
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  children.push(child);
  return child;
}

function tail(child) {
  try {
    return fs.readFileSync(child.logFile, "utf8").trim().split("\n").slice(-5).join(" | ");
  } catch {
    return "";
  }
}

// -> { status, body } (status null when there was no answer)
function httpCall(method, url, body, headers = {}) {
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers, timeout: 5000 }, (res) => {
      const parts = [];
      res.on("data", (d) => parts.push(d));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ status: null, body: "" }));
    req.end(body);
  });
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, timeout: 1000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => { s.destroy(); resolve(false); });
  });
}

async function waitUntil(what, cond, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${child.label} exited (${child.exitCode ?? child.signalCode}) before ${what}: ${tail(child)}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${child ? `: ${tail(child)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Starts a service on a free loopback port, `argsFor(port)` its command line, and waits until
// it listens there. A free port is only free when probed: another process (a parallel test)
// may bind it before the service does, which then exits with "address already in use"; it is
// started again on another port, up to three times. -> { child, port }
async function startOnFreePort(tmp, name, file, argsFor, env) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = start(tmp, attempt === 1 ? name : `${name}-${attempt}`, file, argsFor(port), env);
    try {
      await waitUntil(`${name} to listen on ${port}`, () => tcpOpen(port), 15000, child);
      if (child.exitCode === null && child.signalCode === null) return { child, port };
    } catch (err) {
      if (child.exitCode === null && child.signalCode === null) throw err;
    }
    await child.exited;
    if (attempt >= 3 || !/address already in use/i.test(tail(child))) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) on port ${port}: ${tail(child)}`);
    }
  }
}

// A probe as the kubelet would run it, against a port the test chose.
async function probeOk(probe, portFor) {
  if (probe.httpGet) {
    const status = await httpStatus(`http://127.0.0.1:${portFor(probe.httpGet.port)}${probe.httpGet.path || "/"}`);
    return status !== null && status >= 200 && status < 400;
  }
  if (probe.tcpSocket) return tcpOpen(portFor(probe.tcpSocket.port));
  return false;
}

async function stopWithin(child, seconds) {
  const t0 = Date.now();
  child.kill("SIGTERM");
  const timer = new Promise((r) => setTimeout(() => r(null), seconds * 1000));
  const result = await Promise.race([child.exited, timer]);
  if (result === null) return [`${child.label} still running ${seconds}s after SIGTERM`];
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  return result.code === 0 ? [] : [`${child.label} exited with ${result.code ?? result.signal} after SIGTERM (${secs}s): ${tail(child)}`];
}

async function checkLive(report, binDir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "patchq-deploy-live-"));
  const step = async (name, fn) => {
    let problems;
    try {
      problems = await fn();
    } catch (err) {
      problems = [err.message];
    }
    report.check(name, problems);
    return problems.length === 0;
  };
  try {
    const objects = repo.renderOverlay("prod");
    const byName = (n) => k8sContainers("prod", objects).find((c) => c.workload.metadata.name === n);
    const receiver = byName("receiver");
    const worker = byName("worker");
    const sim = composeContainers().find((c) => c.program === "patchq-v7sim");

    // Redis with the StatefulSet's own args (its --dir moved to a temp folder).
    const redisArgs = k.containers(k.find(objects, "StatefulSet", "redis"))[0].args;
    let redisPort = 0;
    const redisUp = await step("redis-server runs with the StatefulSet's args", async () => {
      ({ port: redisPort } = await startOnFreePort(tmp, "redis-server", "redis-server",
        (port) => [...withFlag(redisArgs, "dir", tmp, true), "--port", String(port), "--bind", "127.0.0.1",
                   "--save", ""], {}));
      return [];
    });
    if (!redisUp) return;
    const redisUrl = `redis://127.0.0.1:${redisPort}/0`;

    let simPort = 0;
    fs.mkdirSync(path.join(tmp, "v7sim"), { recursive: true });
    const simUp = await step("patchq-v7sim runs with the compose sim service's args", async () => {
      ({ port: simPort } = await startOnFreePort(tmp, "patchq-v7sim", path.join(binDir, "patchq-v7sim"),
        (port) => withFlag(withFlag(withFlag(sim.args, "listen", `127.0.0.1:${port}`),
                                    "data-dir", path.join(tmp, "v7sim")),
                           "public-url", `http://127.0.0.1:${port}`),
        { ...sim.env }));
      return [];
    });
    if (!simUp) return;

    // Receiver: the Deployment's args and env, only its address and Redis moved to loopback.
    const rc = receiver.container;
    let recv = null;
    let httpPort = 0;
    const recvUp = await step("receiver listens with the prod manifest's args and env", async () => {
      ({ child: recv, port: httpPort } = await startOnFreePort(tmp, "patchq-receiver",
        path.join(binDir, "patchq-receiver"), (port) => withFlag(receiver.args, "listen", `127.0.0.1:${port}`),
        { ...receiver.env, PATCHQ_REDIS_URL: redisUrl }));
      return [];
    });
    if (!recvUp) return;
    const recvPort = () => httpPort;
    await step("receiver answers its readinessProbe and livenessProbe (prod manifest)", async () => {
      await waitUntil("receiver readiness", () => probeOk(rc.readinessProbe, recvPort), 15000, recv);
      await waitUntil("receiver liveness", () => probeOk(rc.livenessProbe, recvPort), 5000, recv);
      return [];
    });
    await step("receiver answers the compose and Dockerfile healthcheck (/healthz)", async () => {
      const status = await httpStatus(`http://127.0.0.1:${httpPort}/healthz`);
      return status === 200 ? [] : [`/healthz answered ${status}`];
    });

    // Worker: the Deployment's args and env, its metrics address, Redis and V7 moved to loopback,
    // plus the local trial's settings from sim.env (a private simulator address, create target).
    const simEnv = composeContainers().find((c) => c.program === "patchq-worker" && c.where.includes("sim.env")).env;
    const wc = worker.container;
    let work = null;
    let metricsPort = 0;
    const workUp = await step("worker listens on its metrics port with the prod manifest's args and env", async () => {
      ({ child: work, port: metricsPort } = await startOnFreePort(tmp, "patchq-worker",
        path.join(binDir, "patchq-worker"),
        (port) => withFlag(withFlag(worker.args, "metrics-listen", `127.0.0.1:${port}`),
                           "v7-api-url", `http://127.0.0.1:${simPort}`),
        { ...worker.env, PATCHQ_ALLOW_PRIVATE_HOSTS: simEnv.PATCHQ_ALLOW_PRIVATE_HOSTS,
          PATCHQ_ALLOW_PRIVATE_V7_API: simEnv.PATCHQ_ALLOW_PRIVATE_V7_API,
          PATCHQ_CREATE_TARGET: simEnv.PATCHQ_CREATE_TARGET, PATCHQ_REDIS_URL: redisUrl,
          V7_API_KEY: sim.env.V7_API_KEY }));
      return [];
    });
    if (!workUp) return;
    await step("worker answers its livenessProbe on the metrics port (prod manifest)", async () => {
      for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        if (wc[probe]) await waitUntil(`worker ${probe}`, () => probeOk(wc[probe], () => metricsPort), 15000, work);
      }
      return [];
    });
    await step("worker answers the compose healthcheck URL", async () => {
      const cw = composeContainers().find((c) => c.program === "patchq-worker");
      const model = repo.composeModel(".env.example", ["sim"]);
      const url = model.services.worker.healthcheck.test.find((w) => /^http/.test(w));
      const port = k.portOfListen(k.parseFlagWords(cw.args).get("metrics-listen"));
      const local = url.replace(`127.0.0.1:${port}`, `127.0.0.1:${metricsPort}`);
      const status = await httpStatus(local);
      return status === 200 ? [] : [`${url} answered ${status}`];
    });

    await step("a webhook goes receiver -> Redis -> worker -> simulator (the local trial, in small)", async () => {
      const sim = `http://127.0.0.1:${simPort}`;
      const up = await httpCall("POST", `${sim}/_sim/datasets/source/images?name=deploy-check.png`,
                                gradientPng(120, 80), { "Content-Type": "image/png" });
      if (up.status !== 201) return [`simulator refused the image: ${up.status} ${up.body}`];
      const payload = JSON.parse(up.body);
      payload.annotations = [{ id: "0192c338-0000-7000-8000-00000000d0c1", name: "patch (2x3)",
                               slot_names: ["0"], bounding_box: { x: 0, y: 0, w: 60, h: 40 } }];
      const hook = await httpCall("POST", `http://127.0.0.1:${httpPort}/webhook?target=deploy-check`,
                                  JSON.stringify(payload),
                                  { "Content-Type": "application/json",
                                    Authorization: `Bearer ${receiver.env.PATCHQ_WEBHOOK_TOKEN}` });
      if (hook.status !== 202) return [`receiver answered ${hook.status} ${hook.body}`];
      let items = [];
      await waitUntil("six tiles in the simulator's target dataset", async () => {
        const r = await httpCall("GET", `${sim}/_sim/datasets/deploy-check/items`);
        items = r.status === 200 ? JSON.parse(r.body).items || [] : [];
        return items.length >= 6;
      }, 30000, work);
      return items.length === 6 ? [] : [`${items.length} tiles arrived, expected 6`];
    });

    const grace = k.durationSeconds(k.flagsOf(wc).get("shutdown-grace"));
    await step(`worker exits cleanly on SIGTERM within --shutdown-grace (${grace}s)`, () => stopWithin(work, grace));
    const recvGrace = receiver.workload.spec.template.spec.terminationGracePeriodSeconds;
    await step(`receiver exits cleanly on SIGTERM within terminationGracePeriodSeconds (${recvGrace}s)`,
               () => stopWithin(recv, recvGrace));
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await Promise.all(children.map((c) => c.exited));
    fs.rmSync(tmp, { recursive: true, force: true });
    report.finish();
  }
}

module.exports = { checkLive };
