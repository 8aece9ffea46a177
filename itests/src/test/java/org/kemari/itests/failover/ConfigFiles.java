package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Edits Karaf's {@code key = value} files (etc/*.cfg, users.properties) in place. */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /** Sets {@code key} to {@code value}: replaces an uncommented line for the key, else appends one. */
    public static void set(Path file, String key, String value) throws IOException {
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : new ArrayList<>();
        List<String> result = new ArrayList<>();
        boolean replaced = false;
        for (String line : lines) {
            if (!replaced && keyOf(line).equals(key)) {
                result.add(key + " = " + value);
                replaced = true;
            } else {
                result.add(line);
            }
        }
        if (!replaced) {
            result.add(key + " = " + value);
        }
        Files.write(file, result, StandardCharsets.UTF_8);
    }

    private static String keyOf(String line) {
        String t = line.strip();
        if (t.startsWith("#") || t.startsWith("!")) {
            return "";
        }
        int eq = t.indexOf('=');
        return eq < 0 ? "" : t.substring(0, eq).strip();
    }
}
