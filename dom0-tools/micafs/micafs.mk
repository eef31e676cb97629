# micafs, Mica's image store (docs/micafs.md): the host tool build/host/micafs, and dom0's disk
# for `make run` (made once, then kept: the images on it persist across runs).
MICAFS_SRCS := dom0-tools/micafs/micafs.c dom0-tools/micafs/micafs_io.c
MICAFS_TOOL := $(BUILD)/host/micafs
DOM0_DISK ?= $(BUILD)/dom0-disk.img
DOM0_DISK_SIZE ?= 256M

$(MICAFS_TOOL): dom0-tools/micafs/tool.c $(MICAFS_SRCS) $(wildcard dom0-tools/micafs/*.h) pv-guest/include/pv/blkdev.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Ipv-guest/include \
		dom0-tools/micafs/tool.c $(MICAFS_SRCS) -o $@

$(DOM0_DISK): | $(MICAFS_TOOL)
	$(Q)$(MICAFS_TOOL) mkfs $@ $(DOM0_DISK_SIZE)
	$(Q)$(MICAFS_TOOL) create $@ /images/demo.img 64M

micafs-tool: $(MICAFS_TOOL)
dom0-disk: $(DOM0_DISK)

.PHONY: micafs-tool dom0-disk
