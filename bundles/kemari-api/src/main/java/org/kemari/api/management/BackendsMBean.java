package org.kemari.api.management;

import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

/**
 * JMX view of the hypervisor backends, registered as {@value #OBJECT_NAME}. Uses open types only,
 * so any JMX console can read it without Kemari classes.
 */
public interface BackendsMBean {

    String OBJECT_NAME = "org.kemari:type=Backends";

    /** One row per backend: name, usable, reason, details (probed when read). */
    TabularData getBackends();

    /** Names of the usable backends. */
    String[] getUsableBackends();

    /**
     * Probes one backend.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    CompositeData probe(String name);
}
