#!/usr/bin/env bash
# Install the external validators that tests/validators/ runs against emitted files:
#   - Debian packages: squid (`squid -k parse`), graphviz (`dot`, for `agentpol graph`),
#     chromium (the headless browser that loads `agentpol report`'s page, driven by playwright
#     from PyPI with executable_path=/usr/bin/chromium; playwright's own browser download is
#     never used)
#   - npm packages pinned in tests/node/package-lock.json: @anthropic-ai/sandbox-runtime,
#     @octokit/openapi, and vscode-textmate + vscode-oniguruma (VS Code's tokenizer, for the
#     editors/ grammar test), installed into tests/node/node_modules
# Idempotent and non-interactive: installs only what is missing, and runs `apt-get update` only
# when it has something to install. Python packages come from `pip install -e '.[test]'`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    echo "install-validators: need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

# --- Debian packages ---------------------------------------------------------------------------
missing=()
command -v squid >/dev/null 2>&1 || [ -x /usr/sbin/squid ] || missing+=(squid)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-validators: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# squid lives in /usr/sbin, which is not on every user's PATH
if ! command -v squid >/dev/null 2>&1 && [ -x /usr/sbin/squid ]; then
  echo "install-validators: note: squid is /usr/sbin/squid; add /usr/sbin to PATH for the tests" >&2
fi

# --- npm packages ------------------------------------------------------------------------------
node_dir=tests/node
stamp="$node_dir/node_modules/.agentpol-installed"
if [ -f "$node_dir/package-lock.json" ]; then
  want="$(cat "$node_dir/package.json" "$node_dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "install-validators: $node_dir/node_modules is up to date"
  else
    echo "install-validators: npm ci --prefix $node_dir"
    npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
else
  echo "install-validators: no package-lock.json; npm install --prefix $node_dir"
  npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error
fi

# --- report ------------------------------------------------------------------------------------
squid_bin="$(command -v squid || echo /usr/sbin/squid)"
echo "install-validators: $("$squid_bin" -v | head -n1)"
echo "install-validators: $(dot -V 2>&1)"
echo "install-validators: node $(node --version), npm $(npm --version)"
echo "install-validators: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium: missing')"
for pkg in @anthropic-ai/sandbox-runtime @octokit/openapi vscode-textmate vscode-oniguruma; do
  echo "install-validators: $pkg $(node -p "require('./$node_dir/node_modules/$pkg/package.json').version")"
done
