#!/usr/bin/env bash
# Runs botd on a real three-node NATS JetStream cluster (separate
# nats-server processes, BOT_NATS_REPLICAS=3) with two botd processes, and
# drives it with faultload through one of two fault scenarios:
#
#   cmd/faultload/cluster.sh nats    # SIGKILL of the NATS node leading BOT_INBOUND,
#                                    # its restart, then SIGTERM of one botd
#   cmd/faultload/cluster.sh botd    # SIGKILL of a botd while it is sending, restart, again
#   cmd/faultload/cluster.sh none    # the same load, no faults (baseline)
#
# Environment: WORK (scratch directory, default a new one under /tmp),
# BASE_PORT (default 18200; uses BASE_PORT+1 … +31 and +90), N (webhooks,
# default 400), EVERY (pace, default 100ms), KILLS (botd scenario: how many
# kills, default 4), NATS_SERVER (a nats-server binary; default: built from
# the module cache at the version in go.mod into WORK), BOTD (a botd binary
# to run instead of building this checkout's, e.g. an older version for
# comparison), SEQUENTIAL=1 (start the second botd only once the first is
# ready; botd before issue 16 needs it). Nothing is left running: every
# process is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
scenario=${1:-nats}
WORK=${WORK:-$(mktemp -d /tmp/faultload.XXXXXX)}
BASE_PORT=${BASE_PORT:-18200}
N=${N:-400}
EVERY=${EVERY:-100ms}
KILLS=${KILLS:-4}
mkdir -p "$WORK"
echo "cluster.sh: scenario $scenario, work dir $WORK, ports $BASE_PORT+"

if [ -z "${NATS_SERVER:-}" ]; then
	NATS_SERVER=$WORK/nats-server
	[ -x "$NATS_SERVER" ] || go build -o "$NATS_SERVER" github.com/nats-io/nats-server/v2
fi
if [ -n "${BOTD:-}" ]; then
	cp "$BOTD" "$WORK/botd"
else
	go build -o "$WORK/botd" ./cmd/botd
fi
go build -o "$WORK/faultload" ./cmd/faultload

cleanup() {
	for f in "$WORK"/*.pid; do
		[ -e "$f" ] || continue
		kill -9 "$(cat "$f")" 2>/dev/null || true
	done
}
trap cleanup EXIT

routes=""
urls=""
for i in 1 2 3; do
	routes="${routes:+$routes,}nats://127.0.0.1:$((BASE_PORT + 10 + i))"
	urls="${urls:+$urls,}nats://127.0.0.1:$((BASE_PORT + i))"
done
# One start script per node, so a fault command can start a node again.
for i in 1 2 3; do
	cat >"$WORK/start-n$i.sh" <<EOF
#!/bin/sh
"$NATS_SERVER" -n n$i -a 127.0.0.1 -p $((BASE_PORT + i)) -m $((BASE_PORT + 20 + i)) -js -sd "$WORK/n$i" \\
	--cluster_name botdvc --cluster nats://127.0.0.1:$((BASE_PORT + 10 + i)) --routes $routes \\
	>>"$WORK/n$i.log" 2>&1 &
echo \$! >"$WORK/n$i.pid"
EOF
	chmod +x "$WORK/start-n$i.sh"
	"$WORK/start-n$i.sh"
done
for i in 1 2 3; do
	for _ in $(seq 1 100); do
		curl -fs "http://127.0.0.1:$((BASE_PORT + 20 + i))/healthz?js-enabled-only=true" >/dev/null && break
		sleep 0.2
	done
done

# The per-conversation rate limit is raised: a webhook that the platform
# retries while NATS elects a leader would otherwise use up its
# conversation's tokens and be answered with the rate notice instead.
botd_env() {
	echo NATS_URL="$urls" BOT_NATS_REPLICAS=3 BOT_LOG_FORMAT=json BOT_RATE_PER_MINUTE=600 BOT_BURST=100 \
		BOT_METRICS_TOKEN=faultload-metrics-token \
		FB_APP_SECRET=faultload-app-secret FB_VERIFY_TOKEN=v FB_PAGE_TOKEN=faultload-page-token \
		FB_GRAPH_URL="http://127.0.0.1:$((BASE_PORT + 90))/v25.0"
}
for b in 1 2; do
	cat >"$WORK/start-botd$b.sh" <<EOF
#!/bin/sh
env $(botd_env) BOT_ADDR=127.0.0.1:$((BASE_PORT + 29 + b)) BOT_DATA_DIR="$WORK/botd$b" \\
	"$WORK/botd" >>"$WORK/botd$b.log" 2>&1 &
echo \$! >"$WORK/botd$b.pid"
EOF
	chmod +x "$WORK/start-botd$b.sh"
done
wait_ready() {
	b=$1
	ready=""
	for _ in $(seq 1 400); do
		curl -fs "http://127.0.0.1:$((BASE_PORT + 29 + b))/readyz" >/dev/null && ready=1 && break
		sleep 0.5
	done
	if [ -z "$ready" ]; then
		echo "cluster.sh: botd$b not ready; its log ends:" >&2
		tail -5 "$WORK/botd$b.log" >&2
		exit 1
	fi
}
if [ -n "${SEQUENTIAL:-}" ]; then
	"$WORK/start-botd1.sh" && wait_ready 1 && "$WORK/start-botd2.sh" && wait_ready 2
else
	"$WORK/start-botd1.sh" && "$WORK/start-botd2.sh" && wait_ready 1 && wait_ready 2
fi
echo "cluster.sh: three NATS nodes and two botd up"

faults=()
case $scenario in
nats)
	faults+=(-fault "$((N / 5))=echo \$LEADER >'$WORK/killed'; kill -9 \$(cat '$WORK'/\$LEADER.pid)")
	faults+=(-fault "$((N / 2))='$WORK'/start-\$(cat '$WORK/killed').sh")
	faults+=(-fault "$((N * 3 / 4))=kill -TERM \$(cat '$WORK/botd2.pid')")
	;;
botd)
	step=$((N / (KILLS + 1)))
	for k in $(seq 1 "$KILLS"); do
		faults+=(-fault "$((k * step))=kill -9 \$(cat '$WORK/botd1.pid')")
		faults+=(-fault "$((k * step + step / 4))='$WORK/start-botd1.sh'")
	done
	;;
none) ;; # the same load without faults, for comparison
*)
	echo "unknown scenario $scenario (nats, botd or none)" >&2
	exit 2
	;;
esac
"$WORK/faultload" -botd "http://127.0.0.1:$((BASE_PORT + 30)),http://127.0.0.1:$((BASE_PORT + 31))" \
	-graph "127.0.0.1:$((BASE_PORT + 90))" -nats "$urls" -metrics-token faultload-metrics-token \
	-n "$N" -every "$EVERY" "${faults[@]}"
for i in 1 2 3; do
	echo "n$i: $(curl -fs "http://127.0.0.1:$((BASE_PORT + 20 + i))/varz" | grep -E '"(mem|cpu)"' | tr -d ' \n')"
done
