package org.kemari.hv.kvm.internal;

import java.io.IOException;

import org.kemari.api.io.OutputGate;
import org.kemari.api.io.PendingOutput;
import org.kemari.hv.kvm.internal.bus.OutputRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands device outputs to the VM's current {@link OutputGate}, or releases them at once when there is none. */
final class OutputRouting implements OutputRouter {
    private static final Logger LOG = LoggerFactory.getLogger(OutputRouting.class);

    private final String vmName;
    private volatile OutputGate gate;

    OutputRouting(String vmName) {
        this.vmName = vmName;
    }

    /** Whether outputs are held by a gate (the VM is protected). */
    boolean gated() {
        return gate != null;
    }

    void setGate(OutputGate gate) {
        this.gate = gate;
    }

    @Override
    public void submit(PendingOutput output) {
        OutputGate g = gate;
        if (g != null) {
            g.submit(output);
            return;
        }
        try {
            output.release();
        } catch (IOException e) {
            LOG.warn("VM {}: releasing {} of device {} failed: {}", vmName, output.kind(), output.deviceId(), e.toString());
        }
    }
}
