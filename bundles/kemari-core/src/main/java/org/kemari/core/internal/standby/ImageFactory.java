package org.kemari.core.internal.standby;

import java.io.IOException;

/** Creates the all-zero memory image an initial synchronisation (epoch 0) fills. */
@FunctionalInterface
public interface ImageFactory {
    CommittedImage create(String vmName, long bytes) throws IOException;
}
