package org.kemari.hv.xen.internal;

import java.util.List;

import org.kemari.api.hv.Vm;
import org.kemari.hv.xen.internal.disk.XenDisk;

/** What the nested rig's engine stage needs of a XenVm beyond the SPI (evidence for its checks). */
public final class XenRigAccess {
    private XenRigAccess() {
    }

    /** The nbd devices serving the VM's disks. */
    public static List<String> diskDevices(Vm vm) {
        return ((XenVm) vm).disks().stream().map(XenDisk::device).toList();
    }
}
