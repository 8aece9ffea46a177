package org.kemari.core.internal.standby;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The pages of one incremental epoch, copied out of the received frames (which the transport
 * may reuse) into reusable direct chunks, and applied to the image only at commit. A page sent
 * twice is applied twice, in order, so the later copy wins.
 */
final class PageStaging {
    private static final int CHUNK_PAGES = 256;
    private static final int CHUNK_BYTES = CHUNK_PAGES * StreamPages.PAGE_SIZE;
    /** Chunks kept for the next epoch; a rare huge epoch does not pin its memory for ever. */
    private static final int RETAINED_CHUNKS = 64;

    private final List<ByteBuffer> chunks = new ArrayList<>();
    private long[] pages = new long[1024];
    private int count;

    int count() {
        return count;
    }

    /** Copies {@code data} (whole pages, from its position; position not moved) as pages from {@code firstPage}. */
    void add(long firstPage, ByteBuffer data) {
        int n = data.remaining() / StreamPages.PAGE_SIZE;
        int at = data.position();
        for (int i = 0; i < n; i++) {
            int chunk = count / CHUNK_PAGES;
            if (chunk == chunks.size()) {
                chunks.add(ByteBuffer.allocateDirect(CHUNK_BYTES));
            }
            if (count == pages.length) {
                pages = Arrays.copyOf(pages, count * 2);
            }
            chunks.get(chunk).put((count % CHUNK_PAGES) * StreamPages.PAGE_SIZE, data, at, StreamPages.PAGE_SIZE);
            pages[count++] = firstPage + i;
            at += StreamPages.PAGE_SIZE;
        }
    }

    /** Writes the staged pages into {@code image} in arrival order, consecutive ones together. */
    void applyTo(CommittedImage image) {
        int i = 0;
        while (i < count) {
            int chunk = i / CHUNK_PAGES;
            int j = i + 1;
            while (j < count && j / CHUNK_PAGES == chunk && pages[j] == pages[j - 1] + 1) {
                j++;
            }
            int from = (i % CHUNK_PAGES) * StreamPages.PAGE_SIZE;
            image.write(pages[i] * StreamPages.PAGE_SIZE,
                    chunks.get(chunk).slice(from, (j - i) * StreamPages.PAGE_SIZE));
            i = j;
        }
    }

    void clear() {
        count = 0;
        while (chunks.size() > RETAINED_CHUNKS) {
            chunks.remove(chunks.size() - 1);
        }
    }
}
