# dom0 scenarios for running domains (sourced by pv_guest.sh): guests created by dom0's `mica`
# from xl.cfg files in its initrd, talking over netback's bridge; mem-set and the balloon;
# vcpu-set; device hot-plug. docs/cli.md, docs/dom0-netback.md, docs/dom0-blkback.md.

# dom0_boot NAME TIMEOUT DOM0_SHELL_COMMANDS: dom0 (memory=64) with the initrd made from
# $WORK/NAME-initrd (etc/mica/*.cfg written by the caller; /boot/pv-guest.elf added here).
dom0_boot() {
	local name=$1 tmo=$2 cmds=$3 rd="$WORK/$1-initrd" iso="$WORK/$1.iso"
	local line="$WORK/dom0.elf name=dom0 memory=64 -- shell -c $cmds , poweroff"
	# A module's command line holds 511 bytes (BOOT_MODULE_CMDLINE_MAX): longer is cut.
	[ ${#line} -le 511 ] || { FAILS+=("dom0's command line is ${#line} bytes: at most 511"); return 1; }
	cp "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no dom0 image"); return 1; }
	mkdir -p "$rd/boot" && cp "$BUILD/pv-guest/pv-guest.elf" "$rd/boot/" || { FAILS+=("no pv-guest image"); return 1; }
	(cd "$rd" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet >"$WORK/$name-initrd.cpio") ||
		{ FAILS+=("cpio"); return 1; }
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$line" "$WORK/$name-initrd.cpio" ||
		{ FAILS+=("mkiso"); return 1; }
	emu_run "$LOG" "$tmo" "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
}

# dom0_cfg NAME FILE BODY: an xl.cfg in NAME's initrd.
dom0_cfg() {
	mkdir -p "$WORK/$1-initrd/etc/mica" && printf '%b' "$3" >"$WORK/$1-initrd/etc/mica/$2"
}

# Guest A serves HTTP, guest B fetches its page over the bridge (DHCP: dN gets 10.0.0.(9+N)).
sc_svm_dom0_two_http() {
	rm -rf "$WORK/two-http-initrd"
	dom0_cfg two-http a.cfg 'name = "a"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\nvif = ["bridge=br0"]\ncmdline = "httpd"\n'
	dom0_cfg two-http b.cfg 'name = "b"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\nvif = ["bridge=br0"]\ncmdline = "shell -c sleep 3000 , fetch 10.0.0.10 / , net , sleep 100000"\n'
	dom0_boot two-http 300 "mica create /etc/mica/a.cfg , mica create /etc/mica/b.cfg , mica list , sleep 20000 , mica network-list a b , mica destroy b , mica destroy a , sleep 2000" || return
	expect "$LOG" '^\(d0\) a +1 +8 +1 ' "mica list shows a"
	expect "$LOG" '^\(d0\) b +2 +8 +1 ' "mica list shows b"
	expect "$LOG" '^\(d1\) httpd: listening on port 80' "a serves HTTP"
	expect "$LOG" '^\(d2\) net: en0 up, address 10\.0\.0\.11 \(dhcp\)' "b gets its address"
	expect "$LOG" '^\(d2\) fetch: [0-9]+ bytes from 10\.0\.0\.10:80/' "b fetches a's page over the bridge"
	expect "$LOG" '^\(d0\) Idx BE Mac Addr\. +handle state evt-ch +tx-/rx-ring-ref +BE-path' "network-list: xl's header"
	expect "$LOG" '^\(d0\) 0 +0 +00:16:3e:4d:00:01 +0 +4 +[0-9]+ +[0-9]+/[0-9]+ +/local/domain/0/backend/vif/1/0' "network-list: a's vif, connected"
	expect "$LOG" '^\(d0\) 0 +0 +00:16:3e:4d:00:02 +0 +4 ' "network-list: b's vif, connected"
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_two_http)

# VLANs: guests on vlan 10 and 20 cannot reach each other; two on vlan 10 can (the network works).
sc_svm_dom0_vlan() {
	local g
	rm -rf "$WORK/vlan-initrd"
	dom0_cfg vlan s10.cfg 'name = "s10"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\nvif = ["bridge=br0,vlan=10"]\ncmdline = "httpd ip=10.1.0.1/24"\n'
	dom0_cfg vlan s20.cfg 'name = "s20"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\nvif = ["bridge=br0,vlan=20"]\ncmdline = "httpd ip=10.1.0.2/24"\n'
	dom0_cfg vlan c10.cfg 'name = "c10"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\nvif = ["bridge=br0,vlan=10"]\ncmdline = "shell -c sleep 3000 , ping 10.1.0.1 2 , fetch 10.1.0.1 / , ping 10.1.0.2 2 , fetch 10.1.0.2 /x , net , sleep 100000 ip=10.1.0.3/24"\n'
	dom0_boot vlan 400 "mica create /etc/mica/s10.cfg , mica create /etc/mica/s20.cfg , mica create /etc/mica/c10.cfg , sleep 45000 , mica list , mica destroy c10 , mica destroy s20 , mica destroy s10 , sleep 2000" || return
	expect "$LOG" '^\(d2\) httpd: listening on port 80' "s20 is up (so its silence is the VLAN)"
	expect "$LOG" '^\(d3\) net: en0 up, address 10\.1\.0\.3 \(static\)' "c10 has its static address"
	expect "$LOG" '^\(d3\) reply from 10\.1\.0\.1: seq 1' "same VLAN: ping answered"
	expect "$LOG" '^\(d3\) fetch: [0-9]+ bytes from 10\.1\.0\.1:80/[[:space:]]*$' "same VLAN: fetch works"
	expect "$LOG" '^\(d3\) no reply from 10\.1\.0\.2: seq [0-9]+' "other VLAN: ping not answered"
	expect "$LOG" '^\(d3\) ping: 0 of 2 replies' "other VLAN: no reply at all"
	expect "$LOG" '^\(d3\) fetch: (cannot connect|timed out|connection failed)' "other VLAN: fetch fails"
	expect_not "$LOG" '^\(d3\) fetch: [0-9]+ bytes from 10\.1\.0\.2' "nothing crosses VLANs"
	for g in s10 s20 c10; do expect "$LOG" "^\\(d0\\) $g +[0-9]+ +8 +1 " "mica list shows $g"; done
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_vlan)

# mem-set and the balloon: 16 -> 8 -> 16 MiB, refusals, vcpu-set; destroy gives every page back.
sc_svm_dom0_memset() {
	local before after
	rm -rf "$WORK/memset-initrd"
	dom0_cfg memset g.cfg 'name = "g"\nkernel = "/boot/pv-guest.elf"\nmemory = 16\ncmdline = "shell"\n'
	dom0_boot memset 300 "mica info , mica create /etc/mica/g.cfg , sleep 3000 , mica list g , mica mem-set g 8m , sleep 3000 , mica list g , mica mem-set g 1m , mica mem-set g 64m , mica mem-set g 16m , sleep 3000 , mica list g , xs read /local/domain/1/memory/target , mica vcpu-set g 2 , mica vcpu-set g 0 , mica vcpu-set g 1 , xs read /local/domain/1/cpu/0/availability , mica mem-set 0 32m , mica destroy g , sleep 2000 , mica info" || return
	expect "$LOG" '^\(d0\) g +1 +16 +1 ' "mica list: 16 MiB at first"
	expect_not "$LOG" '^\(d1\) (pv> )?balloon: 16384 KiB -> 16' "no ballooning at boot (the target is the config's memory)"
	expect "$LOG" '^\(d1\) (pv> )?balloon: 16384 KiB -> 8192 KiB \(target 8192 KiB, [0-9]+ pages out\)' "the balloon gives 8 MiB back"
	expect "$LOG" '^\(d0\) g +1 +8 +1 ' "mica list: 8 MiB after mem-set 8m"
	expect "$LOG" '^\(d0\) mica mem-set: 1024 KiB is below the [0-9]+ KiB d1 needs' "a target below the guest's floor is refused"
	expect "$LOG" "^\\(d0\\) mica mem-set: 65536 KiB is more than d1's maximum, 16384 KiB" "a target above maxmem is refused"
	expect "$LOG" '^\(d1\) (pv> )?balloon: 8192 KiB -> 16384 KiB \(target 16384 KiB, [0-9]+ pages back\)[[:space:]]*$' "the balloon takes 8 MiB back"
	[ "$(grep -acE '^\(d0\) g +1 +16 +1 ' "$LOG")" -ge 2 ] || FAILS+=("mica list: 16 MiB again after mem-set 16m")
	expect "$LOG" '^\(d0\) 16384[[:space:]]*$' "memory/target in KiB"
	expect "$LOG" '^\(d0\) mica vcpu-set: d1 has 1 vCPUs \(maxvcpus\): 1 \.\. 1 can be online' "vcpu-set above maxvcpus is refused"
	expect "$LOG" "^\\(d0\\) mica vcpu-set: invalid number of vCPUs '0'" "vcpu-set 0 is refused"
	expect "$LOG" '^\(d0\) online[[:space:]]*$' "cpu/0/availability"
	expect "$LOG" "^\\(d0\\) mica mem-set: dom0's memory is fixed" "mem-set of dom0 is refused"
	before=$(tr -d '\r' <"$LOG" | grep -aE '^\(d0\) free_pages +: [0-9]+$' | sed -n 1p | grep -oE '[0-9]+$')
	after=$(tr -d '\r' <"$LOG" | grep -aE '^\(d0\) free_pages +: [0-9]+$' | sed -n 2p | grep -oE '[0-9]+$')
	echo "svm_dom0_memset: free pages before create: ${before:-?}, after destroy: ${after:-?}"
	[ -n "$before" ] && [ "$before" = "$after" ] ||
		FAILS+=("destroy returns all memory: free pages before create ${before:-?}, after destroy ${after:-?}")
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_memset)

# Hot-plug: a vif and a vbd attached to a running guest, which connects them (and checks the
# disk); the list verbs show them; both detached (the guest closes them); guest and dom0 go on.
sc_svm_dom0_hotplug() {
	rm -rf "$WORK/hotplug-initrd"
	dom0_cfg hotplug h.cfg 'name = "h"\nkernel = "/boot/pv-guest.elf"\nmemory = 16\nvif = ["bridge=br0"]\ncmdline = "shell -c sleep 8000 , hotplug , blk -d 51728 write 5 hello , blk -d 51728 read 5 , sleep 12000 , hotplug , blk -d 51728 info , ping 10.0.0.1 1 , net , sleep 100000"\n'
	dom0_boot hotplug 300 "mica create /etc/mica/h.cfg , sleep 4000 , mica network-attach h mac=00:16:3e:aa:bb:01,vlan=5 , mica block-attach h ram:8,raw,xvdb,w , sleep 8000 , mica network-list h , mica block-list h , mica network-detach h 00:16:3e:aa:bb:01 , mica block-detach h xvdb , sleep 5000 , mica network-list h , mica block-list h , mica network-attach h bogus , mica block-attach h file:/x,xvdc,w , sleep 9000 , mica list h , mica destroy h" || return
	expect "$LOG" '^\(d0\) network-attach: d1 vif 1' "network-attach"
	expect "$LOG" '^\(d0\) block-attach: d1 xvdb \(51728\): ram:8.?$' "block-attach"
	expect "$LOG" '^\(d1\) hotplug: vif 1 up: mac 00:16:3e:aa:bb:01, backend /local/domain/0/backend/vif/1/1' "the guest connects the new vif"
	expect "$LOG" '^\(d1\) hotplug: vbd 51728 up: 16384 sectors of 512 bytes, last sector written and read back: OK' "the guest connects and checks the new disk"
	expect "$LOG" '^\(d1\) vif 1: connected, backend /local/domain/0/backend/vif/1/1' "the guest's shell: hotplug shows the vif"
	expect "$LOG" '^\(d1\) vbd 51728: open, backend /local/domain/0/backend/vbd/1/51728' "the guest's shell: hotplug shows the vbd"
	expect "$LOG" '^\(d1\) blk: 5 bytes written to sector 5' "the guest's shell writes the new disk (blk -d)"
	expect "$LOG" '^\(d1\) 00000a00  68 65 6c 6c 6f 00' "and reads it back"
	expect "$LOG" '^\(d1\) blk: no hot-plugged vbd 51728' "the detached disk is gone for the shell too"
	expect "$LOG" '^\(d0\) 1 +0 +00:16:3e:aa:bb:01 +1 +4 +[0-9]+ +[0-9]+/[0-9]+ +/local/domain/0/backend/vif/1/1' "network-list: the new vif, connected"
	expect "$LOG" '^\(d0\) Vdev +BE +handle state evt-ch ring-ref BE-path' "block-list: xl's header"
	expect "$LOG" '^\(d0\) 51728 0 +1 +4 +[0-9]+ +[0-9]+ +/local/domain/0/backend/vbd/1/51728' "block-list: the new vbd, connected"
	expect "$LOG" '^\(d1\) hotplug: vif 1 closed' "the guest closes the detached vif"
	expect "$LOG" '^\(d1\) hotplug: vbd 51728 closed' "the guest closes the detached vbd"
	expect "$LOG" '^\(d0\) netback: /local/domain/0/backend/vif/1/1: detached' "netback removes the vif"
	expect "$LOG" '^\(d0\) blkback: /local/domain/0/backend/vbd/1/51728: detached' "blkback removes the vbd"
	expect_not "$LOG" 'did not close' "the frontends closed in time"
	[ "$(grep -acE '^\(d0\) 1 +0 +00:16:3e:aa:bb:01' "$LOG")" -eq 1 ] || FAILS+=("network-list after detach: the vif is gone")
	[ "$(grep -acE '^\(d0\) 51728 ' "$LOG")" -eq 1 ] || FAILS+=("block-list after detach: the vbd is gone")
	expect "$LOG" '^\(d1\) hotplug: no hot-plugged devices' "the guest's shell: nothing left"
	expect "$LOG" '^\(d1\)   inet 10\.0\.0\.10 ' "the guest's own network still works (vif 0)"
	expect "$LOG" "^\\(d0\\) mica network-attach: 'bogus' is not key=value" "a malformed vif spec"
	expect "$LOG" '^\(d0\) mica block-attach: blkback refused xvdc \(-19\): /x: dom0 has no image store' "a disk dom0 cannot serve (no image store)"
	expect "$LOG" '^\(d0\) h +1 +16 +1 +[r-]b?' "the guest survives"
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_hotplug)
