/* The x86 part of MICA_CTL_PHYSINFO: online CPUs, the virtualization backend and its paging, the TSC rate. */
#include <public/mica/ctl.h>
#include <asm/hvm.h>
#include <asm/smp.h>
#include <mica/physinfo.h>
#include <mica/timer.h>

void arch_physinfo(struct mica_ctl_physinfo *pi)
{
	bool allow_2m = false, allow_1g = false;

	pi->cpu_online_mask = cpus_online_mask();
	for (uint64_t m = pi->cpu_online_mask; m; m &= m - 1) /* no popcount: it would need libgcc */
		pi->nr_cpus++;
	pi->cpu_khz = cycles_hz() / 1000;
	pi->hvm = hvm == &svm_ops ? MICA_CTL_HVM_SVM : hvm == &vmx_ops ? MICA_CTL_HVM_VMX : MICA_CTL_HVM_NONE;
	if (hvm)
		hvm->p2m_page_sizes(&allow_2m, &allow_1g);
	pi->features = (allow_2m ? MICA_CTL_PHYS_P2M_2M : 0) | (allow_1g ? MICA_CTL_PHYS_P2M_1G : 0);
}
