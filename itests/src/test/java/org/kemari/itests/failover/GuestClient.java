package org.kemari.itests.failover;

/** A client of the VM in the client namespace, as the cluster waits for it: has the VM answered yet? */
interface GuestClient extends AutoCloseable {

    /** Waits until an answer from the VM arrives at or after {@code notBeforeMicros}; false on timeout. */
    boolean awaitAnswer(long notBeforeMicros, long timeoutMillis) throws InterruptedException;

    /** What the client said besides answers (errors), for failure messages. */
    String complaints();
}
