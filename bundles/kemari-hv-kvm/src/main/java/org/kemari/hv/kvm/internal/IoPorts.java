package org.kemari.hv.kvm.internal;

/** The guest's I/O port space as a vCPU thread sees it on port I/O exits. */
interface IoPorts {
    /**
     * An {@code out} of {@code count} items of {@code size} bytes in {@code data}.
     *
     * @return false if the guest ended and the vCPU must stop
     */
    boolean out(int vcpu, int port, int size, int count, byte[] data) throws InterruptedException;

    /** An {@code in}: fills {@code data}. */
    void in(int port, byte[] data);

    /** Whether an {@code out} to {@code port} may block the vCPU until a device signals (the test ABI's WAIT). */
    default boolean blocks(int port) {
        return false;
    }
}
