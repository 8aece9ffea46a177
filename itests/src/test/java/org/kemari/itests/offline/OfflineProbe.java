package org.kemari.itests.offline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;

/**
 * Looks at a node from outside its JVM, as an operator would: runs {@code kemari:backends} over SSH
 * and asks remote JMX whether Kemari's MBeans are registered and what the Protection MBean's
 * {@code Metrics} table holds; checks that JMX without the right password is refused. It runs
 * inside the node's network namespace (which has only {@code lo}) and keeps trying until the node
 * answers or time runs out. Prints {@code BACKENDS <first line>}, one
 * {@code MBEAN <name> registered|missing} per MBean, {@code METRICS <table type> rows=<n>},
 * {@code JMX-WRONG-PASSWORD refused|ACCEPTED}, {@code SSH-WRONG-PASSWORD refused|ACCEPTED}, and
 * exits 0 only if the command answered, every MBean is there and a wrong password was refused by
 * both.
 *
 * <p>Arguments: user, password, seconds to wait.
 */
public final class OfflineProbe {
    static final List<String> MBEANS = List.of("org.kemari:type=Backends", "org.kemari:type=Protection");
    private static final String JMX_URL = "service:jmx:rmi://127.0.0.1:44444/jndi/rmi://127.0.0.1:1099/karaf-root";
    private static final Duration STEP = Duration.ofSeconds(10);

    private OfflineProbe() {
    }

    public static void main(String[] args) throws Exception {
        String user = args[0];
        String password = args[1];
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[2])).toNanos();
        if (args.length == 5) {
            System.exit(runUntil(user, password, deadline, args[3], args[4]));
        }
        String lastError = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                String backends = backends(user, password);
                if (!backends.contains("kvm")) {
                    throw new IOException("kemari:backends printed no kvm line: " + backends.strip());
                }
                System.out.println("BACKENDS " + backends.strip().lines().findFirst().orElse(""));
                boolean all = true;
                for (String name : registered(user, password)) {
                    System.out.println("MBEAN " + name);
                    all &= name.endsWith(" registered");
                }
                System.out.println("METRICS " + metrics(user, password));
                boolean refused = refused(user, password + "-wrong");
                System.out.println("JMX-WRONG-PASSWORD " + (refused ? "refused" : "ACCEPTED"));
                boolean sshRefused = sshRefused(user, password + "-wrong");
                System.out.println("SSH-WRONG-PASSWORD " + (sshRefused ? "refused" : "ACCEPTED"));
                System.exit(all && refused && sshRefused ? 0 : 1);
            } catch (IOException | RuntimeException e) {
                lastError = e.toString();
            }
            Thread.sleep(1_000);
        }
        System.out.println("NO-ANSWER " + lastError);
        System.exit(2);
    }

    /**
     * Runs {@code command} over SSH until its output matches {@code pattern} (a plugin may take a
     * moment to be deployed); prints {@code OUTPUT} and the last output.
     */
    private static int runUntil(String user, String password, long deadline, String command, String pattern)
            throws InterruptedException {
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                last = run(user, password, command);
                if (java.util.regex.Pattern.compile(pattern, java.util.regex.Pattern.MULTILINE).matcher(last).find()) {
                    System.out.println("OUTPUT\n" + last);
                    return 0;
                }
            } catch (IOException | RuntimeException e) {
                last = e.toString();
            }
            Thread.sleep(1_000);
        }
        System.out.println("NO-MATCH " + pattern + "\n" + last);
        return 1;
    }

    private static String backends(String user, String password) throws IOException {
        return run(user, password, "kemari:backends");
    }

    private static String run(String user, String password, String command) throws IOException {
        SshClient client = SshClient.setUpDefaultClient();
        // A node this test just unpacked: its host key is new every time.
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (ClientSession session = client.connect(user, "127.0.0.1", 8101).verify(STEP).getSession()) {
            session.addPasswordIdentity(password);
            session.auth().verify(STEP);
            try (ChannelExec channel = session.createExecChannel(command)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                channel.setOut(out);
                channel.setErr(out);
                channel.open().verify(STEP);
                channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), STEP.multipliedBy(3));
                String text = out.toString(StandardCharsets.UTF_8);
                if (text.contains("Command not found") || text.contains("Error")) {
                    throw new IOException(command + " failed: " + text.strip());
                }
                return text;
            }
        } finally {
            client.stop();
        }
    }

    private static List<String> registered(String user, String password) throws IOException {
        Map<String, Object> env = Map.of(JMXConnector.CREDENTIALS, new String[] {user, password});
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL), env)) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            return MBEANS.stream().map(name -> name + (isRegistered(server, name) ? " registered" : " missing")).toList();
        }
    }

    /** The Protection MBean's Metrics attribute, read as a JMX console reads it (open types). */
    private static String metrics(String user, String password) throws IOException {
        Map<String, Object> env = Map.of(JMXConnector.CREDENTIALS, new String[] {user, password});
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL), env)) {
            TabularData table = (TabularData) connector.getMBeanServerConnection()
                    .getAttribute(new ObjectName("org.kemari:type=Protection"), "Metrics");
            return table.getTabularType().getTypeName() + " rows=" + table.size() + " columns="
                    + table.getTabularType().getRowType().keySet();
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("cannot read the Metrics attribute: " + e, e);
        }
    }

    /** Whether the shell over SSH refuses a wrong password (JAAS realm karaf). */
    private static boolean sshRefused(String user, String wrongPassword) throws IOException {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (ClientSession session = client.connect(user, "127.0.0.1", 8101).verify(STEP).getSession()) {
            session.addPasswordIdentity(wrongPassword);
            session.auth().verify(STEP);
            return false;
        } catch (org.apache.sshd.common.SshException e) {
            return e.getMessage() != null && e.getMessage().contains("No more authentication methods available");
        } finally {
            client.stop();
        }
    }

    private static boolean refused(String user, String wrongPassword) throws IOException {
        Map<String, Object> env = Map.of(JMXConnector.CREDENTIALS, new String[] {user, wrongPassword});
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL), env)) {
            connector.getMBeanServerConnection().getMBeanCount();
            return false;
        } catch (SecurityException e) {
            return true;
        }
    }

    private static boolean isRegistered(MBeanServerConnection server, String name) {
        try {
            return server.isRegistered(new ObjectName(name));
        } catch (Exception e) {
            throw new IllegalStateException("cannot ask JMX for " + name + ": " + e, e);
        }
    }
}
