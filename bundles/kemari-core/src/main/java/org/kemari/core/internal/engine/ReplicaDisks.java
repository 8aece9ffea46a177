package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.core.internal.standby.DiskWriteSink;

/**
 * A standby's own copies of a protected VM's replicated disks ({@code replicated:/path}): where
 * each lives on this node, and the sink that applies committed DISK_WRITE records to them.
 *
 * <p>A copy lives at the disk's own path, or, when the node has a root for replicated disks,
 * at that path under the root ({@code replicated:/vm/a.img} with root {@code /srv/r} →
 * {@code /srv/r/vm/a.img}). It is created if missing; its directory must exist. The initial
 * copy in epoch 0 overwrites it whole.
 */
final class ReplicaDisks implements DiskWriteSink, AutoCloseable {
    private final String vmName;
    private final Path root;
    private final Map<String, Path> paths = new LinkedHashMap<>();
    private final Map<String, FileChannel> channels = new LinkedHashMap<>();

    private ReplicaDisks(String vmName, Path root) {
        this.vmName = vmName;
        this.root = root;
    }

    /** Where this node keeps its copy of a replicated image ({@code root} null: the same path). */
    static Path localImage(Path root, String imagePath) {
        return root == null ? Path.of(imagePath) : root.resolve(imagePath.substring(1));
    }

    /**
     * Opens (creating if missing) this node's copy of every replicated disk of {@code spec}.
     *
     * @throws IOException naming the disk and the path that cannot be used
     */
    static ReplicaDisks open(VmSpec spec, Path root) throws IOException {
        ReplicaDisks disks = new ReplicaDisks(spec.name(), root);
        try {
            for (DiskSpec d : spec.disks()) {
                if (d.replicated()) {
                    disks.add(d);
                }
            }
        } catch (IOException e) {
            disks.close();
            throw e;
        }
        return disks;
    }

    private void add(DiskSpec disk) throws IOException {
        Path named = Path.of(disk.imagePath());
        if (!named.normalize().equals(named)) {
            // A peer names the path: it must not climb out of the root for replicated disks.
            throw new IOException("replicated disk " + disk.id() + " has the path '" + disk.imagePath()
                    + "', which is not a normal absolute path ('..' or '.' in it)");
        }
        Path file = localImage(root, disk.imagePath());
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("the directory " + dir + " for this node's copy of replicated disk " + disk.id()
                    + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IOException(file + " (the copy of replicated disk " + disk.id() + ") is a directory");
        }
        try {
            channels.put(disk.id(), FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE));
        } catch (IOException e) {
            throw new IOException("cannot open " + file + " for the copy of replicated disk " + disk.id() + ": " + e, e);
        }
        paths.put(disk.id(), file);
    }

    @Override
    public synchronized void write(String diskId, long offset, ByteBuffer data) throws IOException {
        FileChannel ch = channels.get(diskId);
        if (ch == null) {
            throw new IOException("the stream carries a write to disk '" + diskId + "' of VM " + vmName
                    + ", which is not a replicated disk here");
        }
        ByteBuffer b = data.duplicate();
        long at = offset;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    /**
     * Nothing per epoch: the copy matters only to this standby process, which loses the committed
     * memory with it if it dies, so an fsync in every acknowledgement would buy nothing.
     * {@link #sync()} runs before a takeover.
     */
    @Override
    public void force() {
    }

    /** Makes the copies durable (before the VM runs on them). */
    synchronized void sync() throws IOException {
        for (FileChannel ch : channels.values()) {
            ch.force(true);
        }
    }

    /** The spec of the VM as it runs on this node: its replicated disks on this node's copies. */
    VmSpec localSpec(VmSpec spec) {
        List<DiskSpec> disks = new ArrayList<>();
        for (DiskSpec d : spec.disks()) {
            Path local = paths.get(d.id());
            disks.add(d.replicated() && local != null ? d.withReplicatedImage(local.toAbsolutePath().toString()) : d);
        }
        return new VmSpec(spec.name(), spec.memoryBytes(), spec.vcpus(), spec.image(), disks, spec.nics(), spec.options());
    }

    /** This node's copy of each replicated disk, by disk id. */
    Map<String, Path> paths() {
        return Map.copyOf(paths);
    }

    @Override
    public synchronized void close() {
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                // Nothing more to release.
            }
        }
        channels.clear();
    }
}
