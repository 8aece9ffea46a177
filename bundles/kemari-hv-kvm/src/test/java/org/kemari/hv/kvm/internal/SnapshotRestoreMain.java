package org.kemari.hv.kvm.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;

/**
 * The other process of {@link SnapshotAcrossProcessesTest}: restores a snapshot from files into a
 * fresh VM, runs it for N REPORT doorbells and writes what it observed, one line each.
 *
 * <p>Arguments: memory-file state-file disk-copy observations-out reports region-pages memory-bytes
 * and then the guest options as key=value.
 */
public final class SnapshotRestoreMain {
    private SnapshotRestoreMain() {
    }

    public static void main(String[] args) throws Exception {
        Path memoryFile = Path.of(args[0]);
        Path stateFile = Path.of(args[1]);
        Path disk = Path.of(args[2]);
        Path out = Path.of(args[3]);
        int reports = Integer.parseInt(args[4]);
        int regionPages = Integer.parseInt(args[5]);
        long memoryBytes = Long.parseLong(args[6]);
        java.util.Map<String, String> options = new java.util.HashMap<>();
        for (int i = 7; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            options.put(kv[0], kv[1]);
        }
        MemoryImage memory = SnapshotFiles.readMemory(memoryFile);
        MachineState state = SnapshotFiles.readState(stateFile);
        try (KvmVm vm = (KvmVm) new KvmBackend().restore(SnapshotAcrossProcessesTest.spec(memoryBytes, disk, options), memory, state)) {
            ReportRecorder recorder = new ReportRecorder(regionPages, reports, disk);
            vm.addReportHook(recorder);
            vm.resume();
            if (!recorder.await(60, TimeUnit.SECONDS)) {
                System.err.println("restored VM did not reach " + reports + " reports; state " + vm.state() + " " + vm.failureReason().orElse(""));
                System.exit(2);
            }
            vm.pause();
            List<String> seen = recorder.observations();
            Files.write(out, seen);
        }
        System.exit(0);
    }
}
