#!/bin/bash
# The gateway's memory under sustained load, as in BENCHMARKS.md ("Memory at high rates"):
#   cargo build --release -p cti-cli && bash crates/gateway/examples/gateway_bench/memory_run.sh CALLS_PER_S SECONDS
# Runs nats-server (JetStream, file storage in a temporary directory), `cti sim` (12,000 agents, short calls) and
# `cti gateway` as three processes on loopback and prints, once a second: the gateway's and nats-server's RSS,
# events in, records out, buffer depth, records lost and gap records (from /metrics). Ports on 127.0.0.1:
# BASE+27 / BASE+28 (simulator sides), BASE+80 (gateway HTTP), BASE+222 / BASE+223 (NATS, its monitor), with
# BASE=14000 unless set. A benchmark, not a test: it is not run by CI.
set -u
CPS=${1:?calls per second}; SECS=${2:?seconds}; BASE=${BASE:-14000}
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd); CTI=$ROOT/target/release/cti
command -v nats-server >/dev/null || { echo "nats-server is needed (apt-get install -y nats-server)" >&2; exit 2; }
[ -x "$CTI" ] || { echo "build first: cargo build --release -p cti-cli" >&2; exit 2; }
DIR=$(mktemp -d); trap 'kill $GP $SP $NP 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT
cat > "$DIR/sim.toml" <<TOML
[traffic]
calls_per_second = $CPS
ring_secs = 0.05
talk_min_secs = 0.2
talk_max_secs = 0.5
hold_probability = 0.0
wrap_secs = 0.05
TOML
nats-server -js -sd "$DIR/js" -a 127.0.0.1 -p $((BASE + 222)) -m $((BASE + 223)) > "$DIR/nats.log" 2>&1 & NP=$!
sleep 1
"$CTI" sim --config "$DIR/sim.toml" --agents 12000 --a 127.0.0.1:$((BASE + 27)) --b 127.0.0.1:$((BASE + 28)) \
  > "$DIR/sim.log" 2>&1 & SP=$!
sleep 1
"$CTI" gateway --source bench --a 127.0.0.1:$((BASE + 27)) --b 127.0.0.1:$((BASE + 28)) \
  --nats nats://127.0.0.1:$((BASE + 222)) --http 127.0.0.1:$((BASE + 80)) > "$DIR/gw.log" 2>&1 & GP=$!
metric() { echo "$1" | awk -v n="$2" '$1 ~ "^"n {s += $2} END {print s + 0}'; }
for i in $(seq 1 "$SECS"); do
  sleep 1
  m=$(curl -s 127.0.0.1:$((BASE + 80))/metrics)
  echo "t=$i gateway_rss_kb=$(awk '/VmRSS/{print $2}' /proc/$GP/status) nats_rss_kb=$(awk '/VmRSS/{print $2}' /proc/$NP/status)" \
    "events_in=$(metric "$m" cti_gateway_events_in_total) records_out=$(metric "$m" cti_gateway_records_out_total)" \
    "buffer_depth=$(metric "$m" cti_gateway_buffer_depth) records_lost=$(metric "$m" cti_gateway_records_lost_total)" \
    "gaps=$(metric "$m" cti_gateway_gaps_total)"
done
echo "session resets (client event queue full): $(grep -c 'event queue full' "$DIR/gw.log")"
