// Schema: validates rendered Kubernetes objects against the API's published schemas, twice.
//  1. kubernetes-models' validate() (JSON schema from the OpenAPI spec, KEDA's CRDs for keda.sh):
//     required fields, types, formats, enums.
//  2. TypeScript's excess-property check against the same models' type definitions: the OpenAPI
//     schemas allow unknown fields, so a misspelt `readinesProbe` would pass (1) and be silently
//     dropped by the API server; as an object literal typed I<Kind> it is a compile error.
// Objects of a kind without a model are reported, not passed over.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");

const nodeModules = path.resolve(__dirname, "..", "node_modules");

// apiVersion -> module folder holding one file per kind.
function modelModule(apiVersion) {
  if (apiVersion === "keda.sh/v1alpha1") return "@kubernetes-models/keda/keda.sh/v1alpha1";
  if (!/^[a-z0-9.]+(\/v[0-9a-z]+)?$/.test(apiVersion)) return null;
  return `kubernetes-models/${apiVersion}`;
}

function describe(obj) {
  const ns = obj.metadata && obj.metadata.namespace ? `${obj.metadata.namespace}/` : "";
  return `${obj.kind} ${ns}${obj.metadata ? obj.metadata.name : "?"}`;
}

function modelPath(obj) {
  const mod = modelModule(String(obj.apiVersion || ""));
  if (!mod || !/^[A-Za-z]+$/.test(String(obj.kind || ""))) return null;
  const file = path.join(nodeModules, mod, `${obj.kind}.js`);
  return fs.existsSync(file) ? `${mod}/${obj.kind}` : null;
}

// Returns problems from the runtime JSON-schema validation of each object.
function validateRuntime(objects) {
  const problems = [];
  for (const obj of objects) {
    const mp = modelPath(obj);
    if (!mp) {
      problems.push(`${describe(obj)}: no schema for apiVersion ${obj.apiVersion}`);
      continue;
    }
    const Model = require(path.join(nodeModules, mp))[obj.kind];
    try {
      new Model(obj).validate();
    } catch (err) {
      problems.push(`${describe(obj)}: ${err.message}`);
    }
  }
  return problems;
}

// Returns problems from type-checking every object as a literal of its model's interface.
function validateTypes(objects) {
  const ts = require("typescript");
  const problems = [];
  const lines = [];
  const labels = [];
  objects.forEach((obj, i) => {
    const mp = modelPath(obj);
    if (!mp) return;  // reported by validateRuntime
    lines.push(`import type { I${obj.kind} as T${i} } from "${mp}";`);
    labels.push({ i, name: describe(obj) });
  });
  // Each literal starts on its own line; remember where, to name the object in diagnostics.
  const starts = [];
  let text = lines.join("\n") + "\n";
  let line = lines.length;
  for (const { i, name } of labels) {
    const literal = `export const o${i}: T${i} = ${JSON.stringify(objects[i], null, 1)};\n`;
    starts.push({ line, name });
    text += literal;
    line += literal.split("\n").length - 1;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchq-deploy-types-"));
  const file = path.join(dir, "objects.ts");
  try {
    fs.writeFileSync(file, text);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2020,
      baseUrl: dir,
      paths: { "*": [path.join(nodeModules, "*")] },
    });
    const source = program.getSourceFile(file);
    // Map a diagnostic's line back to the object whose literal contains it.
    const objectAt = (line) => {
      let hit = null;
      for (const s of starts) if (s.line <= line) hit = s;
      return hit ? hit.name : "(imports)";
    };
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
      if (d.file === source && d.start !== undefined) {
        const { line } = source.getLineAndCharacterOfPosition(d.start);
        const at = source.text.split("\n")[line].trim();
        problems.push(`${objectAt(line)}: ${message} [at ${at.slice(0, 80)}]`);
      } else {
        problems.push(message);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

module.exports = { validateRuntime, validateTypes, describe };
