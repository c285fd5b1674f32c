// The TextMate grammar against every example and fixture policy: every token that is not
// whitespace gets a scope of its own (none is left as bare `source.fenceline`), the keywords are
// exactly the pest grammar's (`kw_` rules), and a few tokens get the scope they must.
//
//   node test/grammar.js            (after `npm ci` in editors/vscode)
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = __dirname;
const repo = path.resolve(here, "../../..");
const grammarPath = path.join(here, "../syntaxes/fenceline.tmLanguage.json");

function policies() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".fence")) out.push(p);
    }
  };
  walk(path.join(repo, "examples"));
  walk(path.join(repo, "tests/include"));
  return out;
}

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  const grammar = await registry.loadGrammar("source.fenceline");
  const failures = [];

  // The keywords: the pest grammar's `kw_NAME = @{ "word" ... }`, and `self`.
  const pest = fs.readFileSync(path.join(repo, "grammar/fenceline.pest"), "utf8");
  const pestKeywords = [...pest.matchAll(/^kw_\w+\s*=\s*@\{\s*"([a-z-]+)"/gm)].map((m) => m[1]);
  const raw = JSON.parse(fs.readFileSync(grammarPath, "utf8"));
  const tmKeywords = raw.repository.keyword.match.match(/\(([a-z|-]+)\)/)[1].split("|");
  for (const k of pestKeywords) if (!tmKeywords.includes(k)) failures.push(`keyword \`${k}\` of the pest grammar is not in the TextMate grammar`);
  for (const k of tmKeywords) if (k !== "self" && !pestKeywords.includes(k)) failures.push(`keyword \`${k}\` of the TextMate grammar is not in the pest grammar`);

  let tokens = 0;
  const seen = {};
  for (const file of policies()) {
    const rel = path.relative(repo, file);
    let state = vsctm.INITIAL;
    const lines = fs.readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, state);
      state = r.ruleStack;
      for (const t of r.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (!text.trim()) continue;
        tokens++;
        const scope = t.scopes[t.scopes.length - 1];
        if (t.scopes.length < 2) failures.push(`${rel}:${i + 1}:${t.startIndex + 1}: \`${text}\` has no scope`);
        seen[text] = seen[text] || scope;
      }
    });
  }
  const expect = {
    zone: "keyword.declaration.zone.fenceline",
    allow: "keyword.other.fenceline",
    "->": "keyword.operator.arrow.fenceline",
    "FR5-017": "constant.other.rule-id.fenceline",
    "10.30.0.0/24": "constant.numeric.address.fenceline",
    "control-center": "entity.name.namespace.zone.fenceline",
    "udp/514": "constant.other.service-item.fenceline",
  };
  for (const [text, scope] of Object.entries(expect)) {
    if (seen[text] !== scope) failures.push(`\`${text}\` is ${seen[text]}, expected ${scope}`);
  }
  if (failures.length) {
    console.error(failures.join("\n"));
    process.exit(1);
  }
  console.log(`${tokens} tokens of ${policies().length} policies scoped`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
