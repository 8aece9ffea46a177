package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.kemari.api.io.PendingOutput;
import org.kemari.hv.kvm.internal.bus.OutputRouter;

/** An output router for tests: releases at once (an unprotected VM) or holds outputs (a protected one). */
final class FakeRouter implements OutputRouter {
    volatile boolean hold;
    final List<PendingOutput> submitted = new ArrayList<>();
    final List<PendingOutput> held = new ArrayList<>();

    @Override
    public synchronized void submit(PendingOutput output) {
        submitted.add(output);
        if (hold) {
            held.add(output);
            return;
        }
        try {
            output.release();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized void releaseAll() throws IOException {
        List<PendingOutput> outputs = new ArrayList<>(held);
        held.clear();
        for (PendingOutput o : outputs) {
            o.release();
        }
    }

    synchronized void discardAll() {
        held.forEach(PendingOutput::discard);
        held.clear();
    }
}
