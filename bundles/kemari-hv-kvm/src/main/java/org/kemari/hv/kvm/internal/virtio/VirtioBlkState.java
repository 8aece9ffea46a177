package org.kemari.hv.kvm.internal.virtio;

import java.util.ArrayList;
import java.util.List;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;

/**
 * The saved state of a virtio-blk device: its transport and the writes not yet completed, by
 * the head index of their descriptor chain (the chains themselves live in guest memory, which is
 * saved too), in submission order.
 */
record VirtioBlkState(VirtioMmioState transport, List<Integer> inFlightHeads) {

    static final String KIND = "kvm.virtio-blk";
    static final int VERSION = 1;

    VirtioBlkState {
        inFlightHeads = List.copyOf(inFlightHeads);
    }

    StateRecord toRecord(String instance) {
        StateWriter w = new StateWriter();
        transport.writeTo(w);
        w.writeInt(inFlightHeads.size());
        for (int head : inFlightHeads) {
            w.writeInt(head);
        }
        return new StateRecord(KIND, instance, VERSION, w.finish());
    }

    static VirtioBlkState fromRecord(StateRecord record) throws HypervisorException {
        StateReader r = StateReader.open(record, KIND, VERSION);
        VirtioMmioState transport = VirtioMmioState.readFrom(r);
        int count = r.readInt();
        if (count < 0 || count > 65536) {
            throw r.bad("implausible in-flight request count " + count);
        }
        List<Integer> heads = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            heads.add(r.readInt());
        }
        r.expectEnd();
        return new VirtioBlkState(transport, heads);
    }
}
