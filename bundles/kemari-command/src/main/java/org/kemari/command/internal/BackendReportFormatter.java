package org.kemari.command.internal;

import java.util.List;

import org.kemari.api.hv.BackendStatus;

/** Renders backend probe results as a plain-text table (one row per backend, optional details). */
final class BackendReportFormatter {

    private BackendReportFormatter() {
    }

    static String format(List<BackendStatus> statuses, boolean verbose) {
        if (statuses.isEmpty()) {
            return "No hypervisor backend is installed (install the kemari-hv-kvm or kemari-hv-xen feature).\n";
        }
        int nameWidth = "Backend".length();
        for (BackendStatus s : statuses) {
            nameWidth = Math.max(nameWidth, s.backend().length());
        }
        StringBuilder sb = new StringBuilder();
        String row = "%-" + nameWidth + "s | %-6s | %s%n";
        sb.append(String.format(row, "Backend", "Usable", "Reason"));
        sb.append("-".repeat(nameWidth)).append("-+--------+-").append("-".repeat(40)).append('\n');
        for (BackendStatus s : statuses) {
            sb.append(String.format(row, s.backend(), s.usable() ? "yes" : "no", s.reason()));
            if (verbose) {
                for (BackendStatus.Detail d : s.details()) {
                    sb.append(String.format("%" + nameWidth + "s   %-6s   %s: %s%n", "", d.ok() ? "ok" : "FAIL", d.check(), d.value()));
                }
            }
        }
        return sb.toString();
    }
}
