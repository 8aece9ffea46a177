package org.kemari.hv.kvm.internal;

import java.nio.file.Files;
import java.nio.file.Path;

import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmListener;
import org.kemari.api.hv.VmState;

/**
 * The other JVM of {@link LinuxGuestTest}: restores the Linux guest from snapshot files, runs it
 * and prints its console lines, until the stop file appears. Arguments: memory-file state-file
 * disk tap guest-ip stop-file. Exits 0 if the guest was running all along, 2 if it stopped or failed.
 */
public final class LinuxSnapshotRestoreMain {
    private LinuxSnapshotRestoreMain() {
    }

    public static void main(String[] args) throws Exception {
        MemoryImage memory = SnapshotFiles.readMemory(Path.of(args[0]));
        MachineState state = SnapshotFiles.readState(Path.of(args[1]));
        Path stop = Path.of(args[5]);
        int code = 0;
        try (KvmVm vm = (KvmVm) new KvmBackend().restore(LinuxGuestTest.spec(Path.of(args[2]), args[3], args[4]), memory, state)) {
            vm.addListener(new VmListener() {
                @Override
                public void consoleLine(Vm v, String line) {
                    System.out.println("console: " + line);
                }

                @Override
                public void stateChanged(Vm v, VmState from, VmState to, String reason) {
                    System.out.println("state: " + from + " -> " + to + " (" + reason + ")");
                }
            });
            vm.resume();
            System.out.println("restored and resumed");
            while (!Files.exists(stop) && vm.state() == VmState.RUNNING) {
                Thread.sleep(100);
            }
            if (vm.state() != VmState.RUNNING) {
                System.out.println("the restored guest ended: " + vm.state() + " " + vm.failureReason().orElse(""));
                code = 2;
            }
        }
        System.exit(code);
    }
}
