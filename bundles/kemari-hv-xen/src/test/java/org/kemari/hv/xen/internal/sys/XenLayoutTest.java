package org.kemari.hv.xen.internal.sys;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.BeforeClass;
import org.junit.Test;

import com.sun.jna.Native;
import com.sun.jna.Structure;

/**
 * Proves the JNA structures and constants against Xen's own headers: compiles src/test/c/xen_layout.c
 * with gcc against libxen-dev (installed by scripts/setup.sh), runs it, and checks every size, offset
 * and constant it prints. No Xen needed. Skips only where the headers are absent.
 */
public class XenLayoutTest {
    private static final Path BASE = Path.of(System.getProperty("basedir", "."));
    private static List<String[]> lines;

    /** C type name → the JNA structure mirroring it. */
    private static final Map<String, Class<? extends Structure>> STRUCTS = Map.of(
            "xc_domaininfo_t", DomainInfo.class,
            "xc_shadow_op_stats_t", ShadowOpStats.class,
            "xc_hypercall_buffer_t", HypercallBuffer.class,
            "struct xen_domctl_createdomain", CreateDomain.class,
            "struct precopy_stats", PrecopyStats.class,
            "struct save_callbacks", XenGuest.SaveCallbacks.class,
            "struct restore_callbacks", XenGuest.RestoreCallbacks.class);

    /** Sizes and offsets kept as explicit constants (blobs parsed by offset, primitive typedefs). */
    private static final Map<String, Integer> EXPLICIT = Map.ofEntries(
            Map.entry("struct hvm_save_descriptor", HvmSaveRecord.DESCRIPTOR_SIZE),
            Map.entry("struct hvm_save_descriptor.typecode", HvmSaveRecord.DESCRIPTOR_TYPECODE),
            Map.entry("struct hvm_save_descriptor.instance", HvmSaveRecord.DESCRIPTOR_INSTANCE),
            Map.entry("struct hvm_save_descriptor.length", HvmSaveRecord.DESCRIPTOR_LENGTH),
            Map.entry("struct hvm_save_header", HvmSaveRecord.HEADER_SIZE),
            Map.entry("struct hvm_save_header.magic", HvmSaveRecord.HEADER_MAGIC),
            Map.entry("struct hvm_save_header.version", HvmSaveRecord.HEADER_VERSION),
            Map.entry("struct hvm_save_header.changeset", HvmSaveRecord.HEADER_CHANGESET),
            Map.entry("struct hvm_save_header.cpuid", HvmSaveRecord.HEADER_CPUID),
            Map.entry("struct hvm_save_header.gtsc_khz", HvmSaveRecord.HEADER_GTSC_KHZ),
            Map.entry("struct hvm_hw_cpu", HvmSaveRecord.CPU_SIZE),
            Map.entry("struct hvm_hw_cpu.rip", HvmSaveRecord.CPU_RIP),
            Map.entry("struct xs_permissions", 2 * Integer.BYTES), // passed as int[] id/perms pairs
            Map.entry("struct xs_permissions.id", 0),
            Map.entry("struct xs_permissions.perms", Integer.BYTES),
            Map.entry("xen_pfn_t", Long.BYTES),        // gfn arrays are long[]
            Map.entry("domid_t", Short.BYTES),
            Map.entry("xs_transaction_t", Integer.BYTES),
            Map.entry("bool", Byte.BYTES),             // xs_* results are declared byte
            Map.entry("unsigned long", Native.LONG_SIZE),
            Map.entry("size_t", Native.SIZE_T_SIZE));

    /** C macro → Java constant. */
    private static final Map<String, Integer> CONSTANTS = Map.ofEntries(
            Map.entry("XEN_DOMINF_dying", XenConstants.DOMINF_DYING),
            Map.entry("XEN_DOMINF_hvm_guest", XenConstants.DOMINF_HVM_GUEST),
            Map.entry("XEN_DOMINF_shutdown", XenConstants.DOMINF_SHUTDOWN),
            Map.entry("XEN_DOMINF_paused", XenConstants.DOMINF_PAUSED),
            Map.entry("XEN_DOMINF_blocked", XenConstants.DOMINF_BLOCKED),
            Map.entry("XEN_DOMINF_running", XenConstants.DOMINF_RUNNING),
            Map.entry("XEN_DOMINF_hap", XenConstants.DOMINF_HAP),
            Map.entry("XEN_DOMINF_shutdownshift", XenConstants.DOMINF_SHUTDOWN_SHIFT),
            Map.entry("XEN_DOMINF_shutdownmask", XenConstants.DOMINF_SHUTDOWN_MASK),
            Map.entry("SHUTDOWN_suspend", XenConstants.SHUTDOWN_SUSPEND),
            Map.entry("XEN_DOMCTL_SHADOW_OP_OFF", XenConstants.SHADOW_OP_OFF),
            Map.entry("XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY", XenConstants.SHADOW_OP_ENABLE_LOGDIRTY),
            Map.entry("XEN_DOMCTL_SHADOW_OP_CLEAN", XenConstants.SHADOW_OP_CLEAN),
            Map.entry("XEN_DOMCTL_SHADOW_OP_PEEK", XenConstants.SHADOW_OP_PEEK),
            Map.entry("XEN_DOMCTL_CDF_hvm", XenConstants.CDF_HVM),
            Map.entry("XEN_DOMCTL_CDF_hap", XenConstants.CDF_HAP),
            Map.entry("XEN_X86_EMU_LAPIC", XenConstants.X86_EMU_LAPIC),
            Map.entry("XCFLAGS_LIVE", XenConstants.XCFLAGS_LIVE),
            Map.entry("XC_STREAM_PLAIN", XenConstants.XC_STREAM_PLAIN),
            Map.entry("XC_STREAM_REMUS", XenConstants.XC_STREAM_REMUS),
            Map.entry("XGR_CHECKPOINT_ERROR", XenConstants.XGR_CHECKPOINT_ERROR),
            Map.entry("XGR_CHECKPOINT_SUCCESS", XenConstants.XGR_CHECKPOINT_SUCCESS),
            Map.entry("XGR_CHECKPOINT_FAILOVER", XenConstants.XGR_CHECKPOINT_FAILOVER),
            Map.entry("HVM_FILE_MAGIC", XenConstants.HVM_FILE_MAGIC),
            Map.entry("HVM_SAVE_CODE(END)", XenConstants.HVM_SAVE_CODE_END),
            Map.entry("HVM_SAVE_CODE(HEADER)", XenConstants.HVM_SAVE_CODE_HEADER),
            Map.entry("HVM_SAVE_CODE(CPU)", XenConstants.HVM_SAVE_CODE_CPU),
            Map.entry("XBT_NULL", XenConstants.XBT_NULL),
            Map.entry("XS_WATCH_PATH", XenConstants.XS_WATCH_PATH),
            Map.entry("XS_WATCH_TOKEN", XenConstants.XS_WATCH_TOKEN),
            Map.entry("XS_PERM_NONE", XenConstants.XS_PERM_NONE),
            Map.entry("XS_PERM_READ", XenConstants.XS_PERM_READ),
            Map.entry("XENVER_version", XenCtrl.XENVER_VERSION));

    @BeforeClass
    public static void compileAndRun() throws Exception {
        assumeTrue("Xen development headers absent (/usr/include/xenctrl.h): install libxen-dev, "
                + "as scripts/setup.sh does", Files.exists(Path.of("/usr/include/xenctrl.h")));
        Path src = BASE.resolve("src/test/c/xen_layout.c");
        Path exe = BASE.resolve("target/xen_layout");
        Files.createDirectories(exe.getParent());
        run(List.of("gcc", "-Wall", "-Werror", "-o", exe.toString(), src.toString()));
        lines = new ArrayList<>();
        for (String line : run(List.of(exe.toString())).split("\n")) {
            // "kind name value", where a name may contain spaces ("struct save_callbacks")
            int first = line.indexOf(' ');
            int last = line.lastIndexOf(' ');
            lines.add(new String[] {line.substring(0, first), line.substring(first + 1, last), line.substring(last + 1)});
        }
        assertTrue("the layout program printed nothing", lines.size() > 50);
    }

    @Test
    public void everyStructSizeAndOffsetMatchesTheHeaders() throws Exception {
        int checked = 0;
        for (String[] l : lines) {
            if (l[0].equals("size") || l[0].equals("offset")) {
                String name = l[1];
                int c = Integer.parseInt(l[2]);
                assertEquals(l[0] + " of " + name, c, javaLayout(name));
                checked++;
            }
        }
        assertEquals("sizes and offsets checked", 82, checked); // every line of xen_layout.c
    }

    @Test
    public void everyConstantMatchesTheHeaders() {
        for (String[] l : lines) {
            if (l[0].equals("const")) {
                Integer java = CONSTANTS.get(l[1]);
                assertNotNull("no Java constant for " + l[1], java);
                assertEquals(l[1], Long.parseLong(l[2]), java.longValue());
            }
        }
    }

    @Test
    public void theHandlesAgreeWithTheStructSizes() throws Exception {
        Layouts.verify();
        assertEquals(112, new DomainInfo().size());
    }

    /** The Java size or offset for a C "type" or "type.field" (nested "arch.x" fields are inlined as "x"). */
    private static int javaLayout(String name) throws Exception {
        Integer explicit = EXPLICIT.get(name);
        if (explicit != null) {
            return explicit;
        }
        for (Map.Entry<String, Class<? extends Structure>> e : STRUCTS.entrySet()) {
            String type = e.getKey();
            Structure s = e.getValue().getDeclaredConstructor().newInstance();
            if (name.equals(type)) {
                return s.size();
            }
            if (name.startsWith(type + ".")) {
                String field = name.substring(type.length() + 1);
                field = field.substring(field.lastIndexOf('.') + 1);
                Method offset = Structure.class.getDeclaredMethod("fieldOffset", String.class);
                offset.setAccessible(true); // protected in JNA; the test reads it reflectively
                return (Integer) offset.invoke(s, field);
            }
        }
        throw new AssertionError("no Java mirror for " + name);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cmd.get(0) + " timed out", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(String.join(" ", cmd) + " failed:\n" + out, 0, p.exitValue());
        return out;
    }
}
