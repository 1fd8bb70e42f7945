# bench/lib_wrk.sh — what the wrk benchmarks share (sourced, not run): logging, the tools
# check, a temporary folder whose processes are stopped on exit, the local nginx upstream
# answering a fixed JSON, `bulwark init` + key extraction, waiting for a port, the
# "answers 200" pre-flight and the wrk output parser.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib_wrk.sh"
#   bench_tmp bulwark-bench                  # sets TMP, PIDS; cleans up on exit
#   start_upstream "$UP_PORT"                # nginx in $TMP/upstream
#   ...
#   read -r rps p99 bad sock < <(parse_wrk "$TMP/run.txt")
#
# Scripts set -euo pipefail themselves and cd to the repo root before sourcing.

say() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# require_tools TOOL... — installs the missing ones with apt-get when running as root
# (Debian package names equal the command names here), else stops with a hint.
require_tools() {
  local missing=() tool
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) != 0 ]]; then die "${missing[*]} needed (apt-get install ${missing[*]})"; fi
  say "installing ${missing[*]}"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# require_free_ports PORT... — stops if something already listens on one of them.
require_free_ports() {
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is in use (set PORT_BASE)"; fi
  done
}

# bench_tmp PREFIX — a fresh folder in $TMP; every pid added to PIDS is stopped on exit.
bench_tmp() {
  TMP=$(mktemp -d "/tmp/$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}

# start_nginx DIR — runs nginx with DIR/nginx.conf in the foreground of a background job.
start_nginx() {
  nginx -p "$1" -c "$1/nginx.conf" -g 'daemon off;' 2>>"$1/error.log" &
  PIDS+=($!)
}

# start_upstream PORT — the fake vendor: nginx in $TMP/upstream answering every request
# with a fixed JSON (keep-alive, no access log).
start_upstream() {
  mkdir -p "$TMP/upstream"
  cat >"$TMP/upstream/nginx.conf" <<CONF
worker_processes 1;
pid $TMP/upstream/nginx.pid;
error_log $TMP/upstream/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_buffer_size 16k;
  server {
    listen 127.0.0.1:$1 reuseport backlog=4096;
    default_type application/json;
    location / { return 200 '{"data":{"video_id":"0123456789abcdef0123456789abcdef"},"error":null}'; }
  }
}
CONF
  start_nginx "$TMP/upstream"
}

# bulwark_init DIR — `bulwark init --dir DIR`; the caller then writes DIR/bulwark.toml.
bulwark_init() {
  "$BIN" init --dir "$1" >/dev/null 2>&1 || die "bulwark init --dir $1 failed"
}

# key_of — reads `keys create` JSON on stdin, prints the key.
key_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }

# wait_port PORT — until something listens there (10 s at most).
wait_port() {
  local i
  for ((i = 0; i < 100; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  die "nothing listening on $1 (logs in $TMP)"
}

# expect_200 NAME KEY URL — one small POST through URL must answer 200 before measuring.
expect_200() {
  local code
  code=$(curl -s -o "$TMP/check.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $2" \
         -H 'Content-Type: application/json' -d '{"test":true}' "$3")
  [[ $code == 200 ]] || die "$1 answered $code: $(cat "$TMP/check.json")"
}

# parse_wrk FILE — wrk --latency output -> "rps p99_ms non2xx ok|socket-errors".
parse_wrk() {
  python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
err = re.search(r"Socket errors:.*", t)
bad = int(non2xx.group(1)) if non2xx else 0
print(f"{rps:.0f} {p99:.3f} {bad} {'socket-errors' if err else 'ok'}")
PY
}
