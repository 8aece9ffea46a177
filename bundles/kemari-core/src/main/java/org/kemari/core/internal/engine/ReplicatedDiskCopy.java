package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.transport.TransportException;
import org.kemari.core.internal.stream.EpochStreamWriter;

/**
 * The initial copy of a VM's replicated disks, sent inside epoch 0 as DISK_WRITE records: every
 * byte of each image as it is on the primary, so the standby's copy starts equal whatever it held
 * before (a new node, or a copy gone stale while the VM ran unprotected).
 *
 * <p>Why reading the image while the VM runs is safe: the VM's output gate is set before, so every
 * write issued from then on is held (not on the image) and travels later in epoch 0, after this
 * copy, as one of epoch 0's writes. A write released just before the gate was set may still be
 * going to the image on a vCPU thread; one pause of the VM waits for those to finish.
 */
final class ReplicatedDiskCopy {
    private static final int CHUNK_BYTES = 1 << 20;

    private ReplicatedDiskCopy() {
    }

    /**
     * Sends every replicated disk's image into the open epoch.
     *
     * @return bytes sent
     */
    static long send(Vm vm, EpochStreamWriter writer) throws HypervisorException, TransportException, CheckpointDeviceException {
        if (!vm.spec().hasReplicatedDisks()) {
            return 0;
        }
        vm.pause();
        vm.resume();
        return sendImages(vm.spec(), writer);
    }

    /**
     * Sends every replicated disk's image into the open epoch, for a backend that makes sure itself
     * that every write from the gate's setting on is listed (a backend stream's VM, whose writes are
     * not issued by vCPU threads the engine can pause).
     *
     * @return bytes sent
     */
    static long sendImages(VmSpec spec, EpochStreamWriter writer) throws TransportException, CheckpointDeviceException {
        long bytes = 0;
        for (DiskSpec disk : spec.disks()) {
            if (disk.replicated()) {
                bytes += sendImage(disk, writer);
            }
        }
        return bytes;
    }

    private static long sendImage(DiskSpec disk, EpochStreamWriter writer) throws TransportException, CheckpointDeviceException {
        Path image = Path.of(disk.imagePath());
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            long size = ch.size();
            for (long at = 0; at < size; at += CHUNK_BYTES) {
                // A fresh buffer per chunk: the writer sends views of it at its next flush.
                ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, size - at));
                while (chunk.hasRemaining()) {
                    if (ch.read(chunk, at + chunk.position()) < 0) {
                        throw new IOException("image ended at " + (at + chunk.position()) + " while reading");
                    }
                }
                writer.diskWrite(disk.id(), at, chunk.flip());
            }
            return size;
        } catch (IOException e) {
            throw new CheckpointDeviceException(CheckpointDeviceException.Reason.SETUP_FAILED,
                    "cannot read replicated disk " + disk.id() + " (" + image + ") for the initial copy: " + e.getMessage(), e);
        }
    }
}
