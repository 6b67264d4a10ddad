// validate-kubernetes.mjs: checks deploy/kubernetes/*.yaml offline against Kubernetes' own
// OpenAPI schemas (the kubernetes-models package): types and values by its validators, field
// names by walking the type declarations it ships (its validators accept unknown fields, as the
// API server's non-strict mode would). Then what the schemas cannot say: the attack is an Indexed Job whose completions, parallelism and SHARDS agree, and
// the Dockerfile builds with the scripts CI runs. A broken copy must fail, or the check proves
// nothing. Run by ci/validate-kubernetes.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";

// A package module's declaration file, by path under node_modules (the packages' "exports"
// maps do not list their .d.ts files).
const modules = path.join(process.cwd(), "build/k8s-validate/node_modules");
const declaration = (module) => path.join(modules, module.replace(/\.js$/, "") + ".d.ts");

// The properties of the interface declared first in `dts` (a kubernetes-models .d.ts): name ->
// {type, file} for interface-typed ones; maps ("{ [key: string]: ... }") are "map".
const interfaces = new Map();
function properties(dts) {
  if (interfaces.has(dts)) return interfaces.get(dts);
  const text = fs.readFileSync(dts, "utf8");
  const imports = {};
  for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) imports[m[1]] = m[2];
  const body = text.slice(text.indexOf("export interface"), text.indexOf("\n}", text.indexOf("export interface")));
  const props = {};
  for (const m of body.matchAll(/^    "([^"]+)"\??: (.*)$/gm)) {
    let type = m[2].replace(/;$/, "").trim();
    const array = type.match(/^Array<(\w+)>$/);
    if (array) type = array[1];
    let file = null;
    if (imports[type]) {
      const from = imports[type];
      file = from.startsWith(".") ? path.join(path.dirname(dts), from.replace(/\.js$/, ".d.ts"))
                                  : declaration(from);
    }
    props[m[1]] = { map: type === "{", file };
  }
  interfaces.set(dts, props);
  return props;
}

// Every key of `obj` must be a property of the type in `dts`, all the way down.
function strict(obj, dts, where, problems) {
  if (Array.isArray(obj)) return obj.forEach((o, i) => strict(o, dts, `${where}[${i}]`, problems));
  if (obj === null || typeof obj !== "object") return;
  const props = properties(dts);
  for (const [k, v] of Object.entries(obj)) {
    const p = props[k];
    if (!p) problems.push(`${where}.${k}: unknown field`);
    else if (p.file && !p.map) strict(v, p.file, `${where}.${k}`, problems);
  }
}

const dir = process.argv[2];
const models = {
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/PersistentVolumeClaim": "kubernetes-models/v1/PersistentVolumeClaim",
  "batch/v1/Job": "kubernetes-models/batch/v1/Job",
};

async function validate(doc, where) {
  const key = `${doc.apiVersion}/${doc.kind}`;
  if (!models[key]) throw new Error(`${where}: no schema for ${key}`);
  const mod = await import(models[key]);
  new mod[doc.kind](doc).validate();  // throws on a wrong type or value
  const problems = [];
  strict(doc, declaration(models[key]), `${where}: ${doc.kind}`, problems);
  if (problems.length) throw new Error(problems.join("; "));
}

let failures = 0;
const docs = [];
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  for (const doc of yaml.loadAll(fs.readFileSync(path.join(dir, file), "utf8"))) {
    if (!doc) continue;
    try {
      await validate(doc, file);
      console.log(`ok    ${file}: ${doc.kind} ${doc.metadata.name}`);
      docs.push({ file, doc });
    } catch (e) {
      console.log(`FAIL  ${file}: ${e.message}`);
      failures++;
    }
  }
}

const attack = docs.find((d) => d.doc.kind === "Job" && d.doc.spec.completionMode === "Indexed");
if (!attack) {
  console.log("FAIL  no Indexed Job (the shards)");
  failures++;
} else {
  const spec = attack.doc.spec;
  const env = spec.template.spec.containers[0].env.find((e) => e.name === "SHARDS");
  if (spec.completions !== spec.parallelism || String(spec.completions) !== env.value) {
    console.log(`FAIL  ${attack.file}: completions ${spec.completions}, parallelism ${spec.parallelism}, SHARDS ${env.value} differ`);
    failures++;
  } else {
    console.log(`ok    ${attack.file}: ${spec.completions} shards (completions = parallelism = SHARDS)`);
  }
  // The validator must reject what is wrong, or it checks nothing.
  for (const [what, breakIt] of [
    ["a wrong type", (j) => (j.spec.completions = "four")],
    ["an unknown field", (j) => (j.spec.template.spec.containers[0].imagePullPolice = "Always")],
  ]) {
    const broken = structuredClone(attack.doc);
    breakIt(broken);
    try {
      await validate(broken, "broken copy");
      console.log(`FAIL  a Job with ${what} passed the check`);
      failures++;
    } catch (e) {
      console.log(`ok    a copy with ${what} is refused (${e.message.split("\n")[0].slice(0, 110)})`);
    }
  }
}

const dockerfile = fs.readFileSync(path.join(dir, "Dockerfile"), "utf8");
for (const step of ["ci/install-deps && ci/build", "install-deps --runtime"]) {
  if (dockerfile.includes(step)) console.log(`ok    Dockerfile runs ${step}`);
  else {
    console.log(`FAIL  Dockerfile does not run ${step} (the scripts CI runs)`);
    failures++;
  }
}
process.exit(failures ? 1 : 0);
