#!/usr/bin/env bash
# Installs a real VS Code for the editor tests: code-server (VS Code 1.100 = the workbench and
# the Node extension host of desktop VS Code, served to a browser) plus Debian's headless
# Chromium to drive it. Follows the verified recipe in shared/ENVIRONMENT.md.
#
# Idempotent: missing apt packages are installed (apt-get update only when something is
# missing); code-server goes into the git-ignored .tools/code-server/, never into the
# extension's own node_modules. A marker file makes a second run return in about a second.
#
# Usage: bash scripts/editor/setup.sh [--force]
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools/code-server"
MARKER="$TOOLS/.setup-complete"
APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium)

log() { printf '[editor setup] %s\n' "$*"; }
started=$SECONDS
LOG="$(mktemp -t optin-editor-setup.XXXXXX)"
trap 'rm -f "$LOG"' EXIT
# Runs a command with its output in $LOG; shows the end of it if the command fails.
quiet() {
  if ! "$@" >"$LOG" 2>&1; then
    log "failed: $*"
    tail -n 40 "$LOG"
    exit 1
  fi
}
# `npm run` exports .npmrc keys; this one is not npm's own and makes nested npm calls warn.
unset npm_config_onnxruntime_node_install

# --- 1. Debian packages -------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  log "apt-get install ${missing[*]}"
  quiet $SUDO apt-get update
  quiet $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
for exe in /usr/bin/chromium /usr/bin/rg; do
  [ -x "$exe" ] || { log "missing $exe after apt-get install"; exit 1; }
done

# --- 2. code-server -----------------------------------------------------------------------
if [ "${1:-}" != "--force" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$CODE_SERVER_VERSION" ] \
   && [ -f "$TOOLS/node_modules/code-server/out/node/entry.js" ]; then
  log "code-server $CODE_SERVER_VERSION already set up in .tools/code-server ($((SECONDS - started)) s)"
  exit 0
fi
rm -f "$MARKER"
mkdir -p "$TOOLS"
# A package.json of its own makes .tools/code-server an npm project apart from the extension.
if [ ! -f "$TOOLS/package.json" ]; then
  printf '{\n  "name": "optin-editor-tools",\n  "private": true\n}\n' > "$TOOLS/package.json"
fi
NPM_FLAGS=(--no-audit --no-fund --loglevel=error)

log "npm install code-server@$CODE_SERVER_VERSION (scripts off) in .tools/code-server"
(cd "$TOOLS" && quiet npm install "${NPM_FLAGS[@]}" --ignore-scripts --save-exact "code-server@$CODE_SERVER_VERSION")

VSCODE_DIR="$TOOLS/node_modules/code-server/lib/vscode"
log "VS Code's own production dependencies (lib/vscode)"
(
  cd "$VSCODE_DIR"
  quiet npm install "${NPM_FLAGS[@]}" --omit=dev --ignore-scripts
  # @vscode/ripgrep's postinstall downloads rg from GitHub; Debian's rg is the same program.
  mkdir -p node_modules/@vscode/ripgrep/bin
  ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
  log "npm rebuild (native modules of VS Code)"
  quiet env npm_config_yes=true npm rebuild "${NPM_FLAGS[@]}"
  # The server looks for node_modules.asar; the unpacked folder serves as well.
  ln -sfn node_modules node_modules.asar
)

log "argon2 (node-pre-gyp rebuild)"
ARGON2_DIR="$TOOLS/node_modules/argon2"
if [ -d "$ARGON2_DIR" ]; then
  (cd "$ARGON2_DIR" && quiet npx --yes node-pre-gyp rebuild -C .)
fi

[ -f "$TOOLS/node_modules/code-server/out/node/entry.js" ] || { log "code-server entry point missing"; exit 1; }
echo "$CODE_SERVER_VERSION" > "$MARKER"
log "done in $((SECONDS - started)) s"
