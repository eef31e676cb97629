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

/* What was typed while dom0 had the input (Ctrl-A three times), up to count bytes: how many. */
static long console_read(struct vcpu *v, uint64_t count, uint64_t buf)
{
	char chunk[DOMAIN_CONSOLE_INPUT];
	size_t n = domain_console_read(v->domain, chunk, MIN(count, sizeof(chunk)));

	if (n && copy_to_guest(v, buf, chunk, n))
		return -EFAULT; /* the input is lost, as a guest that gives a bad buffer asked */
	return (long)n;
}

long do_console_io(struct vcpu *v, const uint64_t *args)
{
	/* Xen's count is an unsigned int: the upper half of the register is ignored. */
	uint64_t cmd = args[0], count = (uint32_t)args[1], buf = args[2];

	switch (cmd) {
	case CONSOLEIO_write:
		return console_write(v, count, buf);
	case CONSOLEIO_read:
		/* Input goes to the control domain only (others have their PV console ring). */
		return v->domain->privileged ? console_read(v, count, buf) : -EPERM;
	default:
		return -ENOSYS;
	}
}
