package org.kemari.core.internal.standby;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;

import org.kemari.api.hv.MachineState;
import org.kemari.core.internal.stream.StateEntry;

/** Compares a standby's committed state with the source at an epoch. */
final class StandbyAssert {
    private StandbyAssert() {
    }

    static void committedEquals(SourceVm src, long epoch, CommittedState store) {
        if (epoch < 0) {
            assertFalse("nothing should be committed", store.hasCommitted());
            return;
        }
        assertEquals(epoch, store.epoch());
        ByteBuffer mem = ByteBuffer.allocate(src.memory.length);
        store.memory().read(0, mem);
        assertArrayEquals("memory at epoch " + epoch, src.memoryAt.get((int) epoch), mem.array());
        MachineState want = src.stateAt.get((int) epoch);
        MachineState got = store.machineState();
        assertEquals(want.backend(), got.backend());
        assertEquals(want.records().size(), got.records().size());
        for (int i = 0; i < want.records().size(); i++) {
            assertTrue("state record " + i, StateEntry.sameState(want.records().get(i), got.records().get(i)));
        }
        assertEquals(src.spec, store.spec());
    }
}
