/*
 * The ELF note that makes a kernel a PVH kernel: name "Xen", type
 * XEN_ELFNOTE_PHYS32_ENTRY (18), value = 32-bit physical entry point.
 * Assembled twice: PVH_NOTE_SIZE=4 (most guests) and 8 (test-pvh-entry, as Linux
 * does), so that a loader's handling of both sizes is exercised.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a", @note
	.balign 4
	.long	4				/* namesz: "Xen\0" */
	.long	PVH_NOTE_SIZE			/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
#if PVH_NOTE_SIZE == 8
	.quad	pvh_start
#else
	.long	pvh_start
#endif
	.balign 4
