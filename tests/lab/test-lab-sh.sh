#!/bin/bash
# SPDX-License-Identifier: MIT
# The lab harness's retry rules (lab.sh run), with L1 stubbed: each boot is
# replaced by a script of what L1 did (results written, console lines).
# Checks: a FAIL is never retried; a boot ending without results is
# retried only after the known L0 stall, and only for the missing
# scenarios, at most three boots; a scenario that ran out of its budget
# (a hang in ferry) FAILS; every attempt's result is printed and kept.
set -u
LAB_SH_SOURCE_ONLY=1
# Whatever build directory there is (or none): the stubs never use it.
FERRY_BUILD=$(mktemp -d)
export FERRY_BUILD
# shellcheck source=tests/lab/lab.sh
. "$(dirname "$0")/lab.sh"
set +e
CACHE=$(mktemp -d)
trap 'rm -rf "$CACHE" "$FERRY_BUILD"' EXIT
fail=0

# Stubs: no downloads, no QEMU. PLAN holds one line per boot:
# "s1=0 s2=- stall" (scenario s1 passed, s2 gave no result, L1 printed an
# RCU stall). Scenario names match tests/lab/scenarios to pass run()'s check.
prepare() { KVER=test; CKVER=test-cloud; VKVER=test-6.12; }
scenario_accel() { echo "${ACCEL:-tcg}"; }
boot_scenarios() {
	local attempt=$1 plan w s r n
	shift 3
	touch "$CACHE/boots"
	n=$(($(wc -l <"$CACHE/boots") + 1))
	plan=$(sed -n "${n}p" <<<"$PLAN")
	mkdir -p "$RUN/attempt-$attempt"
	: >"$RUN/attempt-$attempt/console.log"
	echo "BOOT $n: $*" >>"$CACHE/boots"
	echo "$ARCH" >"$CACHE/arch"
	for w in $plan; do
		case $w in
		stall) echo "[ 60.1] rcu: INFO: rcu_sched self-detected stall on CPU" \
			>>"$RUN/attempt-$attempt/console.log" ;;
		lockup) echo "[   52.721594] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [ferry:129]" \
			>>"$RUN/attempt-$attempt/console.log" ;;
		rerun) echo "LAB-RERUN $A: an L2 triple-faulted with L0 on multi-threaded TCG" \
			>>"$RUN/attempt-$attempt/output.log" ;;
		recheck) echo "LAB-RETRY-CHECK a boot: an L2 triple-faulted with L0 on multi-threaded TCG (docs/lab.md); running it again (1 of 2)" \
			>>"$RUN/attempt-$attempt/output.log" ;;
		l1tf) printf 'CPU Reset (CPU 0)\nTriple fault\n' >"$RUN/attempt-$attempt/qemu.log" ;;
		froze | beating) echo "LAB-HEARTBEAT 30.01" >>"$RUN/attempt-$attempt/console.log"
			[ $w = froze ] && touch -d '-200 seconds' "$RUN/attempt-$attempt/console.log" ;;
		*=*) s=${w%%=*} r=${w#*=}
			[[ " $* " == *" $s "* ]] || continue
			[ "$r" = - ] || echo "$r" >"$RUN/attempt-$attempt/$s.status" ;;
		esac
	done
	date +%s >"$RUN/attempt-$attempt/ended"
}

# expect NAME WANT-STATUS WANT-BOOTS PLAN REGEX...: run two scenarios
# under PLAN, check run()'s status, the number of boots and its output.
A=linux-boot B=vfio-edu
expect() {
	local name=$1 want=$2 boots=$3 out r
	PLAN=$4
	shift 4
	: >"$CACHE/boots"
	# Under lab.sh's own shell options: the real run has them.
	out=$( (set -euo pipefail; run $A $B) 2>&1)
	r=$?
	local ok=1 n
	n=$(wc -l <"$CACHE/boots")
	[ "$r" = "$want" ] || { echo "  status $r, want $want"; ok=0; }
	[ "$n" = "$boots" ] || { echo "  $n boots, want $boots"; ok=0; }
	for re in "$@"; do
		grep -Eq -- "$re" <<<"$out" || { echo "  no line /$re/"; ok=0; }
	done
	if [ $ok = 1 ]; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		sed 's/^/    | /' <<<"$out"
		fail=1
	fi
}

expect "both pass in one boot" 0 1 "$A=0 $B=0" \
	"$A: PASS \(attempt 1\)" "$B: PASS \(attempt 1\)" "L1 boots: 1, retries after L0 stalls: 0"
expect "a FAIL is final, never retried" 1 1 "$A=3 $B=0" \
	"$A: FAIL: status 3 \(attempt 1\)" "$B: PASS"
expect "a scenario out of its budget (a hang in ferry) fails" 1 1 "$A=124 $B=0" \
	"$A: FAIL: status 124"
expect "no result without the L0 stall: not retried" 1 1 "$A=0 $B=-" \
	"$B: FAIL: no result" "without the known L0 stall: not retried"
expect "after the L0 stall only the missing scenario runs again" 0 2 \
	"$A=0 $B=- stall
$B=0" \
	"attempt 1: $A: PASS" "attempt 1: $B: NO RESULT" "L1 stalled .*running $B again" \
	"attempt 2: $B: PASS" "$A: PASS \(attempt 1\)" "$B: PASS \(attempt 2\)" \
	"L1 boots: 2, retries after L0 stalls: 1"
grep -q "BOOT 2: $B\$" "$CACHE/boots" && echo "ok - the second boot ran only $B" ||
	{ echo "not ok - the second boot ran only $B"; cat "$CACHE/boots"; fail=1; }
expect "a soft lockup in L1 (CI, 2026-11-30) is the L0 stall too" 0 2 \
	"$A=- $B=- lockup
$A=0 $B=0" \
	"attempt 1: $A: NO RESULT" "L1 stalled \(watchdog: BUG: soft lockup\)" \
	"$A: PASS \(attempt 2\)" "$B: PASS \(attempt 2\)"
expect "L1's heartbeat stopped 200 s before the end: L1 froze, retried" 0 2 \
	"$A=0 $B=- froze
$B=0" \
	"L1 stalled \(L1 froze: no heartbeat for the last 2[0-9][0-9] s\)" "$B: PASS \(attempt 2\)"
expect "a live heartbeat and no result: not retried" 1 1 "$A=0 $B=- beating" \
	"$B: FAIL: no result" "without the known L0 stall: not retried"
expect "a FAIL in attempt 1 stays a FAIL whatever later attempts do" 1 2 \
	"$A=5 $B=- stall
$A=0 $B=0" \
	"$A: FAIL: status 5 \(attempt 1\)" "$B: PASS \(attempt 2\)"
expect "at most three boots" 1 3 "$A=0 $B=- stall
$B=- stall
$B=- stall" \
	"$B: FAIL: no result" "L1 stalled again; no more boots after 3" \
	"L1 boots: 3, retries after L0 stalls: 2"
expect "L1 itself triple-faulted (QEMU's log; CI probe, 2026-12-01): retried" 0 2 \
	"$A=0 $B=- l1tf
$B=0" \
	"L1 stalled \(L1 triple-faulted: QEMU's log in attempt-1/qemu.log\)" \
	"$B: PASS \(attempt 2\)"
ACCEL=tcg,thread=single
expect "single-threaded TCG: a stall is not L0's known one, no retry" 1 1 \
	"$A=0 $B=- stall" "$B: FAIL: no result" "without the known L0 stall: not retried"
expect "single-threaded TCG: L1's triple fault is said, not retried" 1 1 \
	"$A=0 $B=- l1tf" "$B: FAIL: no result" \
	"L1 triple-faulted: .*\(on single-threaded TCG: not retried\)"
unset ACCEL
# An L1 boot's budget: its scenarios' and the margin, and on multi-threaded
# TCG room for the one re-run (the longest budget once more).
ba=$(scenario_budget $A) bb=$(scenario_budget $B)
long=$((ba > bb ? ba : bb))
if [ "$(boot_budget tcg $A $B)" = $((BOOT_MARGIN + ba + bb + long)) ] &&
	[ "$(boot_budget tcg,thread=single $A $B)" = $((BOOT_MARGIN + ba + bb)) ]; then
	echo "ok - a boot's budget counts one re-run on multi-threaded TCG only"
else
	echo "not ok - a boot's budget counts one re-run on multi-threaded TCG only"
	echo "    | $A=$ba $B=$bb: tcg $(boot_budget tcg $A $B), single $(boot_budget tcg,thread=single $A $B)"
	fail=1
fi
# The watchdog (boot_scenarios) ends a boot whose L1 went silent after its
# first heartbeat, and leaves a live one alone.
watch() { # WHAT AGE FROZEN: a console of that age, a 6 s "QEMU"; its status
	local c=$CACHE/wd.console pid
	[ "$1" = heartbeat ] && echo "LAB-HEARTBEAT 30.01" >"$c" || echo "booting" >"$c"
	touch -d "-$2 seconds" "$c"
	sleep 6 &
	pid=$!
	FROZEN_AFTER=$3 WATCH_EVERY=1 watchdog "$c" "$pid" 2>/dev/null &
	wait "$pid"
	echo $?
}
for t in "heartbeat 200 3 143 a frozen L1 is ended" \
	"heartbeat 0 30 0 a live L1 is left alone" \
	"booting 200 3 0 no heartbeat yet (L1 still booting): left alone"; do
	# shellcheck disable=SC2086 # the words of one case
	set -- $t
	r=$(watch "$1" "$2" "$3")
	[ "$r" = "$4" ] && echo "ok - watchdog: ${*:5}" ||
		{ echo "not ok - watchdog: ${*:5} (status $r, want $4)"; fail=1; }
done
# A scenario L1 ran a second time after an L2 triple fault (l1-init.sh)
# is one result, and the summary counts the re-run.
expect "a re-run after an L2 triple fault is counted, not a boot" 0 1 \
	"$A=0 $B=0 rerun" "$A: PASS \(attempt 1\)" \
	"retries after L0 stalls: 0, scenarios run again after an L2 triple fault: 1"
expect "no re-run: counted as none" 0 1 "$A=0 $B=0" \
	"scenarios run again after an L2 triple fault: 0, commands: 0;"
expect "a command run again after an L2 triple fault is counted" 0 1 \
	"$A=0 $B=0 recheck" "$A: PASS \(attempt 1\)" \
	"scenarios run again after an L2 triple fault: 0, commands: 1;"

# lib.sh's run_checked, as scenarios use it (under /bin/sh, in L1): a
# command whose guest triple-faulted runs again, at most twice, and only
# when L0 runs multi-threaded TCG and the status is not the one wanted.
# The stand-in for ferry faults its first FAULTS runs (status 8), then
# exits 0.
LIB=$(dirname "$0")/lib.sh
fake=$CACHE/fake-ferry
cat >"$fake" <<'FAKE'
#!/bin/sh
n=$(cat "$FAKE_COUNT" 2>/dev/null || echo 0)
echo $((n + 1)) >"$FAKE_COUNT"
if [ "$n" -lt "$FAULTS" ]; then
	echo "ferry: error: vCPU 3: the guest triple-faulted; stopping the VM"
	exit 8
fi
echo "FERRY-L2-INIT cpus=4"
FAKE
chmod +x "$fake"
# rc NAME MTTCG FAULTS WANT RUNS RESULT: check_each on the stand-in; RUNS
# runs of it, then PASS or FAIL; the RUNS-1 superseded runs shown with
# "    ~ " (l1-init.sh's re-run rule ignores those lines).
rc() {
	local out runs
	rm -f "$CACHE/count"
	out=$(LAB_L0_MTTCG=$2 FAULTS=$3 FAKE_COUNT=$CACHE/count sh -c \
		'. "$1"; check_each "a boot" "$2" "FERRY-L2-INIT|triple" "$3"; finish' \
		sh "$LIB" "$4" "$fake" 2>&1)
	runs=$(cat "$CACHE/count")
	if [ "$runs" = "$5" ] && grep -Eq "^$6: a boot($|:)" <<<"$out" &&
		[ "$(grep -c '^LAB-RETRY-CHECK a boot: ' <<<"$out")" = $(($5 - 1)) ] &&
		[ "$(grep -c '^    ~ ferry: error: ' <<<"$out")" = $(($5 - 1)) ]; then
		echo "ok - run_checked: $1"
	else
		echo "not ok - run_checked: $1 ($runs runs, want $5, and $6)"
		sed 's/^/    | /' <<<"$out"
		fail=1
	fi
}
rc "one L0 triple fault, then a pass" 1 1 0 2 PASS
rc "two, then a pass" 1 2 0 3 PASS
rc "a guest that always triple-faults FAILS after two retries" 1 9 0 3 FAIL
rc "single-threaded TCG: never run again" 0 1 0 1 FAIL
rc "a triple fault that was the wanted status: not run again" 1 1 8 1 PASS
# Every attempt's results are kept in the run directory.
# The newest run directory (names sort by second only; several runs share one).
last=$(ls -1dt "$CACHE"/runs/*/ | head -n1)
[ -f "$last/attempt-1/$A.status" ] && [ -f "$last/attempt-1/console.log" ] &&
	echo "ok - attempt results kept in the run directory" ||
	{ echo "not ok - attempt results kept in the run directory"; fail=1; }
# The arm64 lab (scenarios with "# lab-arch: arm64") boots its own L1, to
# the same rules: its l1-init.sh beats the same heartbeat.
A=arm64-kvm B=arm64-linux-boot
expect "arm64: both pass in one boot" 0 1 "$A=0 $B=0" \
	"$A: PASS \(attempt 1\)" "$B: PASS \(attempt 1\)"
if [ "$(cat "$CACHE/arch")" = arm64 ]; then
	echo "ok - arm64 scenarios boot the arm64 L1"
else
	echo "not ok - arm64 scenarios boot the arm64 L1"
	fail=1
fi
expect "arm64: L1 froze (no heartbeat): retried, only the missing one" 0 2 \
	"$A=0 $B=- froze
$B=0" \
	"L1 stalled \(L1 froze: no heartbeat" "$A: PASS \(attempt 1\)" \
	"$B: PASS \(attempt 2\)"
expect "arm64: a soft lockup is the L0 stall too" 0 2 "$A=- $B=- lockup
$A=0 $B=0" \
	"L1 stalled \(watchdog: BUG: soft lockup\)" "$B: PASS \(attempt 2\)"
expect "arm64: a live heartbeat and no result: not retried" 1 1 \
	"$A=0 $B=- beating" "$B: FAIL: no result" "not retried"
A=linux-boot B=arm64-kvm
expect "x86 and arm64 scenarios never share an L1" 125 0 "$A=0 $B=0" \
	"x86 and arm64 scenarios cannot share an L1 boot"
echo "1..33"
exit $fail
