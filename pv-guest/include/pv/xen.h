/* Xen's public ABI headers as the pv-guest sees them (libxen-dev, interface 4.14). */
#ifndef PV_XEN_H
#define PV_XEN_H

#include <pv/os.h>

#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/xen.h>

extern struct shared_info *HYPERVISOR_shared_info;

#endif
