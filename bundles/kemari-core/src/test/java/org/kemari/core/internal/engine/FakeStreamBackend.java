package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.StandbyStream;
import org.kemari.api.hv.StreamRestoring;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;

/**
 * The backend of {@link FakeStreamVm}. As a standby it parses the stream line by line and applies a
 * checkpoint at its {@code CK} line; takeover builds a paused VM from the last applied counter.
 * One instance is shared by both nodes of a test, so it also sees whether output got out early.
 */
final class FakeStreamBackend implements HypervisorBackend, StreamRestoring {
    final List<String> violations = new CopyOnWriteArrayList<>();
    final List<String> standbyEvents = new CopyOnWriteArrayList<>();
    volatile boolean protectedRun = true;
    private volatile long appliedEpoch = -1;
    private volatile long appliedCounter = -1;

    @Override
    public String name() {
        return "fakestream";
    }

    @Override
    public BackendStatus probe() {
        return new BackendStatus(name(), true, "fake", List.of());
    }

    @Override
    public Vm create(VmSpec spec) {
        return new FakeStreamVm(spec, this, 0, false);
    }

    @Override
    public Vm restore(VmSpec spec, MemoryImage memory, MachineState state) throws HypervisorException {
        throw new HypervisorException(HypervisorException.Reason.UNSUPPORTED, "a stream backend restores from its stream");
    }

    long appliedEpoch() {
        return appliedEpoch;
    }

    long appliedCounter() {
        return appliedCounter;
    }

    @Override
    public StandbyStream openStandby(VmSpec spec) {
        standbyEvents.add("open");
        return new StandbyStream() {
            private final StringBuilder line = new StringBuilder();
            private long expected;

            @Override
            public synchronized void write(ByteBuffer bytes) throws IOException {
                String s = StandardCharsets.US_ASCII.decode(bytes.duplicate()).toString();
                for (char ch : s.toCharArray()) {
                    if (ch != '\n') {
                        line.append(ch);
                        continue;
                    }
                    String[] f = line.toString().split(" ");
                    line.setLength(0);
                    if (f[0].equals("CK")) {
                        if (Long.parseLong(f[1]) != expected) {
                            throw new IOException("checkpoint " + f[1] + " arrived, " + expected + " expected");
                        }
                        appliedCounter = Long.parseLong(f[2]);
                        appliedEpoch = expected++;
                        notifyAll();
                    }
                }
            }

            @Override
            public synchronized boolean awaitApplied(long epoch, long timeoutMillis) throws InterruptedException {
                long deadline = System.currentTimeMillis() + timeoutMillis;
                while (appliedEpoch < epoch) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        return false;
                    }
                    wait(left);
                }
                return true;
            }

            @Override
            public Vm takeOver() {
                standbyEvents.add("takeOver " + appliedEpoch + " " + appliedCounter);
                return new FakeStreamVm(spec, FakeStreamBackend.this, appliedCounter, true);
            }

            @Override
            public void close() {
                standbyEvents.add("close");
            }
        };
    }
}
