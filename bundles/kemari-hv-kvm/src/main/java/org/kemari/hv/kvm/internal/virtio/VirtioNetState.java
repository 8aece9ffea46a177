package org.kemari.hv.kvm.internal.virtio;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;

/**
 * The saved state of a virtio-net device: its transport only. Frames waiting host-side for a
 * receive buffer are not saved: they count as lost on the wire, which the guest's protocols
 * tolerate.
 */
record VirtioNetState(VirtioMmioState transport) {

    static final String KIND = "kvm.virtio-net";
    static final int VERSION = 1;

    StateRecord toRecord(String instance) {
        StateWriter w = new StateWriter();
        transport.writeTo(w);
        return new StateRecord(KIND, instance, VERSION, w.finish());
    }

    static VirtioNetState fromRecord(StateRecord record) throws HypervisorException {
        StateReader r = StateReader.open(record, KIND, VERSION);
        VirtioMmioState transport = VirtioMmioState.readFrom(r);
        r.expectEnd();
        return new VirtioNetState(transport);
    }
}
