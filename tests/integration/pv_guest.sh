# pv-guest scenarios (sourced by scenarios.sh): Mica's own PV kernel (pv-guest/, docs/pv-guest.md)
# as boot modules on both backends, typed at through the serial console, and on real Xen.

pvg_clean_end() { # the domain powered off (or crashed, $1) and gave every page back
	expect "$LOG" "^Mica: d1 \\(pv-guest\\.elf\\) shut down: ${1:-poweroff}" "d1 shut down: ${1:-poweroff}"
	every_page_back
}

for b in svm vmx; do
	# Boot, banner, uptime and wall clock, two threads sleeping on timers, malloc and libm.
	eval "sc_${b}_pvg_hello() {
		run_modules $b pvg-hello '' 'pv-guest memory=4 -- hello' || return
		expect \"\$LOG\" '^\\(d1\\) pv-guest [0-9.]+ on Mica [0-9]+\\.[0-9]+: [0-9]+ KiB RAM .*console ring' 'banner, on the console ring'
		expect \"\$LOG\" '^\\(d1\\) uptime: [0-9]+\\.[0-9]{3} s since boot' 'uptime'
		expect \"\$LOG\" '^\\(d1\\) threads: 10 ms and 30 ms sleeps woke in order' 'timers wake sleeping threads in order'
		expect \"\$LOG\" '^\\(d1\\) hello: OK' 'hello reports OK'
		pvg_clean_end
	}"
	# Shell commands from the command line, then a crash: registers, backtrace, SHUTDOWN_crash.
	eval "sc_${b}_pvg_crash() {
		run_modules $b pvg-crash '' 'pv-guest memory=4 -- shell -c uptime , sleep 20 , crash' || return
		expect \"\$LOG\" '^\\(d1\\) up [0-9]+\\.[0-9]{3} s' 'uptime command'
		expect \"\$LOG\" '^\\(d1\\) slept 20 ms' 'sleep command'
		expect \"\$LOG\" '^\\(d1\\) \\*\\*\\* pv-guest panic: crash requested from the shell' 'panic message'
		expect \"\$LOG\" '^\\(d1\\)   backtrace: 0x' 'backtrace'
		pvg_clean_end crash
	}"
done

# Typed at: Ctrl-A three times gives d1 the console, then commands go through its ring and back.
sc_svm_pvg_shell() {
	local iso="$WORK/pvg-shell.iso" fifo="$WORK/pvg-serial"
	cp "$BUILD/pv-guest/pv-guest.elf" "$WORK/" || { FAILS+=("no pv-guest.elf"); return; }
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff dom0=none" \
		"$WORK/pv-guest.elf memory=4 -- shell" || { FAILS+=("mkiso"); return; }
	rm -f "$fifo.in" "$fifo.out"
	mkfifo "$fifo.in"
	: >"$fifo.out"
	( # the typist: waits for the prompt, takes the console, types a line at a time
		exec 3<>"$fifo.in"
		for _ in $(seq 600); do grep -q 'pv-guest shell: type help' "$fifo.out" && break; sleep 0.1; done
		printf '\001\001\001' >&3
		sleep 1
		for line in 'help' 'uptime' 'echo typed words' 'sleep 50' 'mem' 'threads' 'nosuchcmd' $'\e[A\e[A\e[A\e[A\e[B' 'poweroff'; do
			printf '%s\r' "$line" >&3
			sleep 1
		done
		sleep 3
	) &
	emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -chardev pipe,id=ser0,path="$fifo" -serial chardev:ser0 -no-reboot -cdrom "$iso"
	cp "$fifo.out" "$LOG"
	wait
	tr -d '\r' <"$LOG" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the guest)"
	expect "$LOG" '^Mica: console input goes to d1' "Ctrl-A three times moves the input to d1"
	expect "$LOG" '^\(d1\)   uptime +time since boot' "help lists the commands"
	expect "$LOG" '^\(d1\) pv> uptime$' "typed characters echo back"
	expect "$LOG" '^\(d1\) up [0-9]+\.[0-9]{3} s' "uptime"
	expect "$LOG" '^\(d1\) typed words$' "echo"
	expect "$LOG" '^\(d1\) slept 50 ms' "sleep"
	expect "$LOG" '^\(d1\) RAM [0-9]+ KiB: image' "mem"
	expect "$LOG" '^\(d1\) main +runnable \(current\)' "threads"
	expect "$LOG" '^\(d1\) nosuchcmd: unknown command' "unknown command"
	[ "$(grep -ac '^(d1) RAM [0-9]* KiB: image' "$LOG")" -ge 2 ] ||
		FAILS+=("up, up, up, up, down did not run mem again from the history")
	pvg_clean_end
}

# Two pv-guests side by side, each with its own console ring, on one CPU each.
sc_svm_pvg_two() {
	run_modules svm pvg-two '' 'pv-guest memory=4 -- hello' 'pv-guest memory=8 -- shell -c mem , sleep 100 , uptime' || return
	expect "$LOG" '^\(d1\) hello: OK' "d1 hello reports OK"
	expect "$LOG" '^\(d2\) RAM [0-9]+ KiB' "d2 runs its commands"
	expect "$LOG" '^\(d2\) slept 100 ms' "d2 sleeps"
	expect "$LOG" '^Mica: d2 \(pv-guest\.elf\) shut down: poweroff' "d2 powers off"
	every_page_back
}

# The same image as the PVH dom0 of real Xen 4.17 (Debian's package, under QEMU TCG).
sc_xen_pvg_hello() {
	local start=$SECONDS
	bash tests/guests/xen-dom0.sh --pv-guest hello >"$LOG.stdout" 2>&1
	local rc=$?
	EMU_SECS=$((SECONDS - start))
	cp "$BUILD/test-logs/xen-pv-guest.log" "$LOG" 2>/dev/null || : >"$LOG"
	expect_rc "$rc" 0 "xen-dom0.sh (pv-guest powered off after OK)"
	expect "$LOG" '^pv-guest [0-9.]+ on Xen 4\.17: ' "banner on Xen 4.17"
	expect "$LOG" '^uptime: [0-9]+\.[0-9]{3} s since boot' "uptime"
	expect "$LOG" '^hello: OK' "hello reports OK"
}

PV_GUEST_SCENARIOS=(svm_pvg_hello vmx_pvg_hello svm_pvg_crash vmx_pvg_crash svm_pvg_shell svm_pvg_two xen_pvg_hello)

# The store: dom0 (pv-guest's dom0 image) serves it; a domU reads and writes its own nodes
# through xenbus and is refused dom0's; when the domU is gone its nodes go too.
pvg_store() { # BACKEND
	local iso="$WORK/pvg-store-$1.iso"
	cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no pv-guest images"); return; }
	[ "$1" = vmx ] && export GFXPAYLOAD=text
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf memory=32 -- shell -c sleep 4000 , xs write /local/domain/1/data/w from-dom0 , sleep 6000 , xs ls /local/domain , poweroff" \
		"$WORK/pv-guest.elf memory=4 -- shell -c xs read domid , xs read name , xs write data/x hello , xs read data/x , xs mkdir data/dir , xs tx data/a 1 data/b 2 , xs read data/b , xs perms data/x , xs ls /local/domain/1 , xs read /local/domain/0/name , xs write /local/domain/0/evil x , xs watch data/w 2" ||
		{ FAILS+=("mkiso"); return; }
	unset GFXPAYLOAD
	if [ "$1" = svm ]; then
		emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
			-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
		expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the domains)"
	else
		emu_run "$LOG" 400 "" scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" corei7_haswell_4770 2 390
	fi
	expect "$LOG" '^\(d0\) dom0: store up' "dom0 serves the store"
	expect "$LOG" '^\(d0\) store: d1 \(pv-guest\.elf\) introduced' "d1 introduced"
	expect_before "$LOG" '^\(d1\) > xs read domid' '^\(d1\) 1.?$' "d1 reads its domid"
	expect_before "$LOG" '^\(d1\) > xs read name' '^\(d1\) pv-guest\.elf.?$' "d1 reads its name"
	expect_before "$LOG" '^\(d1\) > xs read data/x' '^\(d1\) hello.?$' "d1 reads back what it wrote"
	expect "$LOG" '^\(d1\) xs: /local/domain/0/name: error -13' "d1 may not read dom0's nodes (EACCES)"
	expect "$LOG" '^\(d1\) xs: /local/domain/0/evil: error -13' "d1 may not write dom0's nodes (EACCES)"
	expect "$LOG" '^\(d1\) xs: 2 writes committed in one transaction' "a transaction commits"
	expect_before "$LOG" '^\(d1\) > xs read data/b' '^\(d1\) 2.?$' "what it wrote is there"
	expect "$LOG" '^\(d1\) n1.?$' "d1 owns its nodes (perms n1)"
	expect "$LOG" '^\(d1\) watch [^ ]+: data/w changed' "a watch fires at registration"
	[ "$(grep -ac '^(d1) watch [^ ]*: data/w changed' "$LOG")" -eq 2 ] ||
		FAILS+=("the watch did not fire again when dom0 wrote data/w")
	expect "$LOG" '^\(d0\) store: d1 released' "d1 released when it is gone"
	expect_not "$LOG" '^\(d0\) 1.?$' "its nodes went with it"
}
sc_svm_pvg_store() { pvg_store svm; }
sc_vmx_pvg_store() { pvg_store vmx; }
PV_GUEST_SCENARIOS+=(svm_pvg_store vmx_pvg_store)

# Reboot through SCHEDOP_shutdown(reboot): Mica sees the reason (and, with on_reboot=destroy, stops).
sc_svm_pvg_reboot() {
	run_modules svm pvg-reboot '' 'pv-guest memory=4 on_reboot=destroy -- shell -c reboot' || return
	expect "$LOG" '^\(d1\) pv-guest: rebooting' "the guest reboots"
	pvg_clean_end reboot
}
PV_GUEST_SCENARIOS+=(svm_pvg_reboot)

# The network: dom0's netback bridges d1, d2 and d3 and answers their DHCP; d2 pings d1, fetches
# its httpd's page and /status over TCP, and has d3's echo server send its bytes back.
pvg_net() { # BACKEND
	local iso="$WORK/pvg-net-$1.iso"
	cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no pv-guest images"); return; }
	[ "$1" = vmx ] && export GFXPAYLOAD=text
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf memory=32 -- shell vif=1,2,3" \
		"$WORK/pv-guest.elf memory=8 -- httpd" \
		"$WORK/pv-guest.elf memory=8 -- shell -c ping 10.0.0.10 2 , fetch 10.0.0.10 / , fetch 10.0.0.10 /status , fetch 10.0.0.10 /nothing , tcp 10.0.0.12 echoed over TCP , net" \
		"$WORK/pv-guest.elf memory=4 -- echo" ||
		{ FAILS+=("mkiso"); return; }
	unset GFXPAYLOAD
	# d1 (httpd) and dom0 run on: stop once d2 is done.
	if [ "$1" = svm ]; then
		emu_run "$LOG" 150 '^Mica: d2 \(pv-guest\.elf\) shut down' qemu-system-x86_64 -accel tcg -machine pc \
			-cpu "$QEMU_CPU" -smp 2 -m 512 -display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
	else
		emu_run "$LOG" 400 '^Mica: d2 \(pv-guest\.elf\) shut down' scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" \
			corei7_haswell_4770 2 390
	fi
	expect_rc "$EMU_RC" 0 "the emulator ran until d2 was done"
	expect "$LOG" '^\(d0\) netback: /local/domain/0/backend/vif/1/0: connected' "d1's vif connected"
	expect "$LOG" '^\(d0\) netback: /local/domain/0/backend/vif/2/0: connected' "d2's vif connected"
	expect "$LOG" '^\(d1\) net: en0 up, address 10\.0\.0\.10 \(dhcp\)' "d1 configured by DHCP"
	expect "$LOG" '^\(d2\) net: en0 up, address 10\.0\.0\.11 \(dhcp\)' "d2 configured by DHCP"
	expect "$LOG" '^\(d2\) ping: 2 of 2 replies' "d2 pings d1"
	expect "$LOG" '^\(d2\) <h1>Hello from pv-guest</h1>' "d2 fetches d1's page over TCP"
	expect "$LOG" '^\(d2\) \{"kernel": "pv-guest", "hypervisor": "Mica", "uptime_ms": [0-9]+' "and its /status JSON"
	expect "$LOG" '^\(d2\) HTTP/1\.0 404 Not Found' "an unknown path is a 404"
	expect "$LOG" '^\(d3\) echo: listening on port 7' "d3 runs the echo server"
	expect "$LOG" '^\(d2\) tcp: 15 bytes sent, 15 back from 10\.0\.0\.12:7' "d3 echoes d2's bytes"
	expect "$LOG" '^\(d2\)   inet 10\.0\.0\.11 netmask 255\.255\.255\.0 gateway 10\.0\.0\.1' "net shows the lease"
	expect "$LOG" '^Mica: d2 \(pv-guest\.elf\) shut down: poweroff' "d2 done"
	expect_not "$LOG" 'pv-guest panic|\*\*\* pv-guest:' "no guest fault"
}
sc_svm_pvg_net() { pvg_net svm; }
sc_vmx_pvg_net() { pvg_net vmx; }

# Block: dom0's blkback serves a RAM disk; blktest writes and reads back across it; then a
# domain writes a sector, reboots (on_reboot=restart rebuilds it), and reads it back: the
# disk outlives the domain.
sc_svm_pvg_blk() {
	local iso="$WORK/pvg-blk.iso"
	cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no pv-guest images"); return; }
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf memory=48 -- shell vbd=1:8,2:4" \
		"$WORK/pv-guest.elf memory=8 -- blktest" \
		"$WORK/pv-guest.elf memory=8 on_reboot=restart -- shell -c blk read 7 1 , blk write 7 survived-the-reboot , blk flush , reboot" ||
		{ FAILS+=("mkiso"); return; }
	# dom0 runs on: stop once the rebuilt d2 read its sector (and d1's blktest is long done).
	emu_run "$LOG" 150 '^\(d2\) 00000e00  73 75 72 76 69 76 65 64' qemu-system-x86_64 -accel tcg -machine pc \
		-cpu "$QEMU_CPU" -smp 2 -m 512 -display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
	expect_rc "$EMU_RC" 0 "QEMU ran until d2 read its sector back"
	expect "$LOG" '^\(d1\) blktest: [0-9]+ sectors written and read back OK' "blktest passes"
	expect "$LOG" '^\(d2\) blk: 19 bytes written to sector 7' "d2 writes a sector"
	expect "$LOG" '^Mica: d2 \(pv-guest\.elf\) restarted' "d2 rebuilt after its reboot"
	expect "$LOG" '^\(d2\) 00000e00  73 75 72 76 69 76 65 64' "the rebuilt d2 reads what it wrote"
	expect_not "$LOG" 'blktest: FAILED|pv-guest panic|\*\*\* pv-guest:' "no failure"
}
PV_GUEST_SCENARIOS+=(svm_pvg_net vmx_pvg_net svm_pvg_blk)

# What `make run` boots: build/esp/ as it is (boot/mica.cfg: dom0 with its shell and its initrd),
# under OVMF on q35, typed at as the README walks a new user through: create the demo domain
# from /etc/mica/demo.cfg, list, look at its console, destroy it, power off with a debug key.
sc_qemu_esp_demo() {
	local fifo="$WORK/demo-serial" vars disk="$WORK/demo-disk.img"
	vars=$(mktemp "${TMPDIR:-/tmp}/mica-vars.XXXXXX")
	# dom0's disk as `make dom0-disk` makes it (a fresh copy: build/dom0-disk.img is the user's)
	"$BUILD/host/micafs" mkfs "$disk" 64M >/dev/null && "$BUILD/host/micafs" create "$disk" /images/demo.img 64M >/dev/null ||
		{ FAILS+=("micafs: dom0's disk"); return; }
	cp "$OVMF_VARS" "$vars"
	rm -f "$fifo.in" "$fifo.out"
	mkfifo "$fifo.in"
	: >"$fifo.out"
	( # the user
		exec 3<>"$fifo.in"
		for _ in $(seq 1200); do grep -q '(d0) pv> ' "$fifo.out" && break; sleep 0.1; done
		for line in 'info' 'ls /etc/mica' 'ls /images' 'mica create /etc/mica/demo.cfg'; do
			printf '%s\r' "$line" >&3
			sleep 1
		done
		for _ in $(seq 300); do grep -q '(d1) httpd: listening' "$fifo.out" && break; sleep 0.1; done
		printf 'mica list\r' >&3
		sleep 1
		printf 'mica console demo\r' >&3
		sleep 2
		printf '\035' >&3 # Ctrl-]: back to dom0
		sleep 2
		printf '\001\001\001' >&3 # to d1's console
		sleep 1
		printf '\001\001\001' >&3 # to the debug keys
		sleep 1
		printf 'q' >&3
		sleep 1
		printf '\001\001\001' >&3 # back to dom0
		sleep 1
		printf 'mica destroy demo\r' >&3
		sleep 2
		printf 'mica list\r' >&3
		sleep 1
		printf '\001\001\001' >&3 # to the debug keys (no other domain now)
		sleep 1
		printf 'P' >&3
		sleep 5
	) &
	emu_run "$LOG" 180 "" qemu-system-x86_64 -accel tcg -machine q35 -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" -drive if=pflash,format=raw,file="$vars" \
		-drive if=none,id=esp,format=raw,file=fat:rw:"$BUILD/esp" -device ide-hd,drive=esp \
		-drive if=none,id=vda,format=raw,file="$disk" -device virtio-blk-pci,drive=vda \
		-netdev user,id=lan -device virtio-net-pci,netdev=lan \
		-display none -chardev pipe,id=ser0,path="$fifo" -serial chardev:ser0 -no-reboot
	rm -f "$vars"
	cp "$fifo.out" "$LOG"
	wait
	tr -d '\r' <"$LOG" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"
	expect_rc "$EMU_RC" 0 "QEMU (powered off with the debug key P)"
	expect "$LOG" '^Mica: console input goes to d0' "the console starts with dom0"
	expect "$LOG" '^\(d0\) pv-guest: initrd: [0-9]+ entries' "dom0 has its initrd"
	expect "$LOG" '^\(d0\) pv> ls /etc/mica$' "dom0's prompt shows and echoes what is typed"
	expect "$LOG" '^\(d0\) +[0-9]+  demo\.cfg' "the demo config is there"
	expect "$LOG" '^\(d0\) mica create: d1 \(demo\) built in [0-9]+ us' "mica create builds the demo domain"
	expect "$LOG" '^\(d0\) micafs: vda mounted' "dom0 mounts its image store"
	expect "$LOG" '^\(d0\) (pv> )?br0: 10\.0\.2\.[0-9]+' "dom0's br0 leased an address through the uplink (virtio-net)"
	expect "$LOG" '^\(d0\) .*demo\.img' "ls /images shows the demo image"
	expect "$LOG" '^\(d1\) net: en0 up, address 10\.0\.2\.[0-9]+ \(dhcp\)' "the demo domain gets its address from the LAN"
	expect "$LOG" '^\(d1\) httpd: listening on port 80' "and serves HTTP"
	expect "$LOG" '^\(d0\) demo +1 +8 +1 ' "mica list shows it"
	expect "$LOG" '^\(d0\) mica console: d1 \(demo\); Ctrl-\] returns to dom0' "mica console attaches"
	expect "$LOG" '^Mica: console input goes to d0' "Ctrl-] gives the input back"
	expect "$LOG" '^d1 \(demo\): running' "debug key q lists it too"
	expect "$LOG" '^Mica: d1 \(demo\) is being destroyed by d0' "mica destroy"
	expect "$LOG" '^Mica: powering off' "debug key P powers off"
}
PV_GUEST_SCENARIOS+=(qemu_esp_demo)

# dom0's `mica` command over the control interface (the parts wired so far: docs/cli.md).
sc_svm_dom0_mica() {
	local iso="$WORK/dom0-mica.iso"
	cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no pv-guest images"); return; }
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf name=dom0 memory=32 -- shell -c sleep 2000 , mica list , mica info , mica pause 1 , mica list , mica unpause 1 , xl vcpu-pin 1 0 1 , mica vcpu-list 1 , mica sched-credit -d web -w 512 , mica sched-credit , mica shutdown -w 2 , mica destroy web , sleep 500 , mica list -l , mica nosuchverb , mica destroy nosuch , poweroff" \
		"$WORK/pv-guest.elf name=web memory=4 -- shell" "$WORK/pv-guest.elf name=other memory=4 -- shell" ||
		{ FAILS+=("mkiso"); return; }
	emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the domains)"
	expect "$LOG" '^\(d0\) Name {40}ID   Mem VCPUs.State.Time\(s\)' "mica list: xl's header"
	expect "$LOG" '^\(d0\) web +1 +4 +1 +r-----' "mica list: a row as xl prints it"
	expect "$LOG" '^\(d0\) web +1 +4 +1 +--p---' "mica pause shows in the state"
	expect "$LOG" '^\(d0\) xen_version +: 4\.17-mica' "mica info"
	expect "$LOG" '^\(d0\) web +1 +0 +0 .*  1 / all' "xl vcpu-pin took effect (vcpu-list)"
	expect "$LOG" '^\(d0\) web +1 +512 +0' "sched-credit -w took effect"
	expect "$LOG" '^Mica: d2 \(other\) shut down: poweroff' "mica shutdown stops the domain"
	expect "$LOG" '^\(d0\) Domain 2 has been shut down' "shutdown -w waits"
	expect "$LOG" '^Mica: d1 \(web\) is being destroyed by d0' "mica destroy by name"
	expect "$LOG" '^\(d0\)         "name": "dom0",' "mica list -l: JSON"
	expect "$LOG" "^\\(d0\\) mica: unknown subcommand 'nosuchverb'" "an unknown verb is refused"
	expect "$LOG" "^\\(d0\\) mica destroy: domain 'nosuch' does not exist" "an unknown domain is refused"
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_mica)

# mica create's refusals: each bad config gets a clear error and leaves no domain behind; a good
# one still works afterwards and every page comes back at the end.
sc_svm_dom0_create() {
	local iso="$WORK/dom0-create.iso" rd="$WORK/create-initrd"
	cp "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no dom0 image"); return; }
	rm -rf "$rd" && mkdir -p "$rd/etc/mica" "$rd/boot"
	cp "$BUILD/pv-guest/pv-guest.elf" "$rd/boot/"
	cp "$BUILD/mica.elf" "$rd/boot/not-pvh.elf"
	head -c 5000 /dev/urandom >"$rd/boot/garbage.elf"
	printf 'name = "good"\nkernel = "/boot/pv-guest.elf"\nmemory = 4\ncmdline = "hello"\non_reboot = "destroy"\n' >"$rd/etc/mica/good.cfg"
	printf 'name = "nok"\nkernel = "/boot/missing.elf"\nmemory = 4\n' >"$rd/etc/mica/nokernel.cfg"
	printf 'name = "npvh"\nkernel = "/boot/not-pvh.elf"\nmemory = 4\n' >"$rd/etc/mica/notpvh.cfg"
	printf 'name = "junk"\nkernel = "/boot/garbage.elf"\nmemory = 4\n' >"$rd/etc/mica/garbage.cfg"
	printf 'name = "big"\nkernel = "/boot/pv-guest.elf"\nmemory = 3000\n' >"$rd/etc/mica/big.cfg"
	printf 'name = "lots"\nkernel = "/boot/pv-guest.elf"\nmemory = "lots"\n' >"$rd/etc/mica/syntax.cfg"
	printf 'name = "hvm"\ntype = "hvm"\nkernel = "/boot/pv-guest.elf"\n' >"$rd/etc/mica/hvm.cfg"
	printf 'name = "long"\nkernel = "/boot/pv-guest.elf"\nmemory = 4\ncmdline = "shell"\n' >"$rd/etc/mica/long.cfg"
	(cd "$rd" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet >"$WORK/create-initrd.cpio") ||
		{ FAILS+=("cpio"); return; }
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf name=dom0 memory=64 -- shell -c mica create /etc/mica/nokernel.cfg , mica create /etc/mica/notpvh.cfg , mica create /etc/mica/garbage.cfg , mica create /etc/mica/big.cfg , mica create /etc/mica/syntax.cfg , mica create /etc/mica/hvm.cfg , mica create /etc/mica/none.cfg , mica list , mica create /etc/mica/good.cfg , mica create /etc/mica/long.cfg , mica create /etc/mica/long.cfg , mica destroy long , sleep 500 , mica create /etc/mica/long.cfg , mica destroy long , sleep 3000 , mica list , poweroff" \
		"$WORK/create-initrd.cpio" || { FAILS+=("mkiso"); return; }
	emu_run "$LOG" 120 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect "$LOG" "^\\(d0\\) mica create: /etc/mica/nokernel\\.cfg: kernel /boot/missing\\.elf: not in dom0's initrd" "a missing kernel"
	expect "$LOG" '^\(d0\) mica create: .*(not a PVH kernel|PVH)' "an ELF without the PVH note"
	expect "$LOG" '^\(d0\) mica create: .*(not an ELF|ELF)' "a kernel that is not an ELF"
	expect "$LOG" '^\(d0\) mica create: .*(MiB is more than|free)' "more memory than is free"
	expect "$LOG" '^\(d0\) mica create: /etc/mica/syntax\.cfg:3:[0-9]+: memory' "a malformed value, with line and column"
	expect "$LOG" '^\(d0\) mica create: .*hvm' "type=hvm refused"
	expect "$LOG" "^\\(d0\\) mica create: /etc/mica/none\\.cfg: no such file" "a missing config"
	expect_not "$LOG" '^Mica: d[0-9]+ \((nok|npvh|junk|big|lots|hvm)\)' "no domain was left of the bad ones"
	expect "$LOG" '^\(d1\) hello: OK' "a good config still works"
	expect "$LOG" '^\(d0\) mica create: /etc/mica/long\.cfg: a domain named "long" exists already \(d2\)' "one domain per name"
	[ "$(grep -ac '^(d0) mica create: d[0-9]* (long) built' "$LOG")" -eq 2 ] ||
		FAILS+=("a destroyed domain's name and id are free again")
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_create)

# dom0 driving PCI devices (MICA_CTL_DMA_*, _IOMEM_MAP, the configuration ports).
. tests/integration/dom0_devices.sh
. tests/integration/dom0_virtio.sh
# dom0 disks and the image store (micafs).
. tests/integration/dom0_blk.sh
. tests/integration/dom0_uplink.sh
. tests/integration/dom0_cli.sh
. tests/integration/dom0_net.sh
. tests/integration/dom0_multidev.sh
