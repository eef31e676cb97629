# dom0's own port on its bridge (br0) and the bridge's uplink (sourced at the end of pv_guest.sh;
# docs/dom0-netback.md).

# Internal bridge: dom0 is 10.0.0.1; d2 pings it, dom0 pings d1 and fetches d1's page over TCP.
sc_svm_dom0_ip() {
	local iso="$WORK/dom0-ip.iso"
	cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no pv-guest images"); return; }
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf memory=32 -- vif=1,2 shell -c sleep 3000 , ping 10.0.0.10 2 , fetch 10.0.0.10 / , net , bridge , sleep 6000 , poweroff" \
		"$WORK/pv-guest.elf memory=8 -- httpd" \
		"$WORK/pv-guest.elf memory=8 -- shell -c ping 10.0.0.1 3 , net" ||
		{ FAILS+=("mkiso"); return; }
	emu_run "$LOG" 180 '^Mica: d0 .*shut down|^Mica: powering off' qemu-system-x86_64 -accel tcg -machine pc \
		-cpu "$QEMU_CPU" -smp 2 -m 512 -display none -serial file:"$LOG" -no-reboot -cdrom "$iso"
	expect "$LOG" '^\(d0\) br0: 10\.0\.0\.1/24 static \(internal bridge, DHCP server on\)' "dom0's br0 is 10.0.0.1"
	expect "$LOG" '^\(d1\) net: en0 up, address 10\.0\.0\.10 \(dhcp\)' "d1 configured by dom0's DHCP server"
	expect "$LOG" '^\(d2\) ping: 3 of 3 replies' "d2 pings dom0 (10.0.0.1)"
	expect "$LOG" '^\(d0\) ping: 2 of 2 replies' "dom0 pings d1"
	expect "$LOG" '^\(d0\) <h1>Hello from pv-guest</h1>' "dom0 fetches d1's page over TCP"
	expect "$LOG" '^\(d0\) br0: up, static, mtu 1500, bridge mica0 \(internal\)' "net in dom0 shows br0"
	expect "$LOG" '^\(d0\) bridge mica0: 2 vifs, [0-9]+ addresses learned, DHCP server on' "the bridge command shows it"
	expect_not "$LOG" 'pv-guest panic|\*\*\* pv-guest:' "no guest fault"
}
PV_GUEST_SCENARIOS+=(svm_dom0_ip)

# The uplink: a virtio-net NIC on QEMU's user network (slirp: DHCP server and router 10.0.2.2,
# leases from 10.0.2.15) joins the bridge; dom0 and d1 get their addresses from slirp through it;
# d1 pings the router and fetches a page from the host through QEMU's guestfwd (10.0.2.100:80
# runs a one-shot HTTP answer on the host side). Needs dom0's virtio-net driver (eth0).
sc_svm_dom0_uplink() {
	local iso="$WORK/dom0-uplink.iso" page="$WORK/uplink-page.http"
	cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no pv-guest images"); return; }
	printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nhello from the host side of the uplink\n' >"$page"
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf memory=32 -- vif=1 bridge=uplink shell -c sleep 8000 , net , bridge , ping 10.0.2.2 2 , sleep 12000 , bridge , poweroff" \
		"$WORK/pv-guest.elf memory=8 -- shell -c ping 10.0.2.2 2 , fetch 10.0.2.100 / , net" ||
		{ FAILS+=("mkiso"); return; }
	emu_run "$LOG" 240 '^Mica: powering off|^Mica: d0 .*shut down' qemu-system-x86_64 -accel tcg -machine pc \
		-cpu "$QEMU_CPU" -smp 2 -m 512 -display none -serial file:"$LOG" -no-reboot -cdrom "$iso" \
		-device virtio-net-pci,netdev=n0 \
		-netdev "user,id=n0,net=10.0.2.0/24,guestfwd=tcp:10.0.2.100:80-cmd:cat $page"
	expect "$LOG" '^\(d0\) br0: 10\.0\.2\.[0-9]+/24 via DHCP \(uplink eth0\)' "dom0's br0 leased from slirp through eth0"
	expect "$LOG" '^\(d0\) bridge mica0: 1 vifs, [0-9]+ addresses learned, DHCP server off' "dom0's DHCP server is off"
	expect "$LOG" '^\(d0\) ping: 2 of 2 replies' "dom0 pings slirp's router"
	expect "$LOG" '^\(d1\) net: en0 up, address 10\.0\.2\.[0-9]+ \(dhcp\)' "d1 leased from slirp through the bridge"
	expect "$LOG" '^\(d1\) ping: 2 of 2 replies' "d1 pings slirp's router"
	expect "$LOG" '^\(d1\) hello from the host side of the uplink' "d1 fetches a page from the host side"
	expect_not "$LOG" 'pv-guest panic|\*\*\* pv-guest:' "no guest fault"
}
PV_GUEST_SCENARIOS+=(svm_dom0_uplink)
