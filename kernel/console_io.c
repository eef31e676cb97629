/* HYPERVISOR_console_io (xen/include/public/xen.h): guest output to the hypervisor console. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <xen/xen.h>

#define CONSOLE_IO_MAX (1u << 20) /* bytes per call */

static long console_write(struct vcpu *v, uint64_t count, uint64_t buf)
{
	char chunk[128];
	uint64_t done = 0;

	if (count > CONSOLE_IO_MAX)
		return -EINVAL;
	while (done < count) {
		size_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
		if (copy_from_guest(v, chunk, buf + done, n))
			return -EFAULT;
		domain_console_write(v->domain, chunk, n);
		done += n;
	}
	return 0;
}

long do_console_io(struct vcpu *v, const uint64_t *args)
{
	/* Xen's count is an unsigned int: the upper half of the register is ignored. */
	uint64_t cmd = args[0], count = (uint32_t)args[1], buf = args[2];

	switch (cmd) {
	case CONSOLEIO_write:
		return console_write(v, count, buf);
	case CONSOLEIO_read:
		/* Input goes to the control domain only; none is routed to guests yet. */
		return v->domain->privileged ? 0 : -EPERM;
	default:
		return -ENOSYS;
	}
}
