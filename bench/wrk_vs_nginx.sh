#!/usr/bin/env bash
# bench/wrk_vs_nginx.sh — the gateway benchmark of issue 2: a 2 KB JSON POST through
# bulwark and, in the same run, through an nginx reverse proxy that injects the vendor key,
# both to the same local upstream (nginx answering a fixed JSON), keep-alive to the
# upstream on both. Prints requests/s and p99 for each and the ratio bulwark/nginx.
#
#   bench/wrk_vs_nginx.sh            # uses build/bulwark (cmake --preset release && cmake --build --preset release --target bulwark)
#   BIN=path/to/bulwark DURATION=30s CONNS=128 bench/wrk_vs_nginx.sh
#
# Environment: BIN, DURATION (15s), THREADS (2), CONNS (64), WARMUP (3s), ROUNDS (1; with
# more, nginx and bulwark alternate and the best round of each is reported),
# PORT_BASE (18100: upstream, +1 nginx proxy, +2 bulwark, +3 bulwark admin), PII (the
# provider's pii mode, default "redact" = the full pipeline; "allow" skips the scan),
# ACCESS_LOG (bulwark's log.access, default a file like nginx's access_log; "off").
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
source "$ROOT/bench/lib_wrk.sh"
BIN=${BIN:-$ROOT/build/bulwark}
DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-3s}
ROUNDS=${ROUNDS:-1}
PORT_BASE=${PORT_BASE:-18100}
PII=${PII:-redact}
ACCESS_LOG=${ACCESS_LOG:-var/access.log}
UP_PORT=$PORT_BASE
NGINX_PORT=$((PORT_BASE + 1))
BW_PORT=$((PORT_BASE + 2))
BW_ADMIN_PORT=$((PORT_BASE + 3))
VENDOR_KEY=bench_$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')

require_tools nginx wrk
[[ -x $BIN ]] || die "$BIN not found: cmake --preset release && cmake --build --preset release --target bulwark"
require_free_ports "$UP_PORT" "$NGINX_PORT" "$BW_PORT" "$BW_ADMIN_PORT"

bench_tmp bulwark-bench
start_upstream "$UP_PORT"  # nginx answering a fixed JSON

# --- nginx reverse proxy injecting the vendor key ------------------------------------------
mkdir -p "$TMP/proxy"
cat >"$TMP/proxy/nginx.conf" <<CONF
worker_processes auto;
pid $TMP/proxy/nginx.pid;
error_log $TMP/proxy/error.log warn;
events { worker_connections 4096; }
http {
  access_log $TMP/proxy/access.log;
  keepalive_requests 1000000;
  client_body_buffer_size 16k;
  upstream vendor {
    server 127.0.0.1:$UP_PORT;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT reuseport backlog=4096;
    location /heygen/ {
      proxy_pass http://vendor/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "";
      proxy_set_header X-Api-Key "$VENDOR_KEY";
    }
  }
}
CONF

start_nginx "$TMP/proxy"

# --- bulwark: full pipeline, provider heygen at the same upstream ---------------------------
bulwark_init "$TMP/bw"
cat >"$TMP/bw/bulwark.toml" <<CONF
[server]
listen = "127.0.0.1:$BW_PORT"
admin_listen = "127.0.0.1:$BW_ADMIN_PORT"

[store]
url = "sqlite://var/bulwark.db"

[secrets]
master_key_file = "var/master.key"

[log]
access = "$ACCESS_LOG"

[providers.heygen]
base_url = "http://127.0.0.1:$UP_PORT"
secret = "heygen"
passthrough = true
pii = "$PII"
CONF
BW=("$BIN" --config "$TMP/bw/bulwark.toml")
printf %s "$VENDOR_KEY" | "${BW[@]}" secrets set heygen >/dev/null
KEY=$("${BW[@]}" keys create --name bench --scope '*' | key_of)
"${BW[@]}" serve >"$TMP/bw/serve.log" 2>&1 &
PIDS+=($!)

for port in $UP_PORT $NGINX_PORT $BW_PORT; do wait_port "$port"; done

export BENCH_KEY=$KEY BENCH_PATH=/heygen/v2/video/generate
for target in "nginx:$NGINX_PORT" "bulwark:$BW_PORT"; do
  expect_200 "${target%%:*}" "$KEY" "http://127.0.0.1:${target#*:}$BENCH_PATH"
done

WRK=(wrk -t"$THREADS" -c"$CONNS" --latency -s "$ROOT/bench/post2k.lua")
say "cmd: ${WRK[*]} -d$DURATION http://127.0.0.1:PORT  (nproc=$(nproc), $(nginx -v 2>&1), bulwark $("$BIN" --version 2>/dev/null || echo '?'), pii=$PII)"

declare -A BEST_RPS BEST_P99
for ((round = 1; round <= ROUNDS; round++)); do
  for target in "nginx:$NGINX_PORT" "bulwark:$BW_PORT"; do
    name=${target%%:*}
    url=http://127.0.0.1:${target#*:}
    "${WRK[@]}" -d"$WARMUP" "$url" >/dev/null
    "${WRK[@]}" -d"$DURATION" "$url" >"$TMP/$name.$round.txt"
    read -r rps p99 bad sock < <(parse_wrk "$TMP/$name.$round.txt")
    say "round $round $name: ${rps} req/s, p99 ${p99} ms, non-2xx $bad, $sock"
    ((bad == 0)) || { cat "$TMP/$name.$round.txt" >&2; die "$name answered non-2xx during the run"; }
    if [[ -z ${BEST_RPS[$name]:-} ]] || ((rps > BEST_RPS[$name])); then
      BEST_RPS[$name]=$rps
      BEST_P99[$name]=$p99
      cp "$TMP/$name.$round.txt" "$TMP/$name.best.txt"
    fi
  done
done

for name in nginx bulwark; do
  printf '\n--- wrk output, %s ---\n' "$name"
  cat "$TMP/$name.best.txt"
done
python3 - "${BEST_RPS[nginx]}" "${BEST_P99[nginx]}" "${BEST_RPS[bulwark]}" "${BEST_P99[bulwark]}" <<'PY'
import sys
nr, np99, br, bp99 = map(float, sys.argv[1:])
print()
print(f"{'':10} {'req/s':>10} {'p99 (ms)':>10}")
print(f"{'nginx':10} {nr:>10.0f} {np99:>10.2f}")
print(f"{'bulwark':10} {br:>10.0f} {bp99:>10.2f}")
print(f"ratio bulwark/nginx: throughput {br / nr:.2f}x, p99 {bp99 / np99:.2f}x")
PY
