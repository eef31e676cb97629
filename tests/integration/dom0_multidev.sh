# dom0 scenarios (sourced by pv_guest.sh after dom0_net.sh, whose dom0_boot and dom0_cfg they
# use): `mica create` with several vifs and disks from one xl.cfg. docs/cli.md.

# Two vifs (vif 1 on VLAN 7) and two disks (xvda, xvdb) from the config: the guest connects all
# four (vif 0 and xvda at boot, the others through its hot-plug thread), the list verbs show
# them; a config whose second disk dom0 cannot serve, and one with a vdev given twice, are
# refused before anything is built; destroy returns every page.
sc_svm_dom0_multidev() {
	rm -rf "$WORK/multidev-initrd"
	dom0_cfg multidev m.cfg 'name = "m"\nkernel = "/boot/pv-guest.elf"\nmemory = 16\nvif = ["bridge=br0", "bridge=br0,vlan=7"]\ndisk = ["ram:8,raw,xvda,w", "ram:4,raw,xvdb,w"]\ncmdline = "shell -c sleep 9000 , hotplug , blk -d 51728 info , blk info , ping 10.0.0.1 1 , net , sleep 100000"\n'
	dom0_cfg multidev bad.cfg 'name = "bad"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\nvif = ["bridge=br0", "bridge=br0"]\ndisk = ["ram:8,raw,xvda,w", "/images/missing.img,raw,xvdb,w"]\n'
	dom0_cfg multidev dup.cfg 'name = "dup"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\ndisk = ["ram:8,raw,xvdb,w", "ram:4,raw,51728,w"]\n'
	dom0_cfg multidev s.cfg 'name = "s"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\nvif = ["bridge=br0"]\ncmdline = "shell -c sleep 100000"\n'
	dom0_boot multidev 300 "mica create /etc/mica/bad.cfg , mica create /etc/mica/dup.cfg , mica create /etc/mica/m.cfg , sleep 14000 , mica network-list m , mica block-list m , xs read /local/domain/0/backend/vif/1/1/vlan , mica list , mica destroy m , sleep 3000 , mica create /etc/mica/s.cfg , sleep 3000 , mica network-list s , mica block-list s , mica destroy s , sleep 2000 , mica list" || return
	expect "$LOG" '^\(d0\) mica create: /etc/mica/bad\.cfg: disk xvdb: /images/missing\.img: dom0 has no image store' "a bad second disk is refused"
	expect "$LOG" '^\(d0\) mica create: /etc/mica/dup\.cfg: disk 51728: vdev 51728 is xvdb'"'"'s already' "a vdev given twice (as a name and a number) is refused"
	expect_not "$LOG" '^\(d0\) (bad|dup) +[0-9]' "the refused configs left no domain"
	expect_not "$LOG" 'store: d[0-9]+ \((bad|dup)\) introduced' "nor one the store saw"
	expect "$LOG" '^\(d1\) hotplug: vif 1 up: mac 00:16:3e:4e:00:01, backend /local/domain/0/backend/vif/1/1' "the guest connects vif 1 (present at boot)"
	expect "$LOG" '^\(d1\) hotplug: vbd 51728 up: 8192 sectors of 512 bytes, last sector written and read back: OK' "the guest connects xvdb (present at boot)"
	expect "$LOG" '^\(d1\) vif 1: connected, backend /local/domain/0/backend/vif/1/1' "the guest's shell: hotplug shows vif 1"
	expect "$LOG" '^\(d1\) vbd 51728: open, backend /local/domain/0/backend/vbd/1/51728' "the guest's shell: hotplug shows xvdb"
	expect "$LOG" '^\(d1\) vbd 51728: 8192 sectors of 512 bytes \(4 MiB\)' "blk -d 51728 info: xvdb is 4 MiB"
	expect "$LOG" '^\(d1\) vbd 768: 16384 sectors of 512 bytes \(8 MiB\)' "blk info: xvda is 8 MiB"
	expect "$LOG" '^\(d1\)   inet 10\.0\.0\.10 ' "the guest's network on vif 0"
	expect "$LOG" '^\(d0\) 0 +0 +00:16:3e:4d:00:01 +0 +4 ' "network-list: vif 0, connected"
	expect "$LOG" '^\(d0\) 1 +0 +00:16:3e:4e:00:01 +1 +4 ' "network-list: vif 1, connected"
	expect "$LOG" '^\(d0\) 768 +0 +1 +4 +[0-9]+ +[0-9]+ +/local/domain/0/backend/vbd/1/768' "block-list: xvda, connected"
	expect "$LOG" '^\(d0\) 51728 0 +1 +4 +[0-9]+ +[0-9]+ +/local/domain/0/backend/vbd/1/51728' "block-list: xvdb, connected"
	expect "$LOG" '^\(d0\) 7[[:space:]]*$' "vif 1 is on VLAN 7"
	expect "$LOG" '^\(d0\) m +1 +16 +1 ' "mica list: the domain"
	expect_not "$LOG" 'no nodes of (vif|vbd)' "every device's nodes were there before the unpause"
	# The next domain (d1 again) gets its own config's devices only: one vif, no disk.
	expect "$LOG" '^\(d0\) mica create: d1 \(s\) built' "a later domain with the same id"
	[ "$(grep -acE '^\(d0\) 1 +0 +00:16:3e:4e:00:01' "$LOG")" -eq 1 ] || FAILS+=("the later domain has no vif 1")
	[ "$(grep -acE '^\(d0\) (768|51728) +0 ' "$LOG")" -eq 2 ] || FAILS+=("the later domain has no disks")
	expect "$LOG" '^\(d0\) 0 +0 +00:16:3e:4d:00:01 +0 +[1-4] .*/local/domain/0/backend/vif/1/0' "the later domain's vif 0"
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_multidev)

# A restart (on_reboot=restart, xl's default) builds the domain again from the same config: the
# new domain gets vif 1 and xvdb again, connected by its guest; the old one's went with it.
sc_svm_dom0_multidev_restart() {
	rm -rf "$WORK/mdrestart-initrd"
	dom0_cfg mdrestart r.cfg 'name = "r"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\nvif = ["bridge=br0", "bridge=br0,vlan=7"]\ndisk = ["ram:4,raw,xvdb,w"]\ncmdline = "shell -c sleep 5000 , hotplug , sleep 100000"\n'
	dom0_boot mdrestart 300 "mica create /etc/mica/r.cfg , sleep 8000 , mica reboot r , sleep 10000 , mica list , mica network-list r , mica block-list r , mica destroy r , sleep 2000" || return
	expect "$LOG" '^\(d0\) mica: domain 1 \(r\) rebooted: restarted as d[0-9]+' "on_reboot=restart rebuilds it"
	local nd
	nd=$(grep -aoE '^\(d0\) mica: domain 1 \(r\) rebooted: restarted as d[0-9]+' "$LOG" | grep -oE '[0-9]+$' | head -1)
	nd=${nd:-X}
	expect "$LOG" '^\(d1\) hotplug: vif 1 up: mac 00:16:3e:4e:00:01' "the first domain connects vif 1"
	expect "$LOG" '^\(d1\) hotplug: vbd 51728 up: 8192 sectors' "the first domain connects xvdb"
	expect "$LOG" "^\\(d$nd\\) hotplug: vif 1 up: mac 00:16:3e:4e:00:0$nd, backend /local/domain/0/backend/vif/$nd/1" "the restarted domain connects vif 1 again"
	expect "$LOG" "^\\(d$nd\\) hotplug: vbd 51728 up: 8192 sectors of 512 bytes, last sector written and read back: OK" "the restarted domain connects xvdb again"
	expect "$LOG" "^\\(d$nd\\) vif 1: connected, backend /local/domain/0/backend/vif/$nd/1" "its hotplug command shows vif 1"
	expect "$LOG" "^\\(d0\\) 1 +0 +00:16:3e:4e:00:0$nd +1 +4 .*/local/domain/0/backend/vif/$nd/1" "network-list: the new domain's vif 1, connected"
	expect "$LOG" "^\\(d0\\) 51728 +0 +$nd +4 .*/local/domain/0/backend/vbd/$nd/51728" "block-list: the new domain's xvdb, connected"
	# The id is usually 1 again (the old domain is destroyed first): count both incarnations.
	[ "$(grep -acE '^\(d[0-9]+\) hotplug: vif 1 up: ' "$LOG")" -eq 2 ] || FAILS+=("vif 1 connected in both domains")
	[ "$(grep -acE '^\(d[0-9]+\) hotplug: vbd 51728 up: .*: OK' "$LOG")" -eq 2 ] || FAILS+=("xvdb connected in both domains")
	expect "$LOG" '^\(d0\) netback: /local/domain/0/backend/vif/1/1: detached' "the old domain's vif 1 went with it"
	expect_not "$LOG" 'no nodes of (vif|vbd)' "every device's nodes were there before the unpause"
	every_page_back
}
PV_GUEST_SCENARIOS+=(svm_dom0_multidev_restart)
