package org.kemari.core.internal.engine;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rig guest's numbered datagrams ("seq=N", sent by its kernel's netconsole), as dom0 receives them:
 * which numbers came, how often. Output commit means every number arrives exactly once, also
 * across a failover (the copy sends again what the dead primary's host never let out). A datagram
 * also names the guest's last acknowledged disk write ("disk=D", 0 before any).
 */
final class GuestDatagrams implements AutoCloseable {
    private static final Pattern SEQ = Pattern.compile("seq=(\\d+)(?: disk=(\\d+))?");

    private final DatagramSocket socket;
    private final TreeMap<Long, Integer> seen = new TreeMap<>();
    private final java.util.TreeSet<Long> diskAcks = new java.util.TreeSet<>();
    private final Thread thread;

    private GuestDatagrams(DatagramSocket socket) {
        this.socket = socket;
        this.thread = new Thread(this::receive, "rig-guest-datagrams");
        thread.setDaemon(true);
        thread.start();
    }

    static GuestDatagrams listen(int port) throws SocketException {
        return new GuestDatagrams(new DatagramSocket(port));
    }

    private void receive() {
        byte[] buf = new byte[2048];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (IOException e) {
                return;
            }
            Matcher m = SEQ.matcher(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
            if (m.find()) {
                synchronized (this) {
                    seen.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
                    if (m.group(2) != null && !m.group(2).equals("0")) {
                        diskAcks.add(Long.parseLong(m.group(2)));
                    }
                }
            }
        }
    }

    /** Every disk write the guest reported acknowledged, in a datagram that left its host. */
    synchronized List<Long> diskAcks() {
        return new ArrayList<>(diskAcks);
    }

    synchronized int count() {
        return seen.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The highest number received, 0 before any. */
    synchronized long last() {
        return seen.isEmpty() ? 0 : seen.lastKey();
    }

    /** Numbers received more than once. */
    synchronized List<Long> duplicates() {
        List<Long> d = new ArrayList<>();
        seen.forEach((n, c) -> {
            if (c > 1) {
                d.add(n);
            }
        });
        return d;
    }

    /** How many numbers between the first and the last received never came. */
    synchronized long missing() {
        return seen.isEmpty() ? 0 : seen.lastKey() - seen.firstKey() + 1 - seen.size();
    }

    @Override
    public void close() {
        socket.close();
    }
}
