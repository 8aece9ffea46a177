package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

import org.kemari.api.hv.CheckpointStreamSink;
import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StreamCheckpointing;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmListener;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmState;
import org.kemari.api.io.OutputGate;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;

/**
 * A VM whose "guest" is a counter that ticks every millisecond and prints (a CONSOLE output) every
 * 20 ticks, and whose backend writes its own checkpoint stream: per epoch some filler bytes, then,
 * while stopped, the line {@code CK <epoch> <counter>}. The standby side is {@link FakeStreamBackend}.
 * With a replicated disk {@code vda} it also writes the counter and who wrote it (1: a VM started
 * as primary, 2: a standby's copy) to 16-byte slot counter/20 of the disk at each print, as a Xen
 * disk does: listed at the gate, then done at once on its image.
 */
final class FakeStreamVm implements Vm, StreamCheckpointing {
    private final VmSpec spec;
    private final FakeStreamBackend backend;
    private volatile VmState state = VmState.RUNNING;
    private volatile long counter;
    private volatile OutputGate gate;
    /** Spec option: the guest dies during the initial copy. */
    static final String CRASH_IN_INITIAL_COPY = "fake.crash-in-initial-copy";
    private final Object run = new Object();
    private final Thread guest;
    private final java.nio.channels.FileChannel disk;
    private final long writer;
    /** Outputs that became visible: the counter value each was printed at. */
    final List<Long> visible = new CopyOnWriteArrayList<>();
    /** The host this VM runs on has died: nothing it lets out from then on reaches anyone. Guarded by {@link #visible}. */
    private boolean hostDead;

    FakeStreamVm(VmSpec spec, FakeStreamBackend backend, long startCounter, boolean paused) {
        this.spec = spec;
        this.backend = backend;
        this.counter = startCounter;
        this.state = paused ? VmState.PAUSED : VmState.RUNNING;
        this.disk = spec.disks().isEmpty() ? null : open(spec.disks().get(0).imagePath());
        this.writer = paused ? 2 : 1;
        this.guest = new Thread(this::guestLoop, "fake-guest-" + spec.name());
        guest.setDaemon(true);
        guest.start();
    }

    long counter() {
        return counter;
    }

    /**
     * The host dies, at one instant: from now on nothing this VM's node lets out (a held output the
     * engine releases, a line printed ungated) is visible to anyone. A test kills the primary in steps
     * (this, its link, its VM); between them its engine still runs, sees the link drop and, as a
     * primary that lost its standby does, runs on unprotected with its held output released. A dead
     * host could not show that output, so it must not count as released. Returns the last visible line.
     */
    long hostDies() {
        synchronized (visible) {
            hostDead = true;
            return visible.isEmpty() ? -1 : visible.get(visible.size() - 1);
        }
    }

    private void guestLoop() {
        while (!state.isTerminal()) {
            synchronized (run) {
                while (state == VmState.PAUSED) {
                    try {
                        run.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (state.isTerminal()) {
                    return;
                }
                long c = ++counter;
                if (c % 20 == 0) {
                    if (disk != null) {
                        write(c);
                    }
                    print(c);
                }
            }
            sleep(1);
        }
    }

    private static java.nio.channels.FileChannel open(String path) {
        try {
            return java.nio.channels.FileChannel.open(java.nio.file.Path.of(path), java.nio.file.StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void write(long c) {
        long offset = c / 20 * 16;
        ByteBuffer data = ByteBuffer.allocate(16).putLong(0, c).putLong(8, writer).asReadOnlyBuffer();
        OutputGate g = gate;
        if (g != null) {
            g.submit(new org.kemari.api.io.DiskWriteOutput() {
                @Override
                public OutputKind kind() {
                    return OutputKind.DISK_WRITE;
                }

                @Override
                public String deviceId() {
                    return "vda";
                }

                @Override
                public int size() {
                    return 16;
                }

                @Override
                public long offset() {
                    return offset;
                }

                @Override
                public ByteBuffer data() {
                    return data.duplicate();
                }

                @Override
                public void release() {
                    // done on the image already
                }

                @Override
                public void discard() {
                }
            });
        }
        try {
            disk.write(data.duplicate(), offset);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void print(long c) {
        LongSupplier applied = backend::appliedCounter;
        PendingOutput out = new PendingOutput() {
            @Override
            public OutputKind kind() {
                return OutputKind.CONSOLE;
            }

            @Override
            public String deviceId() {
                return "console";
            }

            @Override
            public int size() {
                return 8;
            }

            @Override
            public void release() {
                synchronized (visible) {
                    if (hostDead) {
                        return; // let out by a dead host: nobody sees it
                    }
                    // Output commit: the standby must already hold a state that printed this line.
                    if (backend.protectedRun && applied.getAsLong() < c) {
                        backend.violations.add("line " + c + " visible while the standby has " + applied.getAsLong());
                    }
                    visible.add(c);
                }
            }

            @Override
            public void discard() {
            }
        };
        OutputGate g = gate;
        if (g == null) {
            synchronized (visible) {
                if (!hostDead) {
                    visible.add(c);
                }
            }
        } else {
            g.submit(out);
        }
    }

    @Override
    public void streamCheckpoints(CheckpointStreamSink sink) throws HypervisorException {
        try {
            for (long n = 0; ; n++) {
                // An epoch's bulk, written while the guest runs (a pre-copy or dirty pages).
                sink.write(ByteBuffer.wrap(("DATA " + n + " " + "x".repeat(n == 0 ? 5000 : 100) + "\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                if (n == 0 && spec.options().containsKey(CRASH_IN_INITIAL_COPY)) {
                    close(); // the guest dies (a triple fault) while its initial copy is on the way
                    throw new HypervisorException(HypervisorException.Reason.BAD_STATE, "the domain crashed");
                }
                long c;
                synchronized (run) {
                    c = counter;
                    sink.suspended(n);
                }
                sink.write(ByteBuffer.wrap(("CK " + n + " " + c + "\n").getBytes(StandardCharsets.US_ASCII)));
                if (!sink.checkpointWritten(n)) {
                    return;
                }
            }
        } catch (IOException e) {
            // The engine stopped taking bytes: the stream ends, the VM runs on.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public VmSpec spec() {
        return spec;
    }

    @Override
    public String backend() {
        return backend.name();
    }

    @Override
    public VmState state() {
        return state;
    }

    @Override
    public Optional<String> failureReason() {
        return Optional.empty();
    }

    @Override
    public void pause() {
        state = VmState.PAUSED;
    }

    @Override
    public void resume() {
        synchronized (run) {
            state = VmState.RUNNING;
            run.notifyAll();
        }
    }

    @Override
    public GuestMemory memory() {
        throw new UnsupportedOperationException("the engine must not read memory of a stream-checkpointing VM");
    }

    @Override
    public DirtyPageSet fetchAndClearDirtyPages() {
        throw new UnsupportedOperationException("the engine must not fetch dirty pages of a stream-checkpointing VM");
    }

    @Override
    public void stopDirtyTracking() {
        throw new UnsupportedOperationException("the backend stream tracks dirty pages itself");
    }

    @Override
    public MachineState captureState() {
        throw new UnsupportedOperationException("the engine must not capture a stream-checkpointing VM");
    }

    @Override
    public void setOutputGate(OutputGate gate) {
        this.gate = gate;
    }

    @Override
    public void addListener(VmListener listener) {
    }

    @Override
    public void removeListener(VmListener listener) {
    }

    @Override
    public void close() {
        if (disk != null) {
            try {
                disk.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
        synchronized (run) {
            state = VmState.STOPPED;
            run.notifyAll();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
