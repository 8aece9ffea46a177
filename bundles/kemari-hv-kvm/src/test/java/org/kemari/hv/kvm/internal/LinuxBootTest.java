package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmListener;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmState;
import org.kemari.testing.TestTime;

/** Debian's stock kernel boots on the KVM backend: boot protocol, COM1 console, timers and interrupts. */
public class LinuxBootTest {
    private final List<String> console = new CopyOnWriteArrayList<>();
    private final List<String> stateReasons = new CopyOnWriteArrayList<>();
    private KvmVm vm;

    @Before
    public void setUp() {
        KvmTestSupport.assumeKvm();
    }

    @After
    public void tearDown() {
        if (vm != null) {
            vm.close();
        }
    }

    /**
     * Without an initrd or root disk the kernel boots as far as mounting root, says so on its
     * console and panics; with panic=-1 it resets itself, which ends the VM with that reason.
     */
    @Test(timeout = 300_000)
    public void aKernelWithoutARootFileSystemBootsToItsPanicAndTheResetEndsTheVm() throws Exception {
        VmSpec spec = new VmSpec("noroot", 128L << 20, 1, LinuxGuestFiles.kernel().toString(), List.of(), List.of(),
                Map.of(LinuxOptions.CMDLINE, "console=ttyS0 panic=-1"));
        vm = (KvmVm) new KvmBackend().create(spec);
        vm.addListener(new VmListener() {
            @Override
            public void consoleLine(Vm v, String line) {
                console.add(line);
            }

            @Override
            public void stateChanged(Vm v, VmState from, VmState to, String reason) {
                stateReasons.add(to + ": " + reason);
            }
        });
        boolean ended = KvmTestSupport.await(() -> vm.state() == VmState.STOPPED, TestTime.millis(200_000L), TimeUnit.MILLISECONDS);
        String all = String.join("\n", console);
        assertTrue("the VM stopped (state " + vm.state() + "); console:\n" + all, ended);
        assertTrue("the kernel's banner is on the console:\n" + all, all.contains("Linux version"));
        assertTrue("it got as far as the root file system:\n" + all, all.contains("VFS: Unable to mount root fs"));
        assertTrue(stateReasons.toString(), stateReasons.stream().anyMatch(r -> r.startsWith("STOPPED: the guest reset itself")));
        assertTrue("its CMOS clock was read (no 'broken' RTC):\n" + all, !all.contains("rtc_cmos rtc_cmos: broken"));
    }
}
