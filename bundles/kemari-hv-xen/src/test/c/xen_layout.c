/*
 * Prints the sizes, field offsets and constants of the Xen 4.17 structures that the Kemari Xen
 * backend mirrors with JNA, one "kind name value" line each. XenLayoutTest compiles it against the
 * libxen-dev headers and compares every line with the Java side.
 */
#include <stdio.h>
#include <stddef.h>
#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>
#include <xenstore_lib.h>
#include <xen/hvm/save.h>

#define SIZE(t) printf("size %s %zu\n", #t, sizeof(t))
#define OFF(t, f) printf("offset %s.%s %zu\n", #t, #f, offsetof(t, f))
#define CONST(c) printf("const %s %lld\n", #c, (long long)(c))

int main(void)
{
    SIZE(xc_domaininfo_t);
    OFF(xc_domaininfo_t, domain); OFF(xc_domaininfo_t, flags); OFF(xc_domaininfo_t, tot_pages);
    OFF(xc_domaininfo_t, max_pages); OFF(xc_domaininfo_t, outstanding_pages); OFF(xc_domaininfo_t, shr_pages);
    OFF(xc_domaininfo_t, paged_pages); OFF(xc_domaininfo_t, shared_info_frame); OFF(xc_domaininfo_t, cpu_time);
    OFF(xc_domaininfo_t, nr_online_vcpus); OFF(xc_domaininfo_t, max_vcpu_id); OFF(xc_domaininfo_t, ssidref);
    OFF(xc_domaininfo_t, handle); OFF(xc_domaininfo_t, cpupool); OFF(xc_domaininfo_t, gpaddr_bits);
    OFF(xc_domaininfo_t, arch_config.emulation_flags); OFF(xc_domaininfo_t, arch_config.misc_flags);

    SIZE(xc_shadow_op_stats_t);
    OFF(xc_shadow_op_stats_t, fault_count); OFF(xc_shadow_op_stats_t, dirty_count);

    SIZE(xc_hypercall_buffer_t);
    OFF(xc_hypercall_buffer_t, hbuf); OFF(xc_hypercall_buffer_t, param_shadow); OFF(xc_hypercall_buffer_t, dir);
    OFF(xc_hypercall_buffer_t, ubuf); OFF(xc_hypercall_buffer_t, sz);

    SIZE(struct xen_domctl_createdomain);
    OFF(struct xen_domctl_createdomain, ssidref); OFF(struct xen_domctl_createdomain, handle);
    OFF(struct xen_domctl_createdomain, flags); OFF(struct xen_domctl_createdomain, iommu_opts);
    OFF(struct xen_domctl_createdomain, max_vcpus); OFF(struct xen_domctl_createdomain, max_evtchn_port);
    OFF(struct xen_domctl_createdomain, max_grant_frames); OFF(struct xen_domctl_createdomain, max_maptrack_frames);
    OFF(struct xen_domctl_createdomain, grant_opts); OFF(struct xen_domctl_createdomain, vmtrace_size);
    OFF(struct xen_domctl_createdomain, cpupool_id);
    OFF(struct xen_domctl_createdomain, arch.emulation_flags); OFF(struct xen_domctl_createdomain, arch.misc_flags);

    SIZE(struct precopy_stats);
    OFF(struct precopy_stats, iteration); OFF(struct precopy_stats, total_written); OFF(struct precopy_stats, dirty_count);

    SIZE(struct save_callbacks);
    OFF(struct save_callbacks, suspend); OFF(struct save_callbacks, precopy_policy); OFF(struct save_callbacks, postcopy);
    OFF(struct save_callbacks, checkpoint); OFF(struct save_callbacks, wait_checkpoint);
    OFF(struct save_callbacks, switch_qemu_logdirty); OFF(struct save_callbacks, data);

    SIZE(struct restore_callbacks);
    OFF(struct restore_callbacks, static_data_done); OFF(struct restore_callbacks, suspend);
    OFF(struct restore_callbacks, postcopy); OFF(struct restore_callbacks, checkpoint);
    OFF(struct restore_callbacks, wait_checkpoint); OFF(struct restore_callbacks, restore_results);
    OFF(struct restore_callbacks, data);

    SIZE(struct hvm_save_descriptor);
    OFF(struct hvm_save_descriptor, typecode); OFF(struct hvm_save_descriptor, instance);
    OFF(struct hvm_save_descriptor, length);
    SIZE(struct hvm_save_header);
    OFF(struct hvm_save_header, magic); OFF(struct hvm_save_header, version); OFF(struct hvm_save_header, changeset);
    OFF(struct hvm_save_header, cpuid); OFF(struct hvm_save_header, gtsc_khz);

    SIZE(struct hvm_hw_cpu); OFF(struct hvm_hw_cpu, rip);
    SIZE(xen_pfn_t); SIZE(domid_t); SIZE(xs_transaction_t); SIZE(bool); SIZE(unsigned long); SIZE(size_t);

    CONST(XEN_DOMINF_dying); CONST(XEN_DOMINF_hvm_guest); CONST(XEN_DOMINF_shutdown); CONST(XEN_DOMINF_paused);
    CONST(XEN_DOMINF_blocked); CONST(XEN_DOMINF_running); CONST(XEN_DOMINF_hap);
    CONST(XEN_DOMINF_shutdownshift); CONST(XEN_DOMINF_shutdownmask); CONST(SHUTDOWN_suspend);
    CONST(XEN_DOMCTL_SHADOW_OP_OFF); CONST(XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    CONST(XEN_DOMCTL_SHADOW_OP_CLEAN); CONST(XEN_DOMCTL_SHADOW_OP_PEEK);
    CONST(XEN_DOMCTL_CDF_hvm); CONST(XEN_DOMCTL_CDF_hap); CONST(XEN_X86_EMU_LAPIC);
    CONST(XCFLAGS_LIVE); CONST(XC_STREAM_PLAIN); CONST(XC_STREAM_REMUS);
    CONST(XGR_CHECKPOINT_ERROR); CONST(XGR_CHECKPOINT_SUCCESS); CONST(XGR_CHECKPOINT_FAILOVER);
    CONST(HVM_FILE_MAGIC); CONST(HVM_SAVE_CODE(END)); CONST(HVM_SAVE_CODE(HEADER)); CONST(HVM_SAVE_CODE(CPU));
    CONST(XBT_NULL); CONST(XS_WATCH_PATH); CONST(XS_WATCH_TOKEN); CONST(XS_PERM_NONE); CONST(XS_PERM_READ);
    CONST(XENVER_version);
    SIZE(struct xs_permissions); OFF(struct xs_permissions, id); OFF(struct xs_permissions, perms);
    return 0;
}
