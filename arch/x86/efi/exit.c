/*
 * Leaving the firmware: take the final memory map, ExitBootServices, convert
 * the map into boot_info (memmap.c, no firmware calls), enter Mica.
 *
 * Entry ABI (64-bit, long mode as UEFI left it):
 *   %rdi = physical address of struct boot_info, %rsi = MICA_EFI_ENTRY_MAGIC,
 *   interrupts disabled, direction flag clear, paging on with the firmware's
 *   identity map (CR3, GDT and the current stack are the firmware's, in memory
 *   that boot_info.mem now reports as RAM: Mica must switch to its own stack,
 *   GDT and page tables before it hands out free memory). Boot services are
 *   gone; runtime services stay reachable through boot_info.efi_system_table.
 */
#include <mica/string.h>

#include "loader.h"
#include "memmap.h"

#define EXIT_TRIES 4

struct memmap_buf {
	void *buf;
	UINTN alloc;
	UINTN size;
	UINTN key;
	UINTN desc_size;
	UINT32 desc_version;
};

static EFI_STATUS memmap_get(struct memmap_buf *m)
{
	m->size = m->alloc;
	return uefi_call_wrapper(BS->GetMemoryMap, 5, &m->size, m->buf, &m->key, &m->desc_size, &m->desc_version);
}

/* A buffer big enough for the map plus what allocations and prints add to it. */
static EFI_STATUS memmap_alloc(struct memmap_buf *m)
{
	EFI_STATUS st;

	m->buf = NULL;
	m->alloc = 0;
	st = memmap_get(m);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	m->alloc = m->size * 2 + 64 * m->desc_size;
	return uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, m->alloc, &m->buf);
}

/* Converts a map taken before exiting, to report trouble while we still can. */
static void memmap_preview(const struct memmap_buf *m, struct boot_info *bi)
{
	struct efi_memmap_stats stats;
	unsigned int n;

	n = efi_memmap_convert(m->buf, m->size, m->desc_size, bi->mem, BOOT_MAX_MEM_RANGES, &stats);
	efi_info(L"memory map: %d descriptors, %d ranges\n", stats.nr_desc, n);
	if (stats.nr_dropped)
		efi_info(L"warning: %d ranges did not fit in boot_info (%ld bytes of RAM lost)\n", stats.nr_dropped,
			 stats.lost_bytes);
}

/* Only for the rare failed ExitBootServices, when ConOut may no longer be used. */
static void serial_puts_raw(const char *s)
{
	for (; *s; s++) {
		UINT8 lsr = 0;

		for (int spin = 0; spin < 100000 && !(lsr & 0x20); spin++)
			__asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((UINT16)0x3fd));
		__asm__ volatile("outb %0, %1" : : "a"((UINT8)*s), "Nd"((UINT16)0x3f8));
	}
}

static __noreturn void enter_mica(UINT64 entry, struct boot_info *bi)
{
	__asm__ volatile("cli\n\t"
			 "cld\n\t"
			 "jmp *%0"
			 :
			 : "r"(entry), "D"(bi), "S"((UINT64)MICA_EFI_ENTRY_MAGIC)
			 : "memory");
	__builtin_unreachable();
}

EFI_STATUS efi_exit_and_enter(EFI_HANDLE image, struct boot_info *bi, UINT64 entry, bool *firmware_gone)
{
	struct efi_memmap_stats stats;
	struct memmap_buf m;
	EFI_STATUS st;

	*firmware_gone = false;
	st = memmap_alloc(&m);
	if (!EFI_ERROR(st))
		st = memmap_get(&m);
	if (EFI_ERROR(st)) {
		efi_error(L"cannot read the memory map: %r\n", st);
		return st;
	}
	memmap_preview(&m, bi);
	efi_info(L"ExitBootServices, entering Mica at 0x%lx\n", entry);

	/*
	 * From here until success, only GetMemoryMap and ExitBootServices may be
	 * called: a failed ExitBootServices (stale map key, the map changed under
	 * us) may already have shut parts of the firmware down (UEFI spec 7.4).
	 */
	for (int i = 0; i < EXIT_TRIES; i++) {
		st = memmap_get(&m);
		if (EFI_ERROR(st))
			break;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, m.key);
		*firmware_gone = true;
		if (!EFI_ERROR(st)) {
			bi->nr_mem =
			    efi_memmap_convert(m.buf, m.size, m.desc_size, bi->mem, BOOT_MAX_MEM_RANGES, &stats);
			enter_mica(entry, bi);
		}
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	if (*firmware_gone)
		serial_puts_raw("\r\n" LOADER_NAME ": error: ExitBootServices failed\r\n");
	else
		efi_error(L"cannot read the memory map: %r\n", st);
	return st;
}
