# dom0's `mica` typed at through the serial line (sourced from pv_guest.sh): console attach and
# detach, create -c / -p / key=value, uptime, top -b, rename, and the on_* restart actions.
# serial_typist.py drives the line over TCP: QEMU -serial tcp:..., Bochs com1 socket-client.

# The initrd: the pv-guest kernel and the configs in /etc/mica.
dcli_initrd() { # OUT.cpio
	local rd="$WORK/dcli-initrd"
	rm -rf "$rd" && mkdir -p "$rd/etc/mica" "$rd/boot"
	cp "$BUILD/pv-guest/pv-guest.elf" "$rd/boot/" || return 1
	printf 'name = "x"\nkernel = "/boot/pv-guest.elf"\nmemory = 4\ncmdline = "shell"\n' >"$rd/etc/mica/x.cfg"
	printf 'name = "cr"\nkernel = "/boot/pv-guest.elf"\nmemory = 4\ncmdline = "shell -c crash"\non_crash = "preserve"\n' \
		>"$rd/etc/mica/crash.cfg"
	printf 'name = "loop"\nkernel = "/boot/pv-guest.elf"\nmemory = 4\ncmdline = "shell -c reboot"\n' >"$rd/etc/mica/loop.cfg"
	(cd "$rd" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet >"$1")
}

# dcli_run BACKEND TIMEOUT SCRIPT: boots dom0 (an interactive shell) with the initrd; the typist
# follows SCRIPT (serial_typist.py's steps) and writes the serial log to $LOG.
dcli_run() {
	local b=$1 tmo=$2 script=$3 iso="$WORK/dcli-$1.iso" port="$WORK/dcli-$1.port" tp
	cp "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no dom0 image"); return 1; }
	dcli_initrd "$WORK/dcli-initrd.cpio" || { FAILS+=("initrd"); return 1; }
	[ "$b" = vmx ] && export GFXPAYLOAD=text
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf name=dom0 memory=48 -- shell" "$WORK/dcli-initrd.cpio" || { FAILS+=("mkiso"); return 1; }
	unset GFXPAYLOAD
	rm -f "$port"
	: >"$LOG"
	python3 tests/integration/serial_typist.py "$port" "$LOG" "$script" 2>"$LOG.typist" &
	tp=$!
	for _ in $(seq 100); do [ -s "$port" ] && break; sleep 0.1; done
	[ -s "$port" ] || { FAILS+=("the typist did not start"); kill $tp; return 1; }
	if [ "$b" = svm ]; then
		emu_run "$LOG.emu" "$tmo" "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
			-display none -serial tcp:127.0.0.1:"$(cat "$port")" -no-reboot -cdrom "$iso"
		expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after dom0)"
	else
		# Bochs's exit status is not its guest's: the log says how it went.
		BOCHS_COM="mode=socket-client, dev=127.0.0.1:$(cat "$port")" \
			emu_run "$LOG.emu" "$tmo" "" scripts/run-bochs.sh "$iso" /dev/null corei7_haswell_4770 2 "$((tmo - 10))"
	fi
	sleep 1
	kill $tp 2>/dev/null
	wait $tp 2>/dev/null
	tr -d '\r' <"$LOG" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"
	cat "$LOG.typist" >>"$LOG.stdout" 2>/dev/null
	! grep -q 'gave up' "$LOG.typist" || FAILS+=("typist: $(grep 'gave up' "$LOG.typist" | head -1)")
}

# Console attach: what is typed reaches the domU's shell, its lines come without a prefix, and
# Ctrl-] gives the input back to dom0's shell.
DCLI_CONSOLE_STEPS='wait	^\(d0\) pv-guest shell: type help
type	mica create /etc/mica/x.cfg\r
wait	^\(d1\) pv-guest shell: type help
type	mica console x\r
wait	^Mica: console input goes to d1 \(x\) until Ctrl-\]
sleep	1
type	echo hi-from-console\r
wait	^hi-from-console$
type	\x1d
wait	^Mica: console input goes to d0	2
type	mica list\r
wait	^\(d0\) x +1 +4 +1 '

sc_svm_dom0_console() {
	local script="$WORK/dcli-svm.steps"
	printf '%s\n' "$DCLI_CONSOLE_STEPS" >"$script"
	cat >>"$script" <<'S'
type	mica create -p /etc/mica/x.cfg name=y memory=8\r
wait	^\(d0\) mica create: d2 \(y\) built
type	mica list\r
wait	^\(d0\) y +2 +8 +1 +--p---
type	mica unpause y\r
wait	^\(d2\) pv-guest shell: type help
type	mica rename y zed\r
wait	^Mica: d2 \(y\) renamed zed by d0
type	mica rename zed x\r
wait	^\(d0\) mica rename: cannot rename domain 2 to 'x'
type	mica rename zed a-name-that-is-far-too-long-for-mica\r
wait	^\(d0\) mica rename: a name has 1 to 31 characters
type	mica console x\r
wait	^Mica: console input goes to d1 \(x\) until Ctrl-\]	2
type	\x01\x01\x01
wait	^Mica: console input goes to d2 \(Ctrl-A
type	\x01\x01\x01
wait	^Mica: console input goes to the hypervisor
type	\x01\x01\x01
wait	^Mica: console input goes to d0	3
type	mica domid zed\r
wait	^\(d0\) 2$
type	xs read /local/domain/2/name\r
wait	^\(d0\) zed$
type	mica uptime\r
wait	^\(d0\) zed +2 +[ 0-9]+:[0-9]{2}:[0-9]{2}$
type	mica top -b -i 2 -d 1\r
wait	^\(d0\) +NAME +STATE +CPU\(sec\) +CPU\(%\)	2
wait	^\(d0\) +zed .*	2
type	mica create /dev/null name=nul kernel=/boot/pv-guest.elf memory=4 cmdline=hello\r
wait	^Mica: d[0-9]+ \(nul\) shut down: poweroff
type	mica create -c /etc/mica/x.cfg name=w\r
wait	^Mica: console input goes to d[0-9]+ \(w\) until Ctrl-\]
wait	^pv-guest shell: type help
sleep	2
type	echo in-w\r
wait	^in-w$
type	reboot\r
wait	^\(d0\) mica: domain [0-9]+ \(w\) rebooted: restarted as d[0-9]+
wait	^Mica: console input goes to d0	4
type	mica list\r
wait	^\(d0\) w +[0-9]+ 
type	mica create /etc/mica/crash.cfg\r
wait	^Mica: d[0-9]+ \(cr\) preserved
sleep	1
type	mica list\r
wait	^\(d0\) cr +[0-9]+ .* ---sc-
type	mica destroy cr\r
wait	^Mica: d[0-9]+ \(cr\) is being destroyed by d0
type	mica create /etc/mica/loop.cfg\r
wait	^\(d0\) mica: domain [0-9]+ \(loop\) rebooted within 10 s of its start 4 times in a row: not restarting it
type	mica destroy x\r
wait	^Mica: d1 \(x\) is being destroyed by d0
type	mica destroy zed\r
wait	^Mica: d2 \(zed\) is being destroyed by d0
type	mica destroy w\r
wait	^Mica: d[0-9]+ \(w\) is being destroyed by d0
type	sleep 2000\r
wait	^\(d0\) slept 2000 ms
type	mica list\r
wait	^\(d0\) Name .*	5
type	poweroff\r
S
	dcli_run svm 400 "$script" || return
	expect "$LOG" '^\(d0\) mica console: d1 \(x\); Ctrl-\] returns to dom0' "mica console's hint"
	expect_before "$LOG" '^Mica: console input goes to d1 \(x\) until' '^hi-from-console$' "attached, then typed at"
	expect "$LOG" '^pv> echo hi-from-console$' "the domU's shell echoes, without the (d1) prefix"
	expect_not "$LOG" '^\(d1\) hi-from-console' "no prefix while attached"
	expect "$LOG" '^\(d0\) x +1 +4 +1 +r-----' "dom0's commands work after Ctrl-]"
	expect_before "$LOG" '^Mica: console input goes to the hypervisor' '^\(d0\) 2$' "Ctrl-A rotation while attached: d2, debug keys, dom0, then mica console returns"
	expect "$LOG" '^\(d0\) y +2 +8 +1 +--p---' "create -p and memory=8"
	expect "$LOG" '^\(d0\) mica rename: cannot rename domain 2 to .x.: Already exists' "a duplicate name is refused"
	expect "$LOG" '^\(d0\) zed +2 ' "rename shows in list/uptime"
	expect "$LOG" '^\(d0\) Name +ID Uptime' "uptime's header"
	expect "$LOG" '^Mica: d[0-9]+ \(nul\) created by d0' "create /dev/null with the config in overrides"
	expect "$LOG" '^\(d0\) mica console: domain [0-9]+ has stopped' "console returns when its domain stops"
	expect "$LOG" '^Mica: d[0-9]+ \(w\) stopped: kept for its toolstack to restart' "restart is the toolstack's"
	expect "$LOG" '^\(d0\) mica: domain [0-9]+ \(w\) rebooted: restarted as d[0-9]+' "on_reboot=restart (xl's default)"
	local nw
	nw=$(grep -aoE '^\(d0\) mica: domain [0-9]+ \(w\) rebooted: restarted as d[0-9]+' "$LOG" | grep -oE '[0-9]+$' | head -1)
	expect "$LOG" "^\\(d${nw:-X}\\) pv-guest shell: type help" "the restarted domain runs"
	expect "$LOG" '^\(d0\) cr +[0-9]+ .* ---sc-' "on_crash=preserve keeps it, crashed"
	expect "$LOG" '^Mica: d[0-9]+ \(w\) is being destroyed by d0' "the old instance is destroyed before the restart (as xl)"
	expect_not "$LOG" '^\(d0\) mica: domain [0-9]+ \(cr\)' "no restart of cr"
	[ "$(grep -ac '^(d0) mica: domain [0-9]* (loop) rebooted: restarted as' "$LOG")" -eq 3 ] ||
		FAILS+=("a domain that reboots at once is restarted 3 times, then no more")
	expect "$LOG" '^\(d0\) mica: domain [0-9]+ \(loop\) rebooted within 10 s of its start 4 times in a row' "restart loop guard"
	expect_not "$LOG" '^\(d0\) loop' "the looping domain is gone"
	every_page_back
}

sc_vmx_dom0_console() {
	local script="$WORK/dcli-vmx.steps"
	printf '%s\n' "$DCLI_CONSOLE_STEPS" >"$script"
	cat >>"$script" <<'S'
type	mica destroy x\r
wait	^Mica: d1 \(x\) is being destroyed by d0
type	sleep 1000\r
wait	^\(d0\) slept 1000 ms
type	poweroff\r
S
	TYPIST_WAIT=900 dcli_run vmx 1500 "$script" || return
	expect "$LOG" '^Virtualization: .*VMX' "on VMX"
	expect "$LOG" '^pv> echo hi-from-console$' "the domU's shell echoes what is typed"
	expect "$LOG" '^hi-from-console$' "and runs it"
	expect "$LOG" '^\(d0\) x +1 +4 +1 +r-----' "dom0's commands work after Ctrl-]"
	expect "$LOG" '^Mica: d1 \(x\) is being destroyed by d0' "destroyed"
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_console vmx_dom0_console)
