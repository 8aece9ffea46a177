package org.kemari.itests.failover;

/**
 * One reply of the guest's UDP status service as the client saw it.
 *
 * @param nonce the request it answers
 * @param receivedMicros when it arrived (µs since the epoch, the machine's wall clock)
 * @param sequence the guest's status sequence
 * @param rounds the guest's main-loop rounds
 * @param diskWritesAcked disk writes the guest saw acknowledged
 * @param diskWritesSubmitted disk writes the guest submitted
 * @param netTxFrames frames the guest queued for sending before this reply
 */
record StatusReply(long nonce, long receivedMicros, long sequence, long rounds, long diskWritesAcked,
                   long diskWritesSubmitted, long netTxFrames) {

    /** Parses a {@code reply ...} line of {@link StatusProbe}. */
    static StatusReply parse(String line) {
        String[] f = line.trim().split(" ");
        if (f.length != 8 || !f[0].equals("reply")) {
            throw new IllegalArgumentException("not a probe reply line: " + line);
        }
        return new StatusReply(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
                Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]));
    }

    /** Whether this reply shows a guest state at least as far as {@code earlier}'s. */
    boolean notBehind(StatusReply earlier) {
        return rounds >= earlier.rounds && diskWritesAcked >= earlier.diskWritesAcked && sequence >= earlier.sequence;
    }

    @Override
    public String toString() {
        return "reply to #" + nonce + " (rounds " + rounds + ", disk_writes_acked " + diskWritesAcked + ", sequence " + sequence + ")";
    }
}
