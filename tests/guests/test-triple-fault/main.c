/*
 * test-triple-fault: int3 with an empty IDT. #BP cannot be delivered (#GP), neither can
 * the #GP (#DF), nor the #DF: a triple fault, which must crash this guest only.
 */
#include "xtf.h"

const char test_title[] = "triple fault";

void test_main(void)
{
	const struct desc_ptr empty = {0, 0};

	printk("triple-fault: loading an empty IDT and executing int3\n");
	lidt(&empty);
	asm volatile("int3");
	xtf_failure("execution continued after a triple fault");
}
