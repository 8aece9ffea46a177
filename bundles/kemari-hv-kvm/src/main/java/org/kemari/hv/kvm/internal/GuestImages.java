package org.kemari.hv.kvm.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec;
import org.kemari.guest.GuestImage;

/** Loads the flat guest binary a spec names: the built-in test guest or a file. */
final class GuestImages {
    /** No flat binary for this ABI is anywhere near this; refuse before reading a huge file. */
    static final long MAX_IMAGE_BYTES = 256L << 20;

    private GuestImages() {
    }

    static byte[] load(VmSpec spec) throws HypervisorException {
        byte[] image = read(spec);
        checkHeader(spec.image(), image);
        return image;
    }

    /**
     * An image that carries the ABI's optional header ("KEMGUEST" at offset 8, u32 ABI version at
     * 16) must speak our ABI version; images without the header are loaded as they are.
     */
    static void checkHeader(String name, byte[] image) throws HypervisorException {
        if (image.length >= 20 && new String(image, 8, 8, java.nio.charset.StandardCharsets.US_ASCII).equals("KEMGUEST")) {
            int version = java.nio.ByteBuffer.wrap(image, 16, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
            if (version != GuestAbi.ABI_VERSION) {
                throw invalid("guest image " + name + " implements guest ABI version " + version + "; this backend speaks version "
                        + GuestAbi.ABI_VERSION);
            }
        }
    }

    private static byte[] read(VmSpec spec) throws HypervisorException {
        if (VmSpec.TEST_GUEST.equals(spec.image())) {
            try {
                return GuestImage.bytes();
            } catch (IllegalStateException e) {
                throw new HypervisorException(HypervisorException.Reason.UNAVAILABLE, e.getMessage(), e);
            }
        }
        Path path = Path.of(spec.image());
        try {
            if (Files.isDirectory(path)) {
                throw invalid("guest image " + path + " is a directory, not a flat binary");
            }
            long size = Files.size(path);
            if (size == 0) {
                throw invalid("guest image " + path + " is empty");
            }
            if (size > MAX_IMAGE_BYTES) {
                throw invalid("guest image " + path + " is " + size + " bytes; at most " + MAX_IMAGE_BYTES + " are accepted");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw invalid("guest image " + path + " does not exist");
        } catch (IOException e) {
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, "cannot read guest image " + path + ": " + e, e);
        }
    }

    private static HypervisorException invalid(String message) {
        return new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, message);
    }
}
