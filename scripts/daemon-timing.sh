#!/usr/bin/env bash
# daemon-timing.sh: measure the daemon's own timer lateness, as a lab would
# see it in Grafana. Starts `fivechoice serve` on N simulated chambers in
# real time (speed 1) with a fresh database, starts a session on every
# chamber through the API, waits, then reads the daemon's
# fivechoice_timer_lateness_seconds histogram from /metrics and prints its
# quantiles (interpolated within buckets, as Prometheus' histogram_quantile
# does, so they are only as fine as the buckets: 10, 20, 50, 100, 200, 300,
# 500, 750 µs, 1, 2, 5 ms ...).
#
#   scripts/daemon-timing.sh [CHAMBERS] [SECONDS] [REALTIME_PRIORITY]
#
# Defaults: 64 chambers, 60 s, realtime_priority 10 (the daemon's default;
# 0 runs at normal priority). Needs go, curl and awk. Load the machine from
# another shell (e.g. stress-ng --cpu 2) to measure under load.
set -euo pipefail

chambers=${1:-64}
seconds=${2:-60}
prio=${3:-10}
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

go build -o "$dir/fivechoice" ./cmd/fivechoice
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=$((20000 + RANDOM % 20000))
{
	echo "database: $dir/timing.db"
	echo "listen: 127.0.0.1:$port"
	echo "token: $token"
	echo "realtime_priority: $prio"
	echo "chambers:"
	for i in $(seq 1 "$chambers"); do
		echo "  - {name: box$i, backend: sim, sim: {speed: 1}}"
	done
} >"$dir/fivechoice.yaml"

"$dir/fivechoice" serve --config "$dir/fivechoice.yaml" 2>"$dir/daemon.log" &
pid=$!
api=http://127.0.0.1:$port
for _ in $(seq 100); do
	curl -fs "$api/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "$api/healthz" >/dev/null || { cat "$dir/daemon.log"; exit 1; }
grep -m1 'component=timing' "$dir/daemon.log" || true

post() {
	local out
	out=$(curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2" "$api$1") ||
		{ echo "POST $1: $out" >&2; return 1; }
}
for i in $(seq 1 "$chambers"); do
	post /api/v1/subjects "{\"id\": \"R$i\"}"
	post "/api/v1/chambers/box$i/sessions" "{\"subject\": \"R$i\", \"protocol\": \"baseline\", \"condition\": \"vehicle\"}"
done
echo "$chambers sessions started; measuring for $seconds s"
sleep "$seconds"

curl -fsS "$api/metrics" | awk -v chambers="$chambers" -v seconds="$seconds" '
/^fivechoice_timer_lateness_seconds_bucket/ {
	match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
	if (le == "+Inf") total += $NF; else cum[le + 0] += $NF   # cumulative count at each bound
}
END {
	if (total == 0) { print "no transitions recorded"; exit 1 }
	k = 0
	for (b in cum) bound[++k] = b + 0
	for (i = 2; i <= k; i++) for (j = i; j > 1 && bound[j-1] > bound[j]; j--) { t = bound[j]; bound[j] = bound[j-1]; bound[j-1] = t }
	printf "daemon, %d chambers, %d s: %d transitions\n", chambers, seconds, total
	n = split("0.5 0.99 0.999", qs, " ")
	for (q = 1; q <= n; q++) {
		want = qs[q] * total; lo = 0; prev = 0; out = "> " bound[k] * 1e6 " µs"
		for (i = 1; i <= k; i++) {
			c = cum[bound[i]]
			if (c >= want) { out = sprintf("%.0f µs", (lo + (bound[i] - lo) * (want - prev) / (c - prev)) * 1e6); break }
			lo = bound[i]; prev = c
		}
		printf "  p%s %s\n", qs[q] * 100, out
	}
}'
grep -E 'rss|level=(WARN|ERROR)' "$dir/daemon.log" | head -5 || true
