package org.kemari.itests.failover;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;

/**
 * Runs Karaf shell commands on a node's SSH console (its management address) with an in-process SSH
 * client: a command costs milliseconds, where bin/client costs a JVM start. Karaf ends an SSH
 * session after one exec command, so every command gets a session of its own.
 */
final class KarafShell implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final String ANSI = "\u001B\\[[0-9;?]*[A-Za-z]";

    private final String nodeName;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final SshClient client;

    KarafShell(String nodeName, String host, int port, String user, String password) {
        this.nodeName = nodeName;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        client = SshClient.setUpDefaultClient();
        // A node this test just unpacked, on a link only this test made: its host key is new every time.
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
    }

    /**
     * Runs one command and returns what it printed.
     *
     * @throws ShellCommandException with the command's one-line error if it failed
     */
    String execute(String command, Duration timeout) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Integer exit;
        try (ClientSession session = login(); ChannelExec channel = session.createExecChannel(command)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(CONNECT_TIMEOUT);
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            if (!events.contains(ClientChannelEvent.CLOSED)) {
                throw new ShellCommandException(nodeName + ": '" + command + "' did not finish within " + timeout);
            }
            exit = channel.getExitStatus();
        } catch (IOException e) {
            throw new ShellCommandException(nodeName + ": '" + command + "' could not run: " + e.getMessage(), e);
        }
        String stdout = clean(out);
        String stderr = clean(err);
        if ((exit != null && exit != 0) || stderr.contains("Error executing command") || stdout.contains("Command not found")) {
            String why = firstLine(stderr.isBlank() ? stdout : stderr);
            throw new ShellCommandException(nodeName + ": '" + command + "' failed: " + why);
        }
        return stdout;
    }

    private ClientSession login() throws IOException {
        ClientSession session = client.connect(user, host, port).verify(CONNECT_TIMEOUT).getSession();
        try {
            session.addPasswordIdentity(password);
            session.auth().verify(CONNECT_TIMEOUT);
            return session;
        } catch (IOException | RuntimeException e) {
            session.close(true);
            throw e;
        }
    }

    private static String clean(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8).replaceAll(ANSI, "").replace("\r", "");
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("(no message)");
    }

    @Override
    public void close() {
        client.stop();
    }
}
