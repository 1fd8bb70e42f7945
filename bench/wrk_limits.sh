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
source "$ROOT/bench/lib_wrk.sh"
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

require_tools nginx wrk
[[ -x $BIN ]] || die "$BIN not found: cmake --preset bench && cmake --build build-bench --target bulwark"
require_free_ports "$UP_PORT" "$BW_PORT" "$BW_ADMIN_PORT"

bench_tmp bulwark-limits
start_upstream "$UP_PORT"

bulwark_init "$TMP/bw"
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
PLAIN_KEY=$("${BW[@]}" keys create --name plain --scope '*' | key_of)
LIMITED_KEY=$("${BW[@]}" keys create --name limited --scope '*' --tenant acme \
              --rate "$BIG/s" --rate "video.generate=$BIG/s" --quota "$BIG/d" \
              --quota "video_seconds:$BIG/mo" | key_of)
"${BW[@]}" serve >"$TMP/bw/serve.log" 2>&1 &
PIDS+=($!)
wait_port "$BW_PORT"

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
    expect_200 "$variant" "$BENCH_KEY" "http://127.0.0.1:$BW_PORT$BENCH_PATH"
    "${WRK[@]}" -d"$WARMUP" "http://127.0.0.1:$BW_PORT" >/dev/null
    "${WRK[@]}" -d"$DURATION" "http://127.0.0.1:$BW_PORT" >"$TMP/$variant.$round.txt"
    read -r rps p99 bad sock < <(parse_wrk "$TMP/$variant.$round.txt")
    say "round $round $variant: $rps req/s, p99 $p99 ms, non-2xx $bad, $sock"
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
