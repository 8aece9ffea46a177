package org.kemari.hv.kvm.internal.virtio;

import java.util.ArrayList;
import java.util.List;

import org.kemari.api.hv.HypervisorException;

/**
 * The saved state of the virtio-mmio transport of one device: the registers the driver wrote and
 * every queue. It is embedded in each device's record as a section with its own kind
 * ({@value #SECTION}) and version, so the transport and the device types can evolve apart.
 *
 * @param deviceType the virtio device id (1 net, 2 blk)
 * @param status the device status register
 * @param driverFeatures the features the driver accepted
 * @param deviceFeaturesSel DeviceFeaturesSel
 * @param driverFeaturesSel DriverFeaturesSel
 * @param queueSel QueueSel
 * @param interruptStatus InterruptStatus
 * @param queues every queue, by index
 */
record VirtioMmioState(int deviceType, int status, long driverFeatures, int deviceFeaturesSel,
                       int driverFeaturesSel, int queueSel, int interruptStatus, List<VirtqueueState> queues) {

    static final String SECTION = "kvm.virtio-mmio";
    static final int SECTION_VERSION = 1;

    VirtioMmioState {
        queues = List.copyOf(queues);
    }

    void writeTo(StateWriter w) {
        w.writeString(SECTION).writeInt(SECTION_VERSION)
                .writeInt(deviceType).writeInt(status).writeLong(driverFeatures)
                .writeInt(deviceFeaturesSel).writeInt(driverFeaturesSel).writeInt(queueSel)
                .writeInt(interruptStatus).writeInt(queues.size());
        for (VirtqueueState q : queues) {
            w.writeInt(q.size()).writeBoolean(q.ready()).writeLong(q.descAddr()).writeLong(q.driverAddr())
                    .writeLong(q.deviceAddr()).writeInt(q.lastAvailIdx()).writeInt(q.usedIdx());
        }
    }

    static VirtioMmioState readFrom(StateReader r) throws HypervisorException {
        String section = r.readString();
        int version = r.readInt();
        if (!SECTION.equals(section) || version != SECTION_VERSION) {
            throw r.bad("transport section is " + section + " v" + version + ", expected " + SECTION + " v" + SECTION_VERSION);
        }
        int deviceType = r.readInt();
        int status = r.readInt();
        long driverFeatures = r.readLong();
        int deviceFeaturesSel = r.readInt();
        int driverFeaturesSel = r.readInt();
        int queueSel = r.readInt();
        int interruptStatus = r.readInt();
        int count = r.readInt();
        if (count < 0 || count > 64) {
            throw r.bad("implausible queue count " + count);
        }
        List<VirtqueueState> queues = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            queues.add(new VirtqueueState(r.readInt(), r.readBoolean(), r.readLong(), r.readLong(), r.readLong(),
                    r.readInt(), r.readInt()));
        }
        return new VirtioMmioState(deviceType, status, driverFeatures, deviceFeaturesSel, driverFeaturesSel,
                queueSel, interruptStatus, queues);
    }
}
