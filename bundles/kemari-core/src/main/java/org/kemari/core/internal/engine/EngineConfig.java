package org.kemari.core.internal.engine;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The replication engine's configuration (PID {@code org.kemari.engine}). */
@ObjectClassDefinition(name = "Kemari replication engine",
        description = "Where this node listens as a standby, and how the primary side paces and watches its standby")
public @interface EngineConfig {

    @AttributeDefinition(description = "host:port this node listens on for primaries (standby role); empty = not a standby")
    String standby_listen() default "127.0.0.1:7788";

    @AttributeDefinition(description = "Epochs captured but not yet acknowledged before the primary waits (1 .. 64)")
    int maxEpochsInFlight() default 8;

    @AttributeDefinition(description = "Silence from the standby, in ms, after which the primary runs on unprotected (20 .. 600000)")
    long standbySilenceMillis() default 1000;

    @AttributeDefinition(description = "How often a primary without standby tries to reconnect, in ms")
    long reconnectIntervalMillis() default 1000;

    @AttributeDefinition(description = "Timeout of one connection attempt to the standby, in ms")
    long connectTimeoutMillis() default 2000;

    @AttributeDefinition(description = "How long the initial copy may take to be acknowledged, in ms")
    long initialSyncTimeoutMillis() default 120_000;

    @AttributeDefinition(description = "Directory for standby memory images (default: <karaf.data>/kemari/standby)")
    String standby_dataDir() default "";

    @AttributeDefinition(description = "Root directory of this standby's copies of replicated disks: the copy of "
            + "replicated:/a/b.img is <root>/a/b.img; empty = the same path as on the primary")
    String standby_replicatedDiskRoot() default "";

    @AttributeDefinition(description = "Largest guest memory, in MiB, a primary's VM may claim on this standby; "
            + "0 = this host's physical RAM. A larger VM is refused before anything is reserved for it")
    long standby_maxGuestMemoryMiB() default 0;

    @AttributeDefinition(description = "Most vCPUs a primary's VM may claim on this standby (1 .. 4096)")
    int standby_maxVcpus() default StandbyLimits.DEFAULT_MAX_VCPUS;

    @AttributeDefinition(description = "Most disks a primary's VM may have on this standby (0 .. 1024)")
    int standby_maxDisks() default StandbyLimits.DEFAULT_MAX_DISKS;

    @AttributeDefinition(description = "Most NICs a primary's VM may have on this standby (0 .. 1024)")
    int standby_maxNics() default StandbyLimits.DEFAULT_MAX_NICS;

    @AttributeDefinition(description = "Service filter choosing the transport, e.g. (kemari.transport=tcp)")
    String transport_target() default "(kemari.transport=*)";

    @AttributeDefinition(description = "Service filter choosing the checkpoint policy, e.g. (kemari.checkpoint=periodic)")
    String checkpointPolicy_target() default "(kemari.checkpoint=*)";

    @AttributeDefinition(description = "Service filter choosing the failover policy, e.g. (kemari.policy=manual)")
    String failoverPolicy_target() default "(kemari.policy=*)";
}
