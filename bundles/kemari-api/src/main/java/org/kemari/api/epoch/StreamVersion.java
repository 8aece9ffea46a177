package org.kemari.api.epoch;

import java.nio.charset.StandardCharsets;

/**
 * The epoch stream's identity and version, written in the stream header. A reader accepts any
 * minor version of its own major (minor versions only add what older readers may skip) and
 * refuses every other major; when the major changes, readers keep reading the previous major too
 * ("only the current and the previous version are supported").
 */
public final class StreamVersion {
    /** Major version: changes when an older reader could misread the stream. */
    public static final int MAJOR = 1;
    /** Minor version: changes when fields or records are added that older readers may ignore. */
    public static final int MINOR = 0;
    /** Lowest major this node still reads (the previous one once there is one); 0 is never valid. */
    public static final int OLDEST_READABLE_MAJOR = 1;

    /** The eight ASCII bytes that open every epoch stream. */
    public static final String MAGIC = "KEMARIST";

    private StreamVersion() {
    }

    /** The magic as bytes. */
    public static byte[] magicBytes() {
        return MAGIC.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether a stream of the given major version can be read here. */
    public static boolean canRead(int major) {
        return major >= OLDEST_READABLE_MAJOR && major <= MAJOR;
    }

    /** "1.0" style text for messages. */
    public static String text(int major, int minor) {
        return major + "." + minor;
    }
}
