// Renders the examples with the shipped TextMate grammar (shiki, with VS Code's own Dark+ and
// Light+ themes) to HTML, for headless Chromium to photograph: the screenshots in
// docs/editors/. Run through editors/vscode/test/screenshots.sh.
//
//   node screenshots.mjs OUT_DIR   (with shiki importable: NODE_PATH or a local install)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHighlighter } from "shiki";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const out = process.argv[2];
const grammar = JSON.parse(fs.readFileSync(path.join(here, "../syntaxes/fenceline.tmLanguage.json"), "utf8"));
const highlighter = await createHighlighter({
  themes: ["dark-plus", "light-plus"],
  langs: [{ ...grammar, name: "fenceline" }],
});
// One screenful of each: the lines between these markers (zones, a conduit, a device).
const shots = [
  { file: "examples/substation.fence", from: "zone control-center {", lines: 34, theme: "dark-plus" },
  { file: "examples/substation.fence", from: "firewall fw-idmz {", lines: 22, theme: "light-plus" },
  { file: "examples/water-treatment.fence", from: "conduit ", lines: 30, theme: "dark-plus" },
];
for (const [i, s] of shots.entries()) {
  const text = fs.readFileSync(path.join(repo, s.file), "utf8");
  const start = text.indexOf(s.from);
  const body = text.slice(start).split("\n").slice(0, s.lines).join("\n");
  const html = highlighter.codeToHtml(body, { lang: "fenceline", theme: s.theme });
  const page = `<!doctype html><meta charset="utf-8"><style>
    body { margin: 0; background: ${s.theme === "dark-plus" ? "#1e1e1e" : "#ffffff"}; }
    pre { margin: 0; padding: 16px 20px; font: 14px/1.45 "DejaVu Sans Mono", monospace; }
  </style>${html}`;
  fs.writeFileSync(path.join(out, `shot-${i + 1}.html`), page);
  console.log(`${s.file} ${s.theme}`);
}
