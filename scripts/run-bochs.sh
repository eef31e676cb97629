#!/bin/bash
# run-bochs.sh ISO interactive|SERIAL_LOG [CPU_MODEL] [NCPUS] [TIMEOUT_S]
# Boots a Multiboot2 ISO under Bochs with a VMX+EPT CPU model (corei7_haswell_4770).
# interactive: serial on this terminal. Otherwise serial goes to SERIAL_LOG and Bochs
# runs headless until the guest powers off (Mica writes "Shutdown" to port 0x8900) or TIMEOUT_S.
set -u
iso=$1 mode=$2 model=${3:-corei7_haswell_4770} ncpu=${4:-1} tmo=${5:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/mica-bochs.XXXXXX")
if [ "$mode" = interactive ]; then com="mode=term, dev=$(tty)"; else com="mode=file, dev=$mode"; fi
com=${BOCHS_COM:-$com} # e.g. "mode=socket-client, dev=127.0.0.1:PORT" for a typist
cat > "$work/bochsrc" <<B
megs: 512
cpu: model=$model, count=$ncpu, ips=100000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
com1: enabled=1, $com
display_library: term
speaker: enabled=0
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
clock: sync=none, time0=local
B
printf 'continue\nquit\n' > "$work/cmds"
if [ "$mode" = interactive ]; then
	bochs -q -f "$work/bochsrc" -rc "$work/cmds"
else
	# Bochs's term display needs a tty: script(1) provides one.
	timeout "$tmo" script -qfec "bochs -q -f $work/bochsrc -rc $work/cmds" /dev/null </dev/null >"$work/stdout" 2>&1
fi
rc=$?
[ -n "${KEEP:-}" ] || rm -rf "$work"
exit $rc
