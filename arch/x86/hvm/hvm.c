/* Choosing the hardware-container backend once at boot, and the vCPU run loop. */
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <mica/domain.h>
#include <mica/printk.h>

const struct hvm_ops *hvm;

bool hvm_init(void)
{
	int rc;

	if (boot_cpu.svm && !boot_cpu.svm_disabled && boot_cpu.npt)
		hvm = &svm_ops;
	else if (boot_cpu.vmx && !boot_cpu.vmx_disabled && boot_cpu.ept && boot_cpu.unrestricted_guest)
		hvm = &vmx_ops;
	else
		return false;
	rc = hvm->cpu_enable();
	if (rc < 0) {
		printk("HVM: cannot enable %s on CPU0 (error %d); guests cannot run\n", hvm->name, rc);
		hvm = NULL;
		return false;
	}
	printk("HVM: guests run in hardware containers: %s\n", hvm->name);
	return true;
}

void hvm_cpu_enable_ap(void)
{
	int rc;

	if (!hvm)
		return;
	rc = hvm->cpu_enable();
	if (rc < 0)
		printk("HVM: cannot enable %s on CPU%u (error %d)\n", hvm->name, smp_processor_id(), rc);
}

/*
 * Runs a vCPU on this CPU until its domain stops or the vCPU goes down.
 * Host interrupts force an exit (HVM_EXIT_EXTINT); they are taken here, with
 * interrupts enabled between two trips into the guest.
 */
void hvm_vcpu_loop(struct vcpu *v)
{
	irq_enable(); /* from the first trip on, host interrupts must be able to stop the guest */
	while (v->up && !domain_is_dead(v->domain)) {
		hvm->vcpu_run(v);
		irq_enable();
		v->arch.hvm.exits++;
		if (!hvm_handle_exit(v))
			break;
	}
}
