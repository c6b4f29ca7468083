package io.userstreams.consumercheck;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS SDK v2, Jackson and Netty versions in a {@code mvn dependency:tree} text output, each
 * with the artifacts resolved at it.
 */
record DependencyTreeVersions(Map<String, Set<String>> awsSdk, Map<String, Set<String>> jackson,
                              Map<String, Set<String>> netty) {

    /** {@code group:artifact:type[:classifier]:version:scope} as dependency:tree prints it. */
    private static final Pattern COORDINATES = Pattern.compile(
            "([\\w.-]+):([\\w.-]+):(?:jar|pom|test-jar|bundle|zip)(?::[\\w.-]+)?:([\\w.-]+):(?:compile|runtime|test|provided|system)");

    static DependencyTreeVersions parse(List<String> treeLines) {
        Map<String, Set<String>> awsSdk = new TreeMap<>();
        Map<String, Set<String>> jackson = new TreeMap<>();
        Map<String, Set<String>> netty = new TreeMap<>();
        for (String line : treeLines) {
            Matcher m = COORDINATES.matcher(line);
            if (!m.find()) {
                continue;
            }
            String group = m.group(1);
            String artifact = m.group(2);
            String version = m.group(3);
            if (group.equals("software.amazon.awssdk")) {
                awsSdk.computeIfAbsent(version, v -> new TreeSet<>()).add(artifact);
            } else if (group.startsWith("com.fasterxml.jackson")) {
                jackson.computeIfAbsent(jacksonRelease(artifact, version), v -> new TreeSet<>()).add(artifact);
            } else if (group.equals("io.netty") && !artifact.startsWith("netty-tcnative")) {
                // tcnative (BoringSSL bindings) has its own version line
                netty.computeIfAbsent(version, v -> new TreeSet<>()).add(artifact);
            }
        }
        return new DependencyTreeVersions(awsSdk, jackson, netty);
    }

    /**
     * Since 2.20 jackson-annotations is released as {@code 2.N} beside {@code 2.N.x} of the other
     * modules (it belongs to every 2.N.x), so it counts as the 2.N line, as do the others' versions.
     */
    static String jacksonRelease(String artifact, String version) {
        if (artifact.equals("jackson-annotations")) {
            String[] parts = version.split("\\.");
            if (parts.length == 2 || (parts.length == 3 && Integer.parseInt(parts[1]) >= 20)) {
                return parts[0] + "." + parts[1] + ".x";
            }
        }
        return version;
    }

    /** Jackson versions, annotations' {@code 2.N.x} merged into a {@code 2.N.p} of the same line. */
    Set<String> jacksonVersions() {
        Set<String> exact = new TreeSet<>();
        Set<String> lines = new TreeSet<>();
        for (String version : jackson.keySet()) {
            if (version.endsWith(".x")) {
                lines.add(version.substring(0, version.length() - 2));
            } else {
                exact.add(version);
            }
        }
        for (String line : lines) {
            boolean covered = exact.stream().anyMatch(v -> v.startsWith(line + "."));
            if (!covered) {
                exact.add(line + ".x");
            }
        }
        return exact;
    }
}
