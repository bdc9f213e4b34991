// Checks deploy/monitoring offline. Usage: node check-monitoring.js rules|dashboard
//   rules:     promtool check rules and promtool test rules (patchq-alerts.test.yaml); every
//              metric the rules name is one patchq registers.
//   dashboard: the Grafana JSON is well formed (uid, datasource variable, unique panel ids,
//              a datasource on every query), every query parses as PromQL (promtool, with
//              Grafana's $__ variables filled in), and every metric it names is registered.
// "Registered" means a "patchq_..." name passed to a registry's counter/gauge/histogram in a
// .cpp of common/ or services/ (receiver_metrics, worker_metrics, the V7 client's process
// counters); a histogram also has _bucket, _sum, _count.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const yaml = require("js-yaml");
const repo = require("../lib/repo");
const { Report } = require("../lib/report");

const mode = process.argv[2];
const report = new Report(`deploy monitoring ${mode}`);
const dir = path.join(repo.root, "deploy", "monitoring");
const rulesFile = path.join(dir, "patchq-alerts.yaml");
const rulesTest = path.join(dir, "patchq-alerts.test.yaml");
const dashboardFile = path.join(dir, "grafana-dashboard.json");

function metricsSources() {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.cpp$/.test(e.name)) out.push(p);
    }
  };
  walk(path.join(repo.root, "common"));
  walk(path.join(repo.root, "services"));
  return out;
}

// Every series name a scrape can show.
function registeredMetrics() {
  const names = new Set();
  const sources = metricsSources();
  for (const file of sources) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:counter|gauge|gauge_callback|histogram)\(\s*"(patchq_[a-z0-9_]+)"/g)) {
      names.add(m[1]);
    }
    for (const m of text.matchAll(/histogram\(\s*"(patchq_[a-z0-9_]+)"/g)) {
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(m[1] + suffix);
    }
  }
  for (const wanted of ["patchq_queue_depth", "patchq_receiver_requests_total"]) {
    if (!names.has(wanted)) throw new Error(`the metric scan missed ${wanted}: fix the scan`);
  }
  return names;
}

function metricNames(expr) {
  return [...new Set([...expr.matchAll(/\b(patchq_[a-z0-9_]+)\b/g)].map((m) => m[1]))];
}

function unknownMetrics(exprs, known) {
  const problems = [];
  for (const { where, expr } of exprs) {
    const names = metricNames(expr);
    if (names.length === 0) problems.push(`${where}: names no patchq metric: ${expr}`);
    for (const n of names) {
      if (!known.has(n)) problems.push(`${where}: ${n} is not a registered metric`);
    }
  }
  return problems;
}

function promtool(args) {
  const r = repo.run("promtool", args, { cwd: dir });
  return r.status === 0 ? [] : [`promtool ${args.join(" ")} exited ${r.status}:\n${r.stdout}${r.stderr}`];
}

function ruleExprs() {
  const doc = yaml.load(fs.readFileSync(rulesFile, "utf8"));
  const out = [];
  for (const g of doc.groups || []) {
    for (const r of g.rules || []) out.push({ where: `rule ${r.alert || r.record}`, expr: String(r.expr) });
  }
  return out;
}

function checkRules() {
  report.run("promtool check rules", () => promtool(["check", "rules", rulesFile]));
  report.run("promtool test rules", () => promtool(["test", "rules", rulesTest]));
  report.run("the rules name registered metrics", () => {
    const exprs = ruleExprs();
    const alerts = exprs.map((e) => e.where);
    const problems = unknownMetrics(exprs, registeredMetrics());
    for (const wanted of ["PatchqQueueLagHigh", "PatchqDeadLettersRising", "PatchqV7Throttled",
                          "PatchqWorkersMissing"]) {
      if (!alerts.includes(`rule ${wanted}`)) problems.push(`no alert ${wanted}`);
    }
    return problems;
  });
  report.run("every alert has a severity and a summary", () => {
    const doc = yaml.load(fs.readFileSync(rulesFile, "utf8"));
    const problems = [];
    for (const g of doc.groups) {
      for (const r of g.rules) {
        if (!r.labels || !["warning", "critical"].includes(r.labels.severity)) {
          problems.push(`${r.alert}: severity must be warning or critical`);
        }
        if (!r.annotations || !r.annotations.summary) problems.push(`${r.alert}: no summary`);
      }
    }
    return problems;
  });
}

function dashboardQueries(dash) {
  const out = [];
  const visit = (panels) => {
    for (const p of panels || []) {
      for (const t of p.targets || []) out.push({ panel: p, target: t, where: `panel "${p.title}" ${t.refId}`, expr: String(t.expr || "") });
      visit(p.panels);
    }
  };
  visit(dash.panels);
  return out;
}

function checkDashboard() {
  let dash;
  report.run("the dashboard is JSON", () => {
    dash = JSON.parse(fs.readFileSync(dashboardFile, "utf8"));
    return [];
  });
  if (!dash) return report.finish();
  const queries = dashboardQueries(dash);
  report.run("the dashboard's structure", () => {
    const problems = [];
    if (!dash.uid || !dash.title) problems.push("uid and title are required");
    const vars = (dash.templating && dash.templating.list) || [];
    if (!vars.some((v) => v.type === "datasource" && v.name === "datasource" && v.query === "prometheus")) {
      problems.push("no Prometheus datasource variable named datasource");
    }
    const ids = new Set();
    const visit = (panels) => {
      for (const p of panels || []) {
        if (ids.has(p.id)) problems.push(`panel id ${p.id} used twice`);
        ids.add(p.id);
        if (!p.gridPos) problems.push(`panel "${p.title}" has no gridPos`);
        visit(p.panels);
      }
    };
    visit(dash.panels);
    if (queries.length < 10) problems.push(`only ${queries.length} queries`);
    for (const q of queries) {
      const uid = (q.target.datasource || q.panel.datasource || {}).uid;
      if (uid !== "${datasource}") problems.push(`${q.where}: datasource is not \${datasource}`);
      if (!q.expr) problems.push(`${q.where}: empty query`);
    }
    return problems;
  });
  report.run("the dashboard's queries name registered metrics", () =>
    unknownMetrics(queries, registeredMetrics()));
  report.run("the dashboard's queries parse as PromQL", () => {
    // promtool has no offline query parser: check each query as a recording rule.
    const groups = [{
      name: "dashboard",
      rules: queries.map((q, i) => ({
        record: `dashboard:query_${i}`,
        expr: q.expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m"),
      })),
    }];
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "patchq-dash-"));
    const file = path.join(tmp, "dashboard-rules.yaml");
    fs.writeFileSync(file, yaml.dump({ groups }));
    try {
      return promtool(["check", "rules", file]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

if (mode === "rules") checkRules();
else if (mode === "dashboard") checkDashboard();
else {
  console.error("usage: node check-monitoring.js rules|dashboard");
  process.exit(2);
}
report.finish();
