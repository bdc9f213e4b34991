// The receiver benchmark's baseline: the webhook receiver a Node team would write with fastify
// and BullMQ, doing what patchq-receiver does per request so the two can be compared in one
// run: bearer-token check (constant time), JSON body (fastify's parser, 4 MiB limit), item id
// and target checked, dedup by a SHA-256 of target + body (BullMQ's jobId: a repeat returns
// the existing job), and 202 {"job_id","status":"queued"} only once Redis has the job.
// Runs `--processes` Node processes (node:cluster, one shared port), as patchq runs one loop
// per core. Prints {"event":"listening","port":N} once every process listens.
//
// Usage: node fastify_bullmq.js --port P --redis-port R [--processes 2] [--token T]
"use strict";
const cluster = require("node:cluster");
const crypto = require("node:crypto");

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}
const port = Number(arg("port", "0"));
const redisPort = Number(arg("redis-port", "6379"));
const processes = Number(arg("processes", "2"));
const token = Buffer.from(arg("token", process.env.PATCHQ_BENCH_TOKEN || "bench-token"));

if (cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < processes; i++) {
    cluster.fork().on("message", (m) => {
      if (m === "listening" && ++listening === processes) {
        console.log(JSON.stringify({ event: "listening", port }));
      }
    });
  }
  cluster.on("exit", (worker, code) => {
    console.error(`baseline worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
  process.on("SIGTERM", () => {
    for (const id in cluster.workers) cluster.workers[id].kill("SIGTERM");
    process.exit(0);
  });
} else {
  const { Queue } = require("bullmq");
  const fastify = require("fastify")({ logger: false, bodyLimit: 4 << 20 });
  // The body as received is what gets stored and hashed (as patchq does); parsed once here.
  fastify.addContentTypeParser("application/json", { parseAs: "string" }, (request, raw, done) => {
    try {
      done(null, { raw, json: JSON.parse(raw) });
    } catch (e) {
      e.statusCode = 400;
      done(e);
    }
  });
  const queue = new Queue("patchq-baseline", {
    // ioredis' auto-pipelining (PATCHQ_BASELINE_AUTOPIPELINE=1) measured slower here (5.0k vs
    // 6.4k req/s in one run), so the baseline runs without it, at its best.
    connection: {
      host: "127.0.0.1",
      port: redisPort,
      maxRetriesPerRequest: 1,
      enableAutoPipelining: process.env.PATCHQ_BASELINE_AUTOPIPELINE === "1",
    },
  });
  const slug = /^[A-Za-z0-9._-]{1,100}$/;

  fastify.get("/healthz", async () => ({ status: "ok" }));
  fastify.post("/webhook", async (request, reply) => {
    const auth = Buffer.from(String(request.headers.authorization || "").replace(/^Bearer /, ""));
    if (auth.length !== token.length || !crypto.timingSafeEqual(auth, token)) {
      return reply.code(401).send({ error: "unauthorized" });
    }
    const { raw, json: body } = request.body;
    const item = body && body.item;
    const itemId = item && item.source_info && item.source_info.item_id;
    if (typeof itemId !== "string") return reply.code(400).send({ error: "item.source_info.item_id is required" });
    const target = request.query.target || (item.source_info.dataset || {}).slug || "";
    if (!slug.test(target)) return reply.code(400).send({ error: "invalid target" });
    const jobId = crypto.createHash("sha256").update(target).update("\n").update(raw).digest("hex");
    try {
      const job = await queue.add("patch", { payload: raw, target, item_id: itemId }, { jobId });
      return reply.code(202).send({ job_id: job.id, status: "queued" });
    } catch (e) {
      return reply.code(503).header("retry-after", "1").send({ error: "redis unavailable" });
    }
  });
  fastify.listen({ host: "127.0.0.1", port }).then(() => process.send("listening"));
}
