/* Which machine frames dom0 may map as device memory (include/mica/iomem.h). */
#include <mica/errno.h>
#include <mica/iomem.h>
#include <mica/mm_types.h>

struct iomem_deny {
	uint64_t first, last; /* frames, inclusive */
	const char *what;
};

static struct iomem_deny deny[IOMEM_DENY_MAX];
static unsigned int nr_deny;
static bool overflowed; /* an entry did not fit: every frame is refused */

bool iomem_deny_add(uint64_t first, uint64_t last, const char *what)
{
	if (last < first)
		return true;
	if (nr_deny >= IOMEM_DENY_MAX) {
		overflowed = true;
		return false;
	}
	deny[nr_deny++] = (struct iomem_deny){first, last, what};
	return true;
}

void iomem_deny_reset(void)
{
	nr_deny = 0;
	overflowed = false;
}

int iomem_check(uint64_t mfn, uint64_t nr, const char **why)
{
	uint64_t last = mfn + nr - 1;

	if (!nr || nr > IOMEM_MAX_PAGES || last < mfn || last >> (52 - PAGE_SHIFT))
		return -EINVAL;
	if (overflowed) {
		if (why)
			*why = "anything: the table of refused frames overflowed at boot";
		return -EPERM;
	}
	for (unsigned int i = 0; i < nr_deny; i++) {
		if (deny[i].first <= last && mfn <= deny[i].last) {
			if (why)
				*why = deny[i].what;
			return -EPERM;
		}
	}
	return 0;
}
