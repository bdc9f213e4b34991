// Report: collects the outcome of named checks in one deploy test and sets the exit code.
// Every check prints one line; the process exits 1 when any check failed, so ctest reports the
// test as failed with the reasons on stdout. A check that cannot run (missing tool) is a failure,
// never a skip.
"use strict";

class Report {
  constructor(title) {
    this.title = title;
    this.failures = 0;
    this.passes = 0;
  }

  // Records one check: `problems` is an array of human-readable reasons (empty = pass).
  check(name, problems) {
    const list = Array.isArray(problems) ? problems : problems ? [String(problems)] : [];
    if (list.length === 0) {
      this.passes += 1;
      console.log(`ok    ${name}`);
    } else {
      this.failures += 1;
      console.log(`FAIL  ${name}`);
      for (const p of list) console.log(`        - ${p}`);
    }
  }

  // Runs fn (which returns a problem list) and turns a thrown error into a failure.
  run(name, fn) {
    let problems;
    try {
      problems = fn();
    } catch (err) {
      problems = [err && err.message ? err.message : String(err)];
    }
    this.check(name, problems);
  }

  finish() {
    console.log(`${this.title}: ${this.passes} passed, ${this.failures} failed`);
    process.exit(this.failures === 0 ? 0 : 1);
  }
}

module.exports = { Report };
