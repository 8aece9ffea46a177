package org.kemari.hv.kvm.internal.virtio;

/**
 * Register offsets and fixed values of the virtio-mmio transport, version 2 ("modern"), as in
 * the virtio 1.1 specification, section 4.2.2.
 */
final class VirtioMmioRegisters {
    static final int MAGIC_VALUE = 0x000;
    static final int VERSION = 0x004;
    static final int DEVICE_ID = 0x008;
    static final int VENDOR_ID = 0x00c;
    static final int DEVICE_FEATURES = 0x010;
    static final int DEVICE_FEATURES_SEL = 0x014;
    static final int DRIVER_FEATURES = 0x020;
    static final int DRIVER_FEATURES_SEL = 0x024;
    static final int QUEUE_SEL = 0x030;
    static final int QUEUE_NUM_MAX = 0x034;
    static final int QUEUE_NUM = 0x038;
    static final int QUEUE_READY = 0x044;
    static final int QUEUE_NOTIFY = 0x050;
    static final int INTERRUPT_STATUS = 0x060;
    static final int INTERRUPT_ACK = 0x064;
    static final int STATUS = 0x070;
    static final int QUEUE_DESC_LOW = 0x080;
    static final int QUEUE_DESC_HIGH = 0x084;
    static final int QUEUE_DRIVER_LOW = 0x090;
    static final int QUEUE_DRIVER_HIGH = 0x094;
    static final int QUEUE_DEVICE_LOW = 0x0a0;
    static final int QUEUE_DEVICE_HIGH = 0x0a4;
    static final int SHM_LEN_LOW = 0x0b0;
    static final int SHM_LEN_HIGH = 0x0b4;
    static final int CONFIG_GENERATION = 0x0fc;
    static final int CONFIG = 0x100;

    /** "virt" in little-endian ASCII. */
    static final int MAGIC = 0x74726976;
    static final int MMIO_VERSION = 2;
    /** "KMRI" in little-endian ASCII: Kemari's own vendor id. */
    static final int KEMARI_VENDOR = 0x49524d4b;

    /** Size of one device's register window. */
    static final long WINDOW_SIZE = 0x1000;

    /** InterruptStatus bit: the device used a buffer. */
    static final int INTERRUPT_USED_BUFFER = 1;

    private VirtioMmioRegisters() {
    }
}
