package org.kemari.itests.failover;

/** How the protected VM's disk is stored (docs/operations.md, Storage). */
enum StorageMode {
    /** One image file both hosts see at the same path. */
    SHARED_FILE("shared-file"),
    /** An export of a real nbd-server on the storage address, which both hosts reach over the switch. */
    SHARED_NBD("nbd"),
    /** Each host keeps its own image on its local disk; writes travel with the epochs. */
    REPLICATED("replicated");

    final String label;

    StorageMode(String label) {
        this.label = label;
    }

    /** The mode named by its label (as in -Dkemari.failover.storage=nbd,replicated). */
    static StorageMode byLabel(String label) {
        for (StorageMode m : values()) {
            if (m.label.equals(label.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("no storage mode '" + label + "' (shared-file, nbd, replicated)");
    }

    @Override
    public String toString() {
        return label;
    }
}
