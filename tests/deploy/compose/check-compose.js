// Checks docker-compose.yml offline with Debian's docker-compose (1.29): the file and both env
// files (.env.example, deploy/docker/sim.env) pass `config`, missing secrets stop it, and the
// interpolated model keeps the deployment's invariants (AOF Redis, health-gated start, a
// scalable worker whose stop grace exceeds its --shutdown-grace, secrets only where used).
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const repo = require("../lib/repo");
const k = require("../lib/k8s");
const { Report } = require("../lib/report");

const report = new Report("deploy compose");
const envFiles = [".env.example", "deploy/docker/sim.env"];

function commandFlags(service) {
  const cmd = Array.isArray(service.command) ? service.command : String(service.command || "").split(/\s+/);
  return { program: cmd[0], flags: k.parseFlagWords(cmd.slice(1)) };
}

function healthUrl(service) {
  const test = (service.healthcheck && service.healthcheck.test) || [];
  return test.find((w) => /^https?:\/\//.test(String(w))) || null;
}

function publishedPorts(service) {
  return (service.ports || []).map((p) => (typeof p === "object"
    ? { host_ip: p.host_ip, published: Number(p.published), target: Number(p.target) }
    : (() => {
        const parts = String(p).replace(/\/(tcp|udp)$/, "").split(":");
        return { host_ip: parts.length === 3 ? parts[0] : undefined,
                 published: Number(parts[parts.length - 2]), target: Number(parts[parts.length - 1]) };
      })()));
}

function graceSeconds(text) {
  // compose prints durations like "45s" or "1m30s"
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us)/g;
  let m;
  let matched = "";
  while ((m = re.exec(String(text))) !== null) {
    matched += m[0];
    total += Number(m[1]) * { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 }[m[2]];
  }
  return matched === String(text) ? total : null;
}

function checkModel(model) {
  const p = [];
  const s = model.services || {};
  for (const name of ["redis", "receiver", "worker", "v7sim"]) if (!s[name]) p.push(`no service ${name}`);
  if (p.length) return p;

  const redis = commandFlags(s.redis);
  if (redis.flags.get("appendonly") !== "yes") p.push("redis: AOF is off (--appendonly yes)");
  if (redis.flags.get("appendfsync") !== "everysec") p.push("redis: --appendfsync is not everysec");
  if (redis.flags.get("maxmemory-policy") !== "noeviction") p.push("redis: may evict keys");
  if (!/^\d+(mb|gb)$/.test(redis.flags.get("auto-aof-rewrite-min-size") || "")) {
    p.push("redis: no --auto-aof-rewrite-min-size (the 64mb default forks a rewrite every few seconds under load)");
  }
  if (!(s.redis.volumes || []).some((v) => String(typeof v === "object" ? v.target : v.split(":")[1]) === "/data")) {
    p.push("redis: /data is not on a volume");
  }
  if (!s.redis.healthcheck) p.push("redis: no healthcheck");

  for (const name of ["receiver", "worker"]) {
    const dep = (s[name].depends_on || {}).redis;
    if (!dep || dep.condition !== "service_healthy") p.push(`${name}: does not wait for a healthy redis`);
    const env = s[name].environment || {};
    if (!/^redis:\/\/redis:6379(\/\d+)?$/.test(env.PATCHQ_REDIS_URL || "")) p.push(`${name}: PATCHQ_REDIS_URL does not point at service redis`);
  }

  const rc = commandFlags(s.receiver);
  if (rc.program !== "patchq-receiver") p.push(`receiver runs ${rc.program}`);
  const rport = k.portOfListen(rc.flags.get("listen") || "");
  if (!rport) p.push("receiver: no --listen=<host:port>");
  const rpub = publishedPorts(s.receiver);
  if (!rpub.some((x) => x.target === rport)) p.push(`receiver: --listen port ${rport} is not published`);
  const rurl = healthUrl(s.receiver) || "";
  if (!rurl.endsWith(`:${rport}/healthz`)) p.push(`receiver: healthcheck ${rurl} is not /healthz on port ${rport}`);
  if (!(s.receiver.environment || {}).PATCHQ_WEBHOOK_TOKEN) p.push("receiver: no PATCHQ_WEBHOOK_TOKEN");
  const rgrace = k.durationSeconds(rc.flags.get("shutdown-grace") || "");
  const rstop = graceSeconds(s.receiver.stop_grace_period || "10s");
  if (rgrace === null) p.push("receiver: --shutdown-grace not set explicitly");
  else if (!(rstop > rgrace)) p.push(`receiver: stop_grace_period ${rstop}s is not above --shutdown-grace ${rgrace}s`);

  const wc = commandFlags(s.worker);
  if (wc.program !== "patchq-worker") p.push(`worker runs ${wc.program}`);
  if (s.worker.container_name) p.push("worker: container_name prevents --scale");
  if ((s.worker.ports || []).length) p.push("worker: a published port prevents --scale");
  const grace = k.durationSeconds(wc.flags.get("shutdown-grace") || "");
  const stop = graceSeconds(s.worker.stop_grace_period || "10s");
  if (grace === null) p.push("worker: --shutdown-grace not set explicitly");
  else if (!(stop > grace)) p.push(`worker: stop_grace_period ${stop}s is not above --shutdown-grace ${grace}s`);
  const mport = k.portOfListen(wc.flags.get("metrics-listen") || "");
  const wurl = healthUrl(s.worker) || "";
  // /readyz: a worker whose storage is unreachable is not healthy, though its process answers.
  if (!mport || !wurl.endsWith(`:${mport}/readyz`)) p.push(`worker: healthcheck ${wurl} is not /readyz on the --metrics-listen port ${mport}`);
  const wenv = s.worker.environment || {};
  if (!wenv.V7_API_KEY) p.push("worker: no V7_API_KEY");
  // Private addresses: the V7 API origin alone may be exempt (the trial's stand-in), never all.
  if (String(wenv.PATCHQ_ALLOW_PRIVATE_HOSTS) !== "false") p.push(`worker: PATCHQ_ALLOW_PRIVATE_HOSTS is ${wenv.PATCHQ_ALLOW_PRIVATE_HOSTS}, not false (use PATCHQ_ALLOW_PRIVATE_V7_API for a stand-in on a private address)`);
  if (wenv.PATCHQ_ALLOW_PRIVATE_V7_API === undefined) p.push("worker: PATCHQ_ALLOW_PRIVATE_V7_API is not passed on");
  if (!("PATCHQ_ADMIN_TOKEN" in (s.receiver.environment || {}))) p.push("receiver: PATCHQ_ADMIN_TOKEN is not passed on (the status page)");

  if (!(s.v7sim.profiles || []).includes("sim")) p.push("v7sim: not under the sim profile");
  const sc = commandFlags(s.v7sim);
  if (sc.program !== "patchq-v7sim") p.push("v7sim: does not run patchq-v7sim");
  const sport = k.portOfListen(sc.flags.get("listen") || "");
  const surl = healthUrl(s.v7sim) || "";
  if (!sport || !surl.endsWith(`:${sport}/_sim/health`)) p.push(`v7sim: healthcheck ${surl} is not /_sim/health on its --listen port ${sport}`);

  // Secrets reach only the services that use them.
  const owners = { PATCHQ_WEBHOOK_TOKEN: ["receiver"], PATCHQ_ADMIN_TOKEN: ["receiver"],
                   V7_API_KEY: ["worker", "v7sim"] };
  for (const [secret, allowed] of Object.entries(owners)) {
    for (const [name, svc] of Object.entries(s)) {
      if ((svc.environment || {})[secret] !== undefined && !allowed.includes(name)) {
        p.push(`${name}: gets ${secret}, which only ${allowed.join(", ")} need`);
      }
    }
  }
  // Only loopback by default: the receiver belongs behind a TLS proxy.
  for (const [name, svc] of Object.entries(s)) {
    for (const port of publishedPorts(svc)) {
      if (name !== "receiver" && name !== "v7sim") p.push(`${name}: publishes port ${port.target}`);
      else if (port.host_ip !== "127.0.0.1") p.push(`${name}: port ${port.target} is published beyond loopback`);
    }
    if (name !== "redis" && svc.image !== (s.receiver.image)) p.push(`${name}: not the patchq image`);
  }
  return p;
}

for (const envFile of envFiles) {
  let model = null;
  report.run(`docker-compose --env-file ${envFile} --profile sim config -q`, () => {
    repo.runOk("docker-compose", ["--env-file", envFile, "--profile", "sim", "config", "-q"],
               { env: repo.cleanComposeEnv() });
    model = repo.composeModel(envFile, ["sim"]);
    return [];
  });
  if (model) report.run(`${envFile}: the compose model keeps the invariants`, () => checkModel(model));
}

report.run("docker-compose config refuses to run without the secrets", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchq-compose-"));
  const empty = path.join(dir, "empty.env");
  fs.writeFileSync(empty, "");
  const r = repo.run("docker-compose", ["--env-file", empty, "config", "-q"], { env: repo.cleanComposeEnv() });
  fs.rmSync(dir, { recursive: true, force: true });
  const out = `${r.stdout}${r.stderr}`;
  const p = [];
  if (r.status === 0) p.push("config passed with no PATCHQ_WEBHOOK_TOKEN / V7_API_KEY");
  if (!/PATCHQ_WEBHOOK_TOKEN|V7_API_KEY/.test(out)) p.push(`the error does not name the missing secret: ${out.trim()}`);
  return p;
});

report.run(".env is ignored by git (secrets stay out of commits)", () => {
  const r = repo.run("git", ["check-ignore", "-q", ".env"]);
  return r.status === 0 ? [] : [".env is not git-ignored"];
});

report.finish();
