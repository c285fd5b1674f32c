#!/usr/bin/env bash
# The screenshots of docs/editors.md: the examples highlighted by the shipped TextMate grammar
# (shiki, from npm) and photographed by Debian's headless Chromium.
#
#   editors/vscode/test/screenshots.sh     (needs node, npm, chromium; writes docs/editors/*.png)
set -euo pipefail
cd "$(dirname "$0")/../../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --prefix "$work" --no-audit --no-fund --loglevel=error shiki@3.23.0 >/dev/null
cp editors/vscode/test/screenshots.mjs "$work/"
sed -i "s|const here = .*|const here = \"$PWD/editors/vscode/test\";|" "$work/screenshots.mjs"
node "$work/screenshots.mjs" "$work"
sizes=("900,560" "900,400" "900,520")
for i in 1 2 3; do
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --hide-scrollbars --window-size="${sizes[$((i - 1))]}" \
    --screenshot="docs/editors/example-$i.png" "file://$work/shot-$i.html" 2>/dev/null
done
ls -l docs/editors/
