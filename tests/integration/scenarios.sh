#!/bin/bash
# tests/integration/scenarios.sh RESULT_FILE [SCENARIO...]
# Boots Mica's real images in the emulators. Each scenario appends
# "PASS name" or "FAIL name" to RESULT_FILE. Logs: build/test-logs/<name>.log
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
RESULTS=$1
shift
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mica-it.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

TEST_OPTS="console=com1,115200,fb on_idle=poweroff"

# ---------------------------------------------------------------- scenarios
sc_qemu_esp_smp1() {
	make_esp "$WORK/esp1" "[global]
default=test
[test]
options=$TEST_OPTS"
	qemu_uefi "$LOG" 120 "" -smp 1 -drive if=none,id=esp,format=raw,file=fat:rw:"$WORK/esp1" \
		-device ide-hd,drive=esp -net none
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect_healthy_boot "$LOG" 1
	expect "$LOG" 'mica\.efi: loaded .*mica\.elf' "loader read the hypervisor"
	expect "$LOG" 'Loader: mica\.efi \(UEFI' "UEFI handoff"
	expect "$LOG" 'Virtualization: AMD-V \(SVM\), NPT yes' "SVM and NPT found"
	expect "$LOG" '^Console: framebuffer [0-9]+x[0-9]+' "GOP framebuffer console"
	expect "$LOG" '^Mica: powering off' "power-off"
}

sc_qemu_esp_smp4() {
	make_esp "$WORK/esp4" "# four CPUs, two modules
[global]
default=test
[test]
options=$TEST_OPTS
kernel=dom0.bin console=hvc0 root=/dev/xvda
module=extra.bin first-module-arg"
	head -c 12345 /dev/urandom >"$WORK/esp4/EFI/BOOT/dom0.bin"
	head -c 4096 /dev/zero >"$WORK/esp4/EFI/BOOT/extra.bin"
	qemu_uefi "$LOG" 180 "" -smp 4 -drive if=none,id=esp,format=raw,file=fat:rw:"$WORK/esp4" \
		-device ide-hd,drive=esp -net none
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect_healthy_boot "$LOG" 4
	expect "$LOG" '^Boot modules: 2' "two boot modules"
	expect "$LOG" "module 0: .*\(12345 bytes\) 'dom0\.bin console=hvc0 root=/dev/xvda'" "dom0 module and its command line"
	expect "$LOG" "module 1: .*\(4096 bytes\) 'extra\.bin first-module-arg'" "second module"
}

sc_qemu_esp_reboot() {
	make_esp "$WORK/espr" "[global]
default=test
[test]
options=console=com1,115200 on_idle=reboot"
	qemu_uefi "$LOG" 120 "" -smp 2 -drive if=none,id=esp,format=raw,file=fat:rw:"$WORK/espr" \
		-device ide-hd,drive=esp -net none
	expect_rc "$EMU_RC" 0 "QEMU (-no-reboot exits on reset)"
	expect "$LOG" '^Mica: all 2 CPUs idle' "every CPU idle"
	expect "$LOG" '^Mica: rebooting' "reboot"
}

sc_qemu_usb() {
	cp "$BUILD/mica-usb.img" "$WORK/usb.img"
	printf '[global]\ndefault=test\n[test]\noptions=%s\n' "$TEST_OPTS" >"$WORK/usb.cfg"
	mcopy -o -i "$WORK/usb.img@@1M" "$WORK/usb.cfg" ::/EFI/BOOT/mica.cfg
	qemu_uefi "$LOG" 120 "" -smp 2 -drive if=none,id=usb,format=raw,file="$WORK/usb.img" \
		-device qemu-xhci -device usb-storage,drive=usb -net none
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect_healthy_boot "$LOG" 2
}

sc_qemu_pxe() {
	rm -rf "$WORK/tftp"
	cp -r "$BUILD/tftp" "$WORK/tftp"
	printf '[global]\ndefault=test\n[test]\noptions=%s\nmodule=extra.bin over-tftp\n' "$TEST_OPTS" >"$WORK/tftp/mica.cfg"
	head -c 70000 /dev/urandom >"$WORK/tftp/extra.bin"
	qemu_uefi "$LOG" 180 "" -smp 2 -netdev user,id=n0,tftp="$WORK/tftp",bootfile=BOOTX64.EFI \
		-device virtio-net-pci,netdev=n0,romfile= -boot n
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect_healthy_boot "$LOG" 2
	expect "$LOG" 'network boot over PXE/TFTP' "hypervisor knows it came over PXE"
	expect "$LOG" "module 0: .*\(70000 bytes\) 'extra\.bin over-tftp'" "module fetched over TFTP"
}

sc_qemu_iso_bios() {
	head -c 5000 /dev/urandom >"$WORK/mod.bin"
	scripts/mkiso.sh "$BUILD/mica.elf" "$WORK/bios.iso" "$TEST_OPTS" "$WORK/mod.bin" || { FAILS+=("mkiso"); return; }
	emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$WORK/bios.iso"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect_healthy_boot "$LOG" 2
	expect "$LOG" 'Loader: GRUB .*\(Multiboot2' "Multiboot2 handoff from GRUB"
	expect "$LOG" "module 0: .*\(5000 bytes\) 'mod\.bin'" "Multiboot2 module"
}

sc_qemu_iso_uefi() {
	scripts/mkiso.sh "$BUILD/mica.elf" "$WORK/uefi.iso" "$TEST_OPTS" || { FAILS+=("mkiso"); return; }
	qemu_uefi "$LOG" 120 "" -smp 2 -cdrom "$WORK/uefi.iso" -net none
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect_healthy_boot "$LOG" 2
	expect "$LOG" 'Loader: GRUB .*\(Multiboot2' "Multiboot2 handoff from GRUB's UEFI build"
	expect "$LOG" '^ACPI: RSDP rev 2 .*XSDT' "ACPI 2.0 tables through the XSDT"
	expect "$LOG" '^Console: framebuffer [0-9]+x[0-9]+' "framebuffer console from the Multiboot2 framebuffer tag"
}

sc_qemu_no_virt() {
	scripts/mkiso.sh "$BUILD/mica.elf" "$WORK/novirt.iso" "$TEST_OPTS hpet=0 x2apic=0 bogus=1 maxcpus=zz" || { FAILS+=("mkiso"); return; }
	emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu qemu64,-svm -smp 2 -m 256 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$WORK/novirt.iso"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect "$LOG" '^Virtualization: NONE' "missing virtualization reported"
	expect "$LOG" '^Timer: calibrated against ACPI PM timer' "PM timer calibration when the HPET is not used"
	expect "$LOG" "^Mica: unknown option 'bogus' ignored" "unknown option reported"
	expect "$LOG" "^Mica: maxcpus=zz is not a number" "malformed number reported"
	expect "$LOG" "^Mica: all 2 CPUs idle" "every CPU idle"
}

sc_bochs_iso_vmx() {
	GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$WORK/vmx.iso" "$TEST_OPTS" || { FAILS+=("mkiso"); return; }
	emu_run "$LOG" 300 "" scripts/run-bochs.sh "$WORK/vmx.iso" "$(realpath "$LOG")" corei7_haswell_4770 2 290
	expect_healthy_boot "$LOG" 2
	expect "$LOG" '^APIC: local APIC in x2APIC mode' "x2APIC"
	expect "$LOG" 'Virtualization: Intel VT-x \(VMX\), EPT yes, VPID yes, unrestricted guest yes' "VMX, EPT, VPID, UG"
	expect "$LOG" '^Mica: powering off' "power-off"
}

sc_qemu_fault_report() {
	scripts/mkiso.sh "$BUILD/mica.elf" "$WORK/fault.iso" "console=com1,115200 selftest=pagefault" || { FAILS+=("mkiso"); return; }
	emu_run "$LOG" 90 'System halted' qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$WORK/fault.iso"
	expect "$LOG" 'fatal exception 14 \(#PF page fault\) on CPU0' "exception named"
	expect "$LOG" 'Faulting address: 00000000dead0000 \(not present, read, data\)' "faulting address decoded"
	expect "$LOG" '^RIP: 0008:ffffffff8' "registers"
	expect "$LOG" '^CR0: .* CR2: 00000000dead0000' "control registers"
	expect "$LOG" 'selftest_fault\+0x' "faulting function by name"
	expect "$LOG" '^Backtrace:' "backtrace"
	expect "$LOG" 'platform_init\+0x' "caller in the backtrace"
}

sc_qemu_esp_bad_cfg() {
	make_esp "$WORK/espb" "[global]
default=test
[test]
options=$TEST_OPTS
kernal=typo.elf"
	qemu_uefi "$LOG" 90 'mica\.efi: error' -smp 1 -drive if=none,id=esp,format=raw,file=fat:rw:"$WORK/espb" \
		-device ide-hd,drive=esp -net none
	expect "$LOG" "mica\.efi: error: .*mica\.cfg:5: .*kernal" "error names file, line and key"
	expect_not "$LOG" '^Mica [0-9]' "hypervisor not started"
}

sc_qemu_esp_missing_module() {
	make_esp "$WORK/espm" "[global]
default=test
[test]
options=$TEST_OPTS
module=not-there.bin"
	qemu_uefi "$LOG" 90 'mica\.efi: error' -smp 1 -drive if=none,id=esp,format=raw,file=fat:rw:"$WORK/espm" \
		-device ide-hd,drive=esp -net none
	expect "$LOG" "mica\.efi: error: .*not-there\.bin" "error names the missing file"
	expect_not "$LOG" '^Mica [0-9]' "hypervisor not started"
}

sc_qemu_esp_bad_elf() {
	make_esp "$WORK/espe" "[global]
default=test
[test]
options=$TEST_OPTS"
	head -c 20000 /dev/urandom >"$WORK/espe/EFI/BOOT/mica.elf"
	qemu_uefi "$LOG" 90 'mica\.efi: error' -smp 1 -drive if=none,id=esp,format=raw,file=fat:rw:"$WORK/espe" \
		-device ide-hd,drive=esp -net none
	expect "$LOG" "mica\.efi: error: .*mica\.elf.*ELF" "error says the hypervisor is not a valid ELF"
	expect_not "$LOG" '^Mica [0-9]' "hypervisor not started"
}

# ---------------------------------------------------------------- guests
# Each test guest (tests/guests/, XTF style) boots as Mica's boot guest, on SVM
# (QEMU) and on VMX (Bochs). The hypervisor must survive whatever the guest does.

# boot_guest BACKEND GUEST [GUEST ARGS]: runs it; the log is $LOG.
boot_guest() {
	local backend=$1 guest=$2
	shift 2
	local opts="console=com1,115200 on_idle=poweroff dom0=none" iso="$WORK/$backend-$guest.iso"
	local elf="$WORK/$guest.elf"
	cp "$BUILD/guests/$guest.elf" "$elf" || { FAILS+=("no $BUILD/guests/$guest.elf"); return 1; }
	elf="$elf${*:+ $*}"
	if [ "$backend" = svm ]; then
		scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$elf" || { FAILS+=("mkiso"); return 1; }
		emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
			-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
		expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the guest)"
	else
		GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$elf" || { FAILS+=("mkiso"); return 1; }
		emu_run "$LOG" 300 "" scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" corei7_haswell_4770 1 290
	fi
	expect "$LOG" "^Mica: d1 \\($guest\\.elf\\): PVH guest" "guest built and started"
	expect "$LOG" "^Mica: d1 destroyed" "guest destroyed, hypervisor still running"
	expect "$LOG" "^Mica: boot guests stopped: ([0-9]+) KiB free \\(\\1 KiB before they were built\\)" \
		"every page returned"
	expect "$LOG" '^Mica: powering off' "clean power-off afterwards"
	expect_not "$LOG" 'fatal exception|PANIC' "no hypervisor fault"
}

guest_success() { # BACKEND GUEST [ARGS]
	boot_guest "$@" || return
	expect "$LOG" '^\(d1\) Test result: SUCCESS' "guest reports SUCCESS"
	expect_not "$LOG" 'Test result: (FAILURE|ERROR)' "no failure reported"
}

for b in svm vmx; do
	eval "sc_${b}_pvh_entry() { guest_success $b test-pvh-entry pvh-entry-test; }"
	eval "sc_${b}_cpuid() { guest_success $b test-cpuid; }"
	eval "sc_${b}_xen_version() { guest_success $b test-xen-version; }"
	eval "sc_${b}_console() { guest_success $b test-console; }"
	eval "sc_${b}_msr() {
		guest_success $b test-msr
		expect \"\$LOG\" '^\\(d1\\) ok' 'port 0xe9 output reaches the console'
	}"
	eval "sc_${b}_bad_hypercalls() { guest_success $b test-bad-hypercalls; }"
	eval "sc_${b}_pv_console() {
		guest_success $b test-pv-console
		expect \"\$LOG\" '^\\(d1\\) ring: hello from the PV console' 'first line through the ring'
		expect \"\$LOG\" '^\\(d1\\) ring: line 39 n{64}' 'more than a ring full, in order'
		expect \"\$LOG\" '^\\(d1\\) ring: done' 'last line through the ring'
	}"
	eval "sc_${b}_memory_op() { guest_success $b test-memory-op; }"
	eval "sc_${b}_hypercall_loop() {
		guest_success $b test-hypercall-loop
		expect \"\$LOG\" '^\\(d1\\) hypercall loop: 100000 calls' '100,000 null hypercalls'
	}"
	eval "sc_${b}_shutdown_reboot() {
		boot_guest $b test-shutdown-reboot on_reboot=destroy
		expect \"\$LOG\" '^Mica: d1 \\(test-shutdown-reboot\\.elf\\) shut down: reboot' 'reboot reason reaches Mica'
	}"
	eval "sc_${b}_shutdown_crash() {
		boot_guest $b test-shutdown-crash
		expect \"\$LOG\" '^Mica: d1 \\(test-shutdown-crash\\.elf\\) shut down: crash' 'crash reason reaches Mica'
	}"
	eval "sc_${b}_npf() {
		boot_guest $b test-npf
		expect \"\$LOG\" '^Mica: d1 \\(test-npf\\.elf\\) crashed: .*guest-physical 0x[0-9a-f]+, which is not mapped' 'unmapped access crashes only the guest'
		expect \"\$LOG\" '^\\(d1\\) vCPU0: RIP' 'guest register dump'
	}"
	eval "sc_${b}_triple_fault() {
		boot_guest $b test-triple-fault
		expect \"\$LOG\" '^Mica: d1 \\(test-triple-fault\\.elf\\) crashed: triple fault' 'triple fault crashes only the guest'
	}"
done
# A kernel without the PVH entry note (here: mica.elf itself) is refused, and Mica carries on.
sc_svm_not_pvh() {
	cp "$BUILD/mica.elf" "$WORK/not-pvh.elf"
	scripts/mkiso.sh "$BUILD/mica.elf" "$WORK/not-pvh.iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/not-pvh.elf" || { FAILS+=("mkiso"); return; }
	emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 1 -m 256 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$WORK/not-pvh.iso"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect "$LOG" "^Mica: boot guest 'not-pvh\.elf' refused: not a PVH kernel: no XEN_ELFNOTE_PHYS32_ENTRY note" \
		"refusal says why"
	expect "$LOG" '^Mica: powering off' "hypervisor carries on"
}

# run_modules BACKEND NAME STOP MODULE...: boots Mica (dom0less) with these modules (guest name and
# its arguments, from $BUILD/guests) on two CPUs; STOP, if not empty, ends the run when it appears.
run_modules() {
	local backend=$1 name=$2 stop=$3 iso="$WORK/$1-$2.iso" mods=() m g src
	shift 3
	for m in "$@"; do
		g=${m%% *}
		src=$BUILD/guests/$g.elf
		[ "$g" = pv-guest ] && src=$BUILD/pv-guest/pv-guest.elf
		cp "$src" "$WORK/" || { FAILS+=("no $src"); return 1; }
		mods+=("$WORK/$g.elf${m#"$g"}")
	done
	if [ "$backend" = svm ]; then
		scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff dom0=none" "${mods[@]}" ||
			{ FAILS+=("mkiso"); return 1; }
		emu_run "$LOG" 180 "$stop" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
			-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
		expect_rc "$EMU_RC" 0 "QEMU ran to the end"
	else
		GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff dom0=none" \
			"${mods[@]}" || { FAILS+=("mkiso"); return 1; }
		emu_run "$LOG" 400 "$stop" scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" corei7_haswell_4770 2 390
	fi
	expect_not "$LOG" 'fatal exception|PANIC' "no hypervisor fault"
}

all_pass() { # the domain ids that must report SUCCESS
	local d
	for d in "$@"; do expect "$LOG" "^\\(d$d\\) Test result: SUCCESS" "d$d reports SUCCESS"; done
	expect_not "$LOG" 'Test result: (FAILURE|ERROR)' "no failure reported"
}

every_page_back() {
	expect "$LOG" "^Mica: boot guests stopped: ([0-9]+) KiB free \\(\\1 KiB before they were built\\)" \
		"every page returned"
}

for b in svm vmx; do
	# One-shot timers fire, not early, woken through the callback vector or the per-vCPU vector.
	eval "sc_${b}_timer() {
		run_modules $b timer '' 'test-timer' || return
		expect \"\$LOG\" '^\\(d1\\) timer: 20 one-shots, max lateness [0-9]+ us' '20 one-shots fired'
		expect \"\$LOG\" '^\\(d1\\) timer: VCPU_SSHOTTMR_future with a past deadline: -ETIME' 'a past deadline is refused'
		all_pass 1
		every_page_back
	}"
	eval "sc_${b}_timer_percpu() {
		run_modules $b timer-percpu '' 'test-timer percpu' || return
		expect \"\$LOG\" '^\\(d1\\) timer: 20 one-shots' '20 one-shots through the per-vCPU vector'
		all_pass 1
	}"
	# Two domains wake each other through upcalls, blocked in between; then both on one CPU.
	eval "sc_${b}_upcall() {
		run_modules $b upcall '' 'test-upcall ping' 'test-upcall pong' || return
		expect \"\$LOG\" '^\\(d1\\) upcall: ping: 1000 round trips' 'd1: 1000 round trips'
		expect \"\$LOG\" '^\\(d2\\) upcall: pong: 1000 round trips' 'd2: 1000 round trips'
		expect \"\$LOG\" '^\\(d1\\) upcall: ping: SCHEDOP_poll on masked port [0-9]+ woken by the peer' 'poll woken on a masked port'
		all_pass 1 2
		every_page_back
	}"
	eval "sc_${b}_upcall_one_cpu() {
		run_modules $b upcall1 '' 'test-upcall cpus=0 -- ping' 'test-upcall cpus=0 -- pong' || return
		expect \"\$LOG\" '^\\(d1\\) upcall: ping: 1000 round trips' 'd1: 1000 round trips, sharing CPU0'
		all_pass 1 2
	}"
	# A second vCPU comes up with VCPUOP_initialise + VCPUOP_up, goes down and up again.
	eval "sc_${b}_smp() {
		run_modules $b smp '' 'test-smp vcpus=2' || return
		expect \"\$LOG\" '^\\(d1\\) smp: vCPU1: running on its own stack' 'vCPU1 runs'
		expect \"\$LOG\" '^\\(d1\\) smp: vCPU1: 64-bit start, down, up, down: done' 'vCPU1 down and up again'
		all_pass 1
		every_page_back
	}"
	# Four CPU-bound domains on two CPUs, two pinned and two free to move: all make progress.
	eval "sc_${b}_four_domains() {
		local c=\$([ $b = svm ] && echo 33554432 || echo 4194304)
		run_modules $b four '' \"test-spin cpus=0 -- rounds=8 chunk=\$c\" \\
			\"test-spin cpus=1 -- rounds=8 chunk=\$c\" \"test-spin -- rounds=8 chunk=\$c\" \\
			\"test-spin -- rounds=8 chunk=\$c\" || return
		local d
		for d in 1 2 3 4; do
			expect \"\$LOG\" \"^\\\\(d\$d\\\\) spin: progress 4\" \"d\$d makes progress\"
		done
		all_pass 1 2 3 4
		every_page_back
	}"
	# A domain that keeps crashing is restarted by its on_crash policy (until it restarts too often),
	# while another domain goes on undisturbed.
	eval "sc_${b}_on_crash() {
		run_modules $b crash '' 'test-crash on_crash=restart' 'test-spin -- rounds=6' || return
		expect \"\$LOG\" '^Mica: d1 \\(test-crash\\.elf\\) restarted' 'on_crash=restart builds it again'
		[ \"\$(grep -ac '^(d1) crash: boot' \"\$LOG\")\" = 4 ] || FAILS+=('four boots of d1 (one and three restarts)')
		expect \"\$LOG\" '^Mica: d1 \\(test-crash\\.elf\\) restarted 3 times within 30 s; destroying it instead' 'restart storm stopped'
		all_pass 2
		every_page_back
	}"
	eval "sc_${b}_on_crash_preserve() {
		run_modules $b preserve 'preserved: it stays' 'test-crash on_crash=preserve -- fault' || return
		expect \"\$LOG\" '^Mica: d1 \\(test-crash\\.elf\\) crashed: .*not mapped' 'the fault crashes the domain'
		expect \"\$LOG\" '^Mica: d1 \\(test-crash\\.elf\\) preserved' 'on_crash=preserve keeps it'
		expect_not \"\$LOG\" '^Mica: d1 destroyed' 'not destroyed'
	}"
done

# Two boot modules become two domains, each on a CPU of its own, running at the same time.
two_guests() { # BACKEND
	local opts="console=com1,115200 on_idle=poweroff dom0=none" iso="$WORK/$1-two.iso"
	cp "$BUILD/guests/test-xen-version.elf" "$BUILD/guests/test-bad-hypercalls.elf" "$WORK/"
	if [ "$1" = svm ]; then
		scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$WORK/test-xen-version.elf cpus=0" \
			"$WORK/test-bad-hypercalls.elf cpus=1" || { FAILS+=("mkiso"); return; }
		emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
			-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
		expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the guests)"
	else
		GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$WORK/test-xen-version.elf cpus=0" \
			"$WORK/test-bad-hypercalls.elf cpus=1" || { FAILS+=("mkiso"); return; }
		emu_run "$LOG" 300 "" scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" corei7_haswell_4770 2 290
	fi

	expect "$LOG" '^Mica: d1 \(test-xen-version\.elf\): PVH guest.* CPUs 0x1,' "d1 pinned to the boot CPU"
	expect "$LOG" '^Mica: d2 \(test-bad-hypercalls\.elf\): PVH guest.* CPUs 0x2,' "d2 pinned to the second CPU"
	expect "$LOG" '^\(d1\) Test result: SUCCESS' "d1 reports SUCCESS"
	expect "$LOG" '^\(d2\) Test result: SUCCESS' "d2 reports SUCCESS"
	expect "$LOG" '^Mica: d1 destroyed' "d1 destroyed"
	expect "$LOG" '^Mica: d2 destroyed' "d2 destroyed"
	expect "$LOG" "^Mica: boot guests stopped: ([0-9]+) KiB free \\(\\1 KiB before they were built\\)" \
		"every page of both returned"
	expect "$LOG" '^Mica: powering off' "clean power-off afterwards"
	expect_not "$LOG" 'Test result: (FAILURE|ERROR)|fatal exception|PANIC' "no failure"
}
# Two domains bounce 10,000 events over an interdomain event channel (shared_info polling).
pingpong() { # BACKEND
	local opts="console=com1,115200 on_idle=poweroff dom0=none" iso="$WORK/$1-pp.iso" elf="$WORK/pingpong.elf"
	cp "$BUILD/guests/test-evtchn-pingpong.elf" "$elf"
	if [ "$1" = svm ]; then
		scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$elf ping" "$elf pong" || { FAILS+=("mkiso"); return; }
		emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
			-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
		expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the guests)"
	else
		GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$elf ping" "$elf pong" ||
			{ FAILS+=("mkiso"); return; }
		emu_run "$LOG" 300 "" scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" corei7_haswell_4770 2 290
	fi
	expect "$LOG" '^\(d1\) pingpong: ping: 10000 round trips' "domain 1 completed 10,000 round trips"
	expect "$LOG" '^\(d2\) pingpong: pong: 10000 round trips' "domain 2 completed 10,000 round trips"
	expect "$LOG" '^\(d1\) Test result: SUCCESS' "d1 reports SUCCESS"
	expect "$LOG" '^\(d2\) Test result: SUCCESS' "d2 reports SUCCESS"
	expect "$LOG" "^Mica: boot guests stopped: ([0-9]+) KiB free \\(\\1 KiB before they were built\\)" \
		"every page of both returned"
	expect_not "$LOG" 'Test result: (FAILURE|ERROR)|fatal exception|PANIC' "no failure"
}
# Typing on the serial line: debug keys reach the hypervisor; Ctrl-A three times moves the input to
# the domain, whose PV console ring receives it.
sc_svm_console_input() {
	local iso="$WORK/input.iso" fifo="$WORK/serial"
	cp "$BUILD/guests/test-pv-console.elf" "$WORK/"
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff dom0=none" \
		"$WORK/test-pv-console.elf -- input" || { FAILS+=("mkiso"); return; }
	rm -f "$fifo.in" "$fifo.out"
	mkfifo "$fifo.in"
	: >"$fifo.out"
	( # the typist: waits for the guest, then types
		exec 3<>"$fifo.in"
		for _ in $(seq 600); do grep -q 'ring: waiting for input' "$fifo.out" && break; sleep 0.1; done
		printf 'q' >&3
		sleep 1
		printf '\001\001\001' >&3
		sleep 1
		printf 'hello mica\r' >&3
		sleep 5
	) &
	emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -chardev pipe,id=ser0,path="$fifo" -serial chardev:ser0 -no-reboot -cdrom "$iso"
	cp "$fifo.out" "$LOG"
	wait
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the guest)"
	expect "$LOG" '^d1 \(test-pv-console\.elf\): running' "debug key q lists the domain"
	expect "$LOG" '^Mica: console input goes to d1' "Ctrl-A three times moves the input to d1"
	expect "$LOG" "^\\(d1\\)   ok: input arrived through the ring: 'hello mica'" "typed line reaches the guest's ring"
	expect "$LOG" '^\(d1\) Test result: SUCCESS' "guest reports SUCCESS"
}

# The first module is dom0 (domain 0, privileged) and a non-ELF module after it is its ramdisk;
# the next module is domain 2.
sc_svm_dom0() {
	local iso="$WORK/dom0.iso"
	cp "$BUILD/guests/test-pvh-entry.elf" "$BUILD/guests/test-xen-version.elf" "$WORK/"
	head -c 70000 /dev/urandom >"$WORK/initrd.img"
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/test-pvh-entry.elf pvh-entry-test" "$WORK/initrd.img" "$WORK/test-xen-version.elf" ||
		{ FAILS+=("mkiso"); return; }
	emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the guests)"
	expect "$LOG" "^Mica: d0 \(test-pvh-entry\.elf\): PVH guest \(dom0, privileged\).*, with a ramdisk" \
		"dom0 built with its ramdisk"
	expect "$LOG" '^\(d0\)   ok: module list present when modules are' "dom0 finds its ramdisk module"
	expect "$LOG" '^\(d0\) Test result: SUCCESS' "dom0 reports SUCCESS"
	expect "$LOG" '^Mica: d2 \(test-xen-version\.elf\): PVH guest,' "the next module is an unprivileged d2"
	expect "$LOG" '^\(d2\) Test result: SUCCESS' "d2 reports SUCCESS"
	expect "$LOG" "^Mica: boot guests stopped: ([0-9]+) KiB free \\(\\1 KiB before they were built\\)" \
		"every page returned"
	expect_not "$LOG" 'Test result: (FAILURE|ERROR)|fatal exception|PANIC' "no failure"
}

# Grant tables between two domains: domain 1 grants, domain 2 copies and maps; domain 1 shuts
# down while domain 2 maps its pages, and domain 2 leaves one map for the teardown, so domain 1's
# table outlives it until domain 2 is destroyed. Every page must come back.
grant_pair() { # BACKEND
	local opts="console=com1,115200 on_idle=poweroff dom0=none" iso="$WORK/$1-grant.iso" elf="$WORK/grant.elf"
	cp "$BUILD/guests/test-grant.elf" "$elf"
	if [ "$1" = svm ]; then
		scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$elf granter" "$elf mapper" || { FAILS+=("mkiso"); return; }
		emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
			-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
		expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the guests)"
	else
		GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$elf granter" "$elf mapper" ||
			{ FAILS+=("mkiso"); return; }
		emu_run "$LOG" 300 "" scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" corei7_haswell_4770 2 290
	fi
	expect "$LOG" '^\(d1\) grant: granter: refs 8\.\.12 granted to domain 2' "domain 1 granted its pages"
	expect "$LOG" "^\(d2\) grant: mapper: domain 1's mailbox is readable through a grant copy" "grant copy works"
	expect "$LOG" '^\(d1\) Test result: SUCCESS' "d1 (granter) reports SUCCESS"
	expect "$LOG" '^\(d2\) Test result: SUCCESS' "d2 (mapper) reports SUCCESS"
	expect_before "$LOG" '^Mica: d1 \(grant\.elf\) shut down: poweroff' \
		"^\(d2\) grant: mapper: read 'written by d1 before it shut down' through the map after domain 1" \
		"the mapper reads through its map after the granter shut down"
	expect "$LOG" "^Mica: d1's grant table outlives it: [0-9]+ entries still mapped" "d1's table kept for d2's maps"
	expect_before "$LOG" '^Mica: d1 destroyed' "^Mica: d1's grant table freed" "d1's table freed after d1"
	expect_before "$LOG" "^Mica: d1's grant table freed" '^Mica: d2 destroyed' "... when d2 is destroyed"
	expect "$LOG" "^Mica: boot guests stopped: ([0-9]+) KiB free \\(\\1 KiB before they were built\\)" \
		"every page of both returned"
	expect_not "$LOG" 'Test result: (FAILURE|ERROR)|fatal exception|PANIC|WARNING|crashed' "no failure"
}
sc_svm_grant() { grant_pair svm; }
sc_vmx_grant() { grant_pair vmx; }
# The control interface end to end: test-ctl as dom0 builds a domain from nothing (RAM, a program
# written through a foreign mapping, a vCPU context), runs, pauses and destroys it, and destroys a
# second one whose page it still maps; the same image as an ordinary domain (d1) has every command
# refused.
ctl_scenario() { # BACKEND
	local opts="console=com1,115200 on_idle=poweroff" iso="$WORK/$1-ctl.iso" elf="$WORK/test-ctl.elf"
	cp "$BUILD/guests/test-ctl.elf" "$elf" || { FAILS+=("no $BUILD/guests/test-ctl.elf"); return; }
	if [ "$1" = svm ]; then
		scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$elf" "$elf unprivileged" || { FAILS+=("mkiso"); return; }
		emu_run "$LOG" 180 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
			-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
		expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the guests)"
	else
		GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "$opts" "$elf" "$elf unprivileged" ||
			{ FAILS+=("mkiso"); return; }
		emu_run "$LOG" 300 "" scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" corei7_haswell_4770 2 290
	fi
	expect "$LOG" '^Mica: d0 \(test-ctl\.elf\): PVH guest \(dom0, privileged\)' "test-ctl is dom0"
	expect "$LOG" '^\(d1\) Test result: SUCCESS' "an ordinary domain has every command refused"
	expect "$LOG" '^Mica: d7 \(ctl-child\) created by d0: 1 vCPU, up to 4096 KiB' "dom0 creates d7"
	expect "$LOG" '^\(d7\) ctl-child: hello from a domain built over the control interface' "d7 runs its program"
	expect "$LOG" '^Mica: d7 destroyed' "d7 destroyed"
	expect "$LOG" '^\(d0\)   ok: its page is still there after the domain is gone' \
		"a page mapped by dom0 outlives its destroyed domain"
	expect "$LOG" '^\(d0\) Test result: SUCCESS' "dom0 reports SUCCESS"
	expect "$LOG" "^Mica: boot guests stopped: ([0-9]+) KiB free \\(\\1 KiB before they were built\\)" \
		"every page returned"
	expect_not "$LOG" 'Test result: (FAILURE|ERROR)|fatal exception|PANIC' "no failure"
}
sc_svm_ctl() { ctl_scenario svm; }
sc_vmx_ctl() { ctl_scenario vmx; }
# dom0 builds idle 4 MiB domains over the control interface until memory runs out (in 512 MiB),
# then destroys them all: every page comes back. (bench: the same in 4 GiB, docs/benchmarks.md)
sc_svm_ctl_fill() {
	local iso="$WORK/fill.iso"
	cp "$BUILD/guests/test-ctl.elf" "$WORK/" || { FAILS+=("no test-ctl.elf"); return; }
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" "$WORK/test-ctl.elf -- fill=4" ||
		{ FAILS+=("mkiso"); return; }
	emu_run "$LOG" 240 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect "$LOG" '^\(d0\) fill: [0-9]{2,} idle domains of 4 MiB running \(the next refused: -12\)' \
		"idle domains until memory runs out, then a clean refusal"
	expect "$LOG" '^\(d0\)   ok: every page back after destroying them' "every page back"
	expect "$LOG" '^\(d0\) Test result: SUCCESS' "dom0 reports SUCCESS"
	expect_not "$LOG" 'fatal exception|PANIC' "no hypervisor fault"
}
sc_svm_evtchn_pingpong() { pingpong svm; }
sc_vmx_evtchn_pingpong() { pingpong vmx; }
sc_svm_two_guests() { two_guests svm; }
sc_vmx_two_guests() { two_guests vmx; }

GUEST_SCENARIOS=(svm_not_pvh svm_dom0 svm_console_input svm_ctl_fill)
for b in ${GUEST_BACKENDS:-svm vmx}; do GUEST_SCENARIOS+=("${b}_ctl"); done
for b in ${GUEST_BACKENDS:-svm vmx}; do
	GUEST_SCENARIOS+=("${b}_two_guests" "${b}_evtchn_pingpong" "${b}_grant" "${b}_timer" "${b}_upcall" "${b}_upcall_one_cpu" "${b}_smp"
		"${b}_four_domains" "${b}_on_crash" "${b}_on_crash_preserve")
done
GUEST_SCENARIOS+=(svm_timer_percpu)
for b in ${GUEST_BACKENDS:-svm vmx}; do
	for g in pvh_entry cpuid xen_version console pv_console msr memory_op bad_hypercalls hypercall_loop shutdown_reboot shutdown_crash npf \
		triple_fault; do
		GUEST_SCENARIOS+=("${b}_$g")
	done
done

. tests/integration/pv_guest.sh

# ---------------------------------------------------------------- runner
ALL=(qemu_esp_smp1 qemu_esp_smp4 qemu_esp_reboot qemu_usb qemu_pxe qemu_iso_bios qemu_iso_uefi qemu_no_virt bochs_iso_vmx qemu_fault_report
	qemu_esp_bad_cfg qemu_esp_missing_module qemu_esp_bad_elf "${GUEST_SCENARIOS[@]}" "${PV_GUEST_SCENARIOS[@]}")
if [ $# -gt 0 ]; then LIST=("${@//-/_}"); else LIST=("${ALL[@]}"); fi
for sc in "${LIST[@]}"; do
	name=${sc//_/-}
	LOG=$LOGS/$name.log
	rm -f "$LOG" "$LOG.stdout"
	FAILS=()
	if ! declare -F "sc_$sc" >/dev/null; then
		FAILS=("no such scenario")
		EMU_SECS=0
	else
		"sc_$sc"
	fi
	if [ ${#FAILS[@]} -eq 0 ]; then
		printf '  %-28s PASS  (%ss)\n' "$name" "$EMU_SECS"
		echo "PASS $name" >>"$RESULTS"
	else
		printf '  %-28s FAIL  (%ss, log: %s)\n' "$name" "$EMU_SECS" "$LOG"
		printf '      %s\n' "${FAILS[@]}"
		echo "      last lines of the serial log:"
		tail -n 25 "$LOG" 2>/dev/null | tr -d '\033' | cut -c1-160 | sed 's/^/      | /'
		echo "FAIL $name" >>"$RESULTS"
	fi
done
