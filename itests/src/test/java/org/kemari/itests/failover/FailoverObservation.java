package org.kemari.itests.failover;

import java.util.List;

/**
 * What the client saw around one kill of the primary, judged from outside both nodes: the replies
 * of the guest's status service in arrival order, split at the moment of the kill.
 *
 * <p>Every reply is output the guest made, released by the output gate only after the standby
 * committed the state it came from. So the replies must never go backwards, across the failover
 * too (no rollback visible), and the guest must go on from where the last reply left it.
 */
final class FailoverObservation {
    private final List<StatusReply> replies;
    private final int lastBeforeKill;
    private final int outageStart;

    /**
     * @param replies the replies of one protected period and the failover that ended it, in arrival order
     * @param killMicros when the primary was killed (µs since the epoch)
     */
    FailoverObservation(List<StatusReply> replies, long killMicros) {
        this.replies = List.copyOf(replies);
        int last = -1;
        for (int i = 0; i < this.replies.size() && this.replies.get(i).receivedMicros() < killMicros; i++) {
            last = i;
        }
        lastBeforeKill = last;
        // The outage is the longest silence from the last reply before the kill on (a reply already
        // on its way when the kill landed may arrive just after it).
        int start = -1;
        long longest = -1;
        for (int i = Math.max(0, last); i + 1 < this.replies.size(); i++) {
            long gap = this.replies.get(i + 1).receivedMicros() - this.replies.get(i).receivedMicros();
            if (gap > longest) {
                longest = gap;
                start = i;
            }
        }
        outageStart = start;
    }

    int repliesBeforeKill() {
        return lastBeforeKill + 1;
    }

    int repliesAfterKill() {
        return replies.size() - repliesBeforeKill();
    }

    /** The last reply before the client's longest silence after the kill. */
    StatusReply lastBeforeOutage() {
        return outageStart < 0 ? null : replies.get(outageStart);
    }

    /** The first reply after that silence: the first one the new primary released. */
    StatusReply firstAfterOutage() {
        return outageStart < 0 ? null : replies.get(outageStart + 1);
    }

    StatusReply last() {
        return replies.isEmpty() ? null : replies.get(replies.size() - 1);
    }

    /** The client-observed outage in µs: the gap between the last reply before and the first after. */
    long outageMicros() {
        return outageStart < 0 ? -1 : firstAfterOutage().receivedMicros() - lastBeforeOutage().receivedMicros();
    }

    /** Requests sent during the outage that never got an answer. */
    long unansweredDuringOutage() {
        return outageStart < 0 ? 0 : firstAfterOutage().nonce() - lastBeforeOutage().nonce() - 1;
    }

    /** Null if no reply is behind one that arrived before it; else the first such pair. */
    String rollback() {
        StatusReply furthest = null;
        for (int i = 0; i < replies.size(); i++) {
            StatusReply r = replies.get(i);
            if (furthest != null && !r.notBehind(furthest)) {
                String when = i > lastBeforeKill ? "after the kill" : "before the kill";
                return "rollback visible to the client: " + r + ", received " + when + ", is behind " + furthest
                        + ", received earlier";
            }
            furthest = r;
        }
        return null;
    }

    /**
     * Null if the guest went on after the failover from where the client last saw it: replies
     * before and after the kill, the first after the outage not behind the last before it, and
     * the guest's rounds and acknowledged disk writes growing after it.
     */
    String continuation() {
        if (repliesBeforeKill() == 0) {
            return "no reply arrived while the primary ran protected";
        }
        if (outageStart < 0) {
            return "no reply arrived after the kill: the standby did not take over (or the client cannot reach it)";
        }
        StatusReply before = lastBeforeOutage();
        StatusReply first = firstAfterOutage();
        StatusReply last = last();
        if (!first.notBehind(before)) {
            return "the guest went back in time: " + first + " after " + before;
        }
        if (last.rounds() <= first.rounds() || last.diskWritesAcked() <= first.diskWritesAcked()) {
            return "the guest made no progress after the failover: from " + first + " to " + last;
        }
        return null;
    }
}
