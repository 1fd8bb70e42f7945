#!/usr/bin/env bash
# bench/wrk_limits.sh — issue 4: gateway throughput with every traffic limit on, against the
# same run without them. One `bulwark serve` (2 workers), one local nginx upstream answering
# a fixed JSON, wrk posting the 2 KB video.generate body of bench/post2k.lua:
#
#   plain    provider "heygen", a key with no --rate and no --quota
#   limited  provider "limited" (same upstream) with providers.limited.rate, max_concurrent,
#            the default breaker and retry budget; a key with --rate N/s,
#            --rate video.generate=N/s and --quota N/d in tenant "acme", which has a
#            [tenants.acme] quota; limits high enough that nothing is refused, so every
#            request pays for every check (3 GCRA limits, 4 quota counters x 2 units,
#            breaker, budget, concurrency gate) and its usage is flushed to SQLite.
#
#   BIN=build-bench/bulwark ROUNDS=2 bench/wrk_limits.sh
#
# Environment: BIN, DURATION (10s), THREADS (2), CONNS (64), WARMUP (2s), ROUNDS (1; the
# two variants alternate and the best round of each is kept), PORT_BASE (18200), PII
# (default "allow": measure the limits, not the scanner).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/build/bulwark}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-1}
PORT_BASE=${PORT_BASE:-18200}
PII=${PII:-allow}
UP_PORT=$PORT_BASE
BW_PORT=$((PORT_BASE + 2))
BW_ADMIN_PORT=$((PORT_BASE + 3))
BIG=1000000000

say() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

command -v nginx >/dev/null || die "nginx is needed (apt-get install nginx)"
command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"
[[ -x $BIN ]] || die "$BIN not found: cmake --preset bench && cmake --build build-bench --target bulwark"

TMP=$(mktemp -d /tmp/bulwark-limits.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

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
    listen 127.0.0.1:$UP_PORT reuseport backlog=4096;
    default_type application/json;
    location / { return 200 '{"data":{"video_id":"0123456789abcdef0123456789abcdef"},"error":null}'; }
  }
}
CONF
nginx -p "$TMP/upstream" -c "$TMP/upstream/nginx.conf" -g 'daemon off;' 2>>"$TMP/upstream/error.log" &
PIDS+=($!)

"$BIN" init --dir "$TMP/bw" >/dev/null 2>&1
cat >"$TMP/bw/bulwark.toml" <<CONF
[server]
listen = "127.0.0.1:$BW_PORT"
admin_listen = "127.0.0.1:$BW_ADMIN_PORT"
workers = 2

[store]
url = "sqlite://var/bulwark.db"

[secrets]
master_key_file = "var/master.key"

[log]
access = "var/access.log"

[providers.heygen]
base_url = "http://127.0.0.1:$UP_PORT"
pii = "$PII"

[providers.limited]
profile = "heygen"
base_url = "http://127.0.0.1:$UP_PORT"
secret = "heygen"
pii = "$PII"
rate = ["$BIG/s", "video.generate=$BIG/s"]
max_concurrent = 10000
queue_size = 1000

[tenants.acme]
quota = ["$BIG/d", "video_seconds:$BIG/mo"]
CONF
BW=("$BIN" --config "$TMP/bw/bulwark.toml")
printf %s "bench-vendor-key" | "${BW[@]}" secrets set heygen >/dev/null
key_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }
PLAIN_KEY=$("${BW[@]}" keys create --name plain --scope '*' | key_of)
LIMITED_KEY=$("${BW[@]}" keys create --name limited --scope '*' --tenant acme \
              --rate "$BIG/s" --rate "video.generate=$BIG/s" --quota "$BIG/d" \
              --quota "video_seconds:$BIG/mo" | key_of)
"${BW[@]}" serve >"$TMP/bw/serve.log" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do
  (exec 3<>"/dev/tcp/127.0.0.1/$BW_PORT") 2>/dev/null && break
  sleep 0.1
done

parse() {
  python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
print(f"{rps:.0f} {p99:.3f} {int(non2xx.group(1)) if non2xx else 0}")
PY
}

WRK=(wrk -t"$THREADS" -c"$CONNS" --latency -s "$ROOT/bench/post2k.lua")
say "cmd: ${WRK[*]} -d$DURATION (nproc=$(nproc), pii=$PII)"
declare -A BEST_RPS BEST_P99
for ((round = 1; round <= ROUNDS; round++)); do
  for variant in plain limited; do
    if [[ $variant == plain ]]; then
      export BENCH_KEY=$PLAIN_KEY BENCH_PATH=/heygen/v2/video/generate
    else
      export BENCH_KEY=$LIMITED_KEY BENCH_PATH=/limited/v2/video/generate
    fi
    code=$(curl -s -o "$TMP/check.json" -w '%{http_code}' -X POST \
           -H "Authorization: Bearer $BENCH_KEY" -H 'Content-Type: application/json' \
           -d '{"test":true}' "http://127.0.0.1:$BW_PORT$BENCH_PATH")
    [[ $code == 200 ]] || die "$variant answered $code: $(cat "$TMP/check.json")"
    "${WRK[@]}" -d"$WARMUP" "http://127.0.0.1:$BW_PORT" >/dev/null
    "${WRK[@]}" -d"$DURATION" "http://127.0.0.1:$BW_PORT" >"$TMP/$variant.$round.txt"
    read -r rps p99 bad < <(parse "$TMP/$variant.$round.txt")
    say "round $round $variant: $rps req/s, p99 $p99 ms, non-2xx $bad"
    ((bad == 0)) || { cat "$TMP/$variant.$round.txt" >&2; die "$variant answered non-2xx"; }
    if [[ -z ${BEST_RPS[$variant]:-} ]] || ((rps > BEST_RPS[$variant])); then
      BEST_RPS[$variant]=$rps
      BEST_P99[$variant]=$p99
    fi
  done
done
sleep 1  # one more usage flush
USAGE=$("${BW[@]}" keys show "$("${BW[@]}" keys list | python3 -c \
        'import json,sys; print([k["id"] for k in json.load(sys.stdin) if k["name"]=="limited"][0])')" |
        python3 -c 'import json,sys; u=json.load(sys.stdin)["usage"]["day"]; print(u)')
say "usage counted for the limited key today: $USAGE"
python3 - "${BEST_RPS[plain]}" "${BEST_P99[plain]}" "${BEST_RPS[limited]}" "${BEST_P99[limited]}" <<'PY'
import sys
pr, pp, lr, lp = map(float, sys.argv[1:])
print(f"{'':16} {'req/s':>10} {'p99 (ms)':>10}")
print(f"{'no limits':16} {pr:>10.0f} {pp:>10.2f}")
print(f"{'all limits on':16} {lr:>10.0f} {lp:>10.2f}")
print(f"ratio limited/plain: throughput {lr / pr:.3f}x, p99 {lp / pp:.2f}x")
PY
