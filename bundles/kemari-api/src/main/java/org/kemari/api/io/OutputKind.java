package org.kemari.api.io;

/** What kind of externally visible output a {@link PendingOutput} is. */
public enum OutputKind {
    /** A write to a disk; the guest sees it complete only after release. */
    DISK_WRITE,
    /** An Ethernet frame leaving the VM. */
    NET_FRAME,
    /** A line the VM writes to its console, shown outside only after release. Since 1.2. */
    CONSOLE
}
