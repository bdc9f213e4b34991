// Drives Debian's chromium (headless, through playwright-core) against a running receiver's
// status page and prints what a person would see, as one JSON object on stdout, for
// status_page_test.cpp to compare with Redis.
// Usage: node status-page.js --url http://127.0.0.1:PORT --token TOKEN --screenshot FILE
//                            --retry JOB_ID [--chromium /usr/bin/chromium]
// Steps: the page without a token (status, whether any number shows), sign in through the
// form, read the numbers and tables, screenshot, press the retry button of JOB_ID, read again.
"use strict";

const { chromium } = require("playwright-core");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) {
    if (fallback !== undefined) return fallback;
    console.error(`status-page.js: --${name} is required`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

const url = arg("url");
const token = arg("token");
const screenshot = arg("screenshot");
const retryJob = arg("retry");
const executablePath = arg("chromium", "/usr/bin/chromium");

async function readPage(page) {
  return page.evaluate(() => {
    const text = (id) => {
      const el = document.getElementById(id);
      return el ? el.textContent.trim() : null;
    };
    const rows = (id) => {
      const table = document.getElementById(id);
      if (!table || table.tagName !== "TABLE") return [];
      return [...table.querySelectorAll("tr")].slice(1).map((tr) =>
        [...tr.querySelectorAll("td")].map((td) => td.textContent));
    };
    return {
      counts: {
        queued: text("count-queued"),
        running: text("count-running"),
        retrying: text("count-retrying"),
        dead: text("count-dead"),
        done: text("count-done"),
      },
      dead: rows("dead-letters"),
      running: rows("running"),
      workers: rows("workers"),
      charts: ["chart-done", "chart-failed", "chart-v7"].filter((id) => document.getElementById(id)),
      retryButtons: [...document.querySelectorAll("button.retry")].map((b) => b.dataset.job),
      scriptElements: document.querySelectorAll("script").length,
      injectedScriptRan: window.__patchqInjected === true,
    };
  });
}

async function main() {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    timeout: 30000,
  });
  const result = { cspViolations: [], consoleErrors: [] };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on("console", (msg) => {
      if (msg.type() === "error") {
        const t = msg.text();
        (/Content Security Policy/i.test(t) ? result.cspViolations : result.consoleErrors).push(t);
      }
    });

    const refused = await page.goto(`${url}/status`);
    result.withoutToken = {
      status: refused.status(),
      showsNumbers: (await page.$("#count-queued")) !== null,
      hasLoginForm: (await page.$("form[action='/status/login']")) !== null,
    };

    await page.fill("#token", token);
    await Promise.all([page.waitForNavigation(), page.click("#login")]);
    result.afterLogin = { url: page.url(), ...(await readPage(page)) };
    await page.screenshot({ path: screenshot, fullPage: true });

    const button = page.locator(`button.retry[data-job="${retryJob}"]`);
    result.retryButtonFound = (await button.count()) === 1;
    if (result.retryButtonFound) {
      const [response] = await Promise.all([page.waitForNavigation(), button.click()]);
      result.afterRetry = { url: page.url(), status: response ? response.status() : 0,
                            ...(await readPage(page)) };
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err) => {
  console.error(`status-page.js: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
