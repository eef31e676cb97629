#!/bin/bash
# bench/net.sh: TCP throughput between two domUs through dom0's netback and bridge
# (docs/benchmarks.md, "TCP between two domUs"). dom0 bridges d1 and d2 (vif=1,2) and hands out
# their addresses; d1 runs the `sink` app (port 5001), d2's shell runs `tcpsend 10.0.0.10 MB`.
# Reported: the guests' own figures (bytes, seconds, Mbit/s on each one's clock: the sender from
# connect to the last byte acknowledged, the sink from accept to the sender's close) and wall time
# on the host between the sender's start line and its result line on the serial console (polled
# every 20 ms). QEMU TCG without -icount on 2 CPUs, so the figures move with the host's load:
# several runs (RUNS, default 3) and their spread.
#   MB=8 RUNS=3 bench/net.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MB=${MB:-8}
RUNS=${RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/mica-bench-net.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$W/" || exit 1
scripts/mkiso.sh "$BUILD/mica.elf" "$W/net.iso" "console=com1,115200 on_idle=poweroff" \
	"$W/dom0.elf memory=32 -- vif=1,2 shell" \
	"$W/pv-guest.elf memory=8 -- sink" \
	"$W/pv-guest.elf memory=8 -- shell -c sleep 1000 , tcpsend 10.0.0.10 $MB , sleep 500 , net" >/dev/null || exit 1

now() { date +%s.%N; }
printf '%-4s %12s %14s %14s %12s\n' run "wall (s)" "sender Mbit/s" "sink Mbit/s" "wall Mbit/s"
for run in $(seq "$RUNS"); do
	log="$W/net-$run.log"
	: >"$log"
	qemu-system-x86_64 -accel tcg -machine pc -cpu qemu64,+svm,+npt -smp 2 -m 512 -display none \
		-serial file:"$log" -no-reboot -cdrom "$W/net.iso" >/dev/null 2>&1 &
	qpid=$!
	t0="" t1=""
	for _ in $(seq 15000); do # 300 s at most
		if [ -z "$t0" ] && grep -qa '^(d2) tcpsend: [0-9]* MiB to' "$log"; then t0=$(now); fi
		if [ -n "$t0" ] && grep -qa '^(d2) tcpsend: \([0-9]* bytes in\|connection failed\|stalled\|cannot\)' "$log"; then
			t1=$(now)
			break
		fi
		kill -0 $qpid 2>/dev/null || break
		sleep 0.02
	done
	for _ in $(seq 100); do grep -qa '^(d1) sink: [0-9]* bytes' "$log" && break; sleep 0.1; done
	kill $qpid 2>/dev/null
	wait $qpid 2>/dev/null
	snd=$(grep -a '^(d2) tcpsend: [0-9]* bytes in' "$log" | sed -n 's/.*, \([0-9.]*\) Mbit\/s.*/\1/p' | head -1)
	sink=$(grep -a '^(d1) sink: [0-9]* bytes' "$log" | sed -n 's/.*, \([0-9.]*\) Mbit\/s.*/\1/p' | head -1)
	if [ -n "$t0" ] && [ -n "$t1" ] && [ -n "$snd" ]; then
		wall=$(echo "$t1 - $t0" | bc -l)
		printf '%-4s %12.3f %14s %14s %12.1f\n' "$run" "$wall" "$snd" "${sink:-n/a}" \
			"$(echo "$MB * 8 * 1.048576 / $wall" | bc -l)"
	else
		printf '%-4s %12s %14s %14s %12s\n' "$run" n/a "${snd:-n/a}" "${sink:-n/a}" n/a
		grep -a 'tcpsend\|sink' "$log" | sed 's/^/      /'
	fi
done
grep -a '^(d2) tcpsend: [0-9]* bytes in\|^(d1) sink: ' "$W/net-$RUNS.log" | sed 's/^/last run: /'
