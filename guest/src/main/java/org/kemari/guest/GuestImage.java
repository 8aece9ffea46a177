package org.kemari.guest;

import java.io.IOException;
import java.io.InputStream;

/**
 * The test guest's flat binary image, built from {@code guest/src/main/c} by {@code make} and
 * packaged in this bundle.
 *
 * <p>The VMM loads the image at guest-physical 1 MiB and enters at its first byte in 64-bit long
 * mode, as specified by the guest ABI ({@code docs/specs/guest-abi.md}). The image starts with a
 * 32-byte header after a short jump: the ASCII magic {@code "KEMGUEST"} at offset 8, the ABI
 * version (u32) at 16, the header size (u32) at 20 and the image size (u64) at 24.
 */
public final class GuestImage {

    /** The guest ABI version this image implements (the boot info's {@code abi_version}). */
    public static final int ABI_VERSION = 1;

    /** Where the image lives, relative to the class loader root. */
    static final String RESOURCE = "org/kemari/guest/kemari-guest.bin";

    private GuestImage() {
    }

    /**
     * Returns the image, read from this bundle's own class loader.
     *
     * @return a fresh copy of the flat binary; callers may modify it
     * @throws IllegalStateException if the resource is missing or unreadable, i.e. the bundle
     *         was built without the guest (make failed or was skipped)
     */
    public static byte[] bytes() {
        try (InputStream in = GuestImage.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("guest image resource " + RESOURCE
                        + " is missing from the kemari-guest bundle; was it built with make?");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read guest image resource " + RESOURCE, e);
        }
    }
}
