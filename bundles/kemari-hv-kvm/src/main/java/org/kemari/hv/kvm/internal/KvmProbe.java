package org.kemari.hv.kvm.internal;

import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.BackendStatus.Detail;
import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.sys.KvmLayout;
import org.kemari.hv.kvm.internal.sys.LibC;

/**
 * Finds out, for real, whether this host can run the KVM backend: opens the device, checks the
 * API version and the capabilities the engine relies on, and creates a throw-away VM with a
 * dirty-logged memory slot and a vCPU.
 */
final class KvmProbe {
    /** A capability the backend needs (required) or uses when present (optional). */
    private record Cap(String name, int id, boolean required) {
    }

    private static final List<Cap> CAPS = List.of(
            new Cap("KVM_CAP_USER_MEMORY", KvmConstants.KVM_CAP_USER_MEMORY, true),
            new Cap("KVM_CAP_IMMEDIATE_EXIT", KvmConstants.KVM_CAP_IMMEDIATE_EXIT, true),
            new Cap("KVM_CAP_XSAVE", KvmConstants.KVM_CAP_XSAVE, true),
            new Cap("KVM_CAP_XCRS", KvmConstants.KVM_CAP_XCRS, true),
            new Cap("KVM_CAP_VCPU_EVENTS", KvmConstants.KVM_CAP_VCPU_EVENTS, true),
            new Cap("KVM_CAP_DEBUGREGS", KvmConstants.KVM_CAP_DEBUGREGS, true),
            new Cap("KVM_CAP_MP_STATE", KvmConstants.KVM_CAP_MP_STATE, true),
            new Cap("KVM_CAP_EXT_CPUID", KvmConstants.KVM_CAP_EXT_CPUID, true),
            new Cap("KVM_CAP_XSAVE2", KvmConstants.KVM_CAP_XSAVE2, false),
            new Cap("KVM_CAP_SYNC_REGS", KvmConstants.KVM_CAP_SYNC_REGS, false),
            new Cap("KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2", KvmConstants.KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, false),
            new Cap("KVM_CAP_SET_TSS_ADDR", KvmConstants.KVM_CAP_SET_TSS_ADDR, false),
            new Cap("KVM_CAP_NR_VCPUS", KvmConstants.KVM_CAP_NR_VCPUS, false),
            new Cap("KVM_CAP_MAX_VCPUS", KvmConstants.KVM_CAP_MAX_VCPUS, false));

    private KvmProbe() {
    }

    static BackendStatus probe(String backendName, String devicePath) {
        List<Detail> details = new ArrayList<>();
        String failure = null;
        try (KvmSystem kvm = KvmSystem.open(devicePath)) {
            details.add(new Detail("open " + devicePath, true, "ok"));
            int version = kvm.apiVersion();
            boolean versionOk = version == KvmConstants.KVM_API_VERSION;
            details.add(new Detail("KVM_GET_API_VERSION", versionOk, version + (versionOk ? "" : " (need " + KvmConstants.KVM_API_VERSION + ")")));
            if (!versionOk) {
                failure = "KVM API version " + version + ", need " + KvmConstants.KVM_API_VERSION;
            }
            for (Cap cap : CAPS) {
                int value = kvm.checkExtension(cap.id());
                boolean present = value > 0;
                details.add(new Detail(cap.name() + (cap.required() ? "" : " (optional)"), present || !cap.required(),
                        present ? Integer.toString(value) : "absent"));
                if (!present && cap.required() && failure == null) {
                    failure = cap.name() + " is missing";
                }
            }
            if (failure == null) {
                failure = tryVm(kvm, details);
            }
        } catch (HypervisorException e) {
            details.add(new Detail(details.isEmpty() ? "open " + devicePath : "probe", false, e.getMessage()));
            failure = e.getMessage();
        } catch (RuntimeException | LinkageError e) {
            // JNA could not load libc or bind a call: the backend cannot work here.
            details.add(new Detail("native access (JNA)", false, String.valueOf(e)));
            failure = "native access failed: " + e;
        }
        if (failure == null) {
            return new BackendStatus(backendName, true, "KVM API " + KvmConstants.KVM_API_VERSION + " at " + devicePath
                    + ", all required capabilities present", details);
        }
        return new BackendStatus(backendName, false, failure, details);
    }

    /** Creates a VM with one dirty-logged page and a vCPU; returns a failure text or null. */
    private static String tryVm(KvmSystem kvm, List<Detail> details) {
        int vmFd = -1;
        int vcpuFd = -1;
        long page = LibC.MAP_FAILED;
        try {
            vmFd = kvm.createVmFd();
            page = LibC.mmap(0, 4096, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
            if (page == LibC.MAP_FAILED) {
                throw Errno.failure("mmap", Errno.last());
            }
            Memory region = new Memory(KvmLayout.MEMREGION_SIZE);
            region.clear();
            region.setInt(KvmLayout.MEMREGION_SLOT, 0);
            region.setInt(KvmLayout.MEMREGION_FLAGS, KvmConstants.KVM_MEM_LOG_DIRTY_PAGES);
            region.setLong(KvmLayout.MEMREGION_GPA, 0);
            region.setLong(KvmLayout.MEMREGION_SIZE_FIELD, 4096);
            region.setLong(KvmLayout.MEMREGION_USERSPACE_ADDR, page);
            Errno.check(LibC.ioctl(vmFd, KvmConstants.KVM_SET_USER_MEMORY_REGION, Pointer.nativeValue(region)),
                    "KVM_SET_USER_MEMORY_REGION (dirty-logged)");
            Memory bitmap = new Memory(8);
            Memory log = new Memory(KvmLayout.DIRTY_LOG_SIZE);
            log.clear();
            log.setLong(KvmLayout.DIRTY_LOG_BITMAP, Pointer.nativeValue(bitmap));
            Errno.check(LibC.ioctl(vmFd, KvmConstants.KVM_GET_DIRTY_LOG, Pointer.nativeValue(log)), "KVM_GET_DIRTY_LOG");
            vcpuFd = Errno.check(LibC.ioctl(vmFd, KvmConstants.KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
            int mmapSize = kvm.vcpuMmapSize();
            details.add(new Detail("VM with dirty-logged slot and vCPU", true, "ok (kvm_run mapping " + mmapSize + " bytes)"));
            return null;
        } catch (HypervisorException e) {
            details.add(new Detail("VM with dirty-logged slot and vCPU", false, e.getMessage()));
            return e.getMessage();
        } finally {
            if (vcpuFd >= 0) {
                LibC.close(vcpuFd);
            }
            if (vmFd >= 0) {
                LibC.close(vmFd);
            }
            if (page != LibC.MAP_FAILED) {
                LibC.munmap(page, 4096);
            }
        }
    }
}
