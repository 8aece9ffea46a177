package org.kemari.hv.kvm.internal.nbd;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class NbdUriTest {

    @Test
    public void hostPortAndExport() {
        assertEquals(new NbdUri("10.0.0.5", 10900, "vm1"), NbdUri.parse("nbd://10.0.0.5:10900/vm1"));
        assertEquals(new NbdUri("storage", 10809, "disks/vm1"), NbdUri.parse("nbd://storage/disks/vm1"));
        assertEquals(new NbdUri("::1", 10809, "x"), NbdUri.parse("nbd://[::1]:10809/x"));
        assertEquals("nbd://[::1]:10809/x", NbdUri.parse("nbd://[::1]/x").toString());
    }

    @Test
    public void badUrisSayWhatIsWrong() {
        assertMessage("nbd://host:10809", "names no export");
        assertMessage("nbd://host:10809/", "names no export");
        assertMessage("nbd://:10809/x", "names no host");
        assertMessage("nbd://host:0/x", "port must be 1..65535, got '0'");
        assertMessage("nbd://host:http/x", "port must be 1..65535");
        assertMessage("/var/disk.img", "is not an nbd:// URI");
    }

    private static void assertMessage(String uri, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NbdUri.parse(uri));
        assertTrue(e.getMessage(), e.getMessage().contains(part));
    }
}
