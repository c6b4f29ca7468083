package io.userstreams.localstack.opensearch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds an installed JDK by reading each candidate's {@code release} file. Cheap: no process is
 * started, so it can run on every stack start and in unit tests with fake JDK folders.
 */
public final class JdkLocator {

    /** Default folder scanned for installed JDKs (Debian/Ubuntu layout). */
    public static final Path DEFAULT_JVM_ROOT = Path.of("/usr/lib/jvm");

    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"?([^\"\\s]+)\"?\\s*$");

    /** A JDK found on disk. */
    public record Jdk(Path home, String version, int feature) {
        public Path javaExecutable() {
            return home.resolve("bin").resolve("java");
        }
    }

    private JdkLocator() {
    }

    /** True when a JDK 21 or newer is installed where we look (OpenSearch 3.x needs it). */
    public static boolean isJdk21Available() {
        return findJdk(21).isPresent();
    }

    /** Looks in OPENSEARCH_JAVA_HOME, JAVA_HOME, the running JVM, then {@code /usr/lib/jvm/*}. */
    public static Optional<Jdk> findJdk(int minimumFeature) {
        return find(minimumFeature, System.getenv(), Path.of(System.getProperty("java.home")), DEFAULT_JVM_ROOT);
    }

    /**
     * The first explicit home (OPENSEARCH_JAVA_HOME, JAVA_HOME, the running JVM) that is at least
     * {@code minimumFeature}; otherwise the newest such JDK under {@code jvmRoot}.
     */
    static Optional<Jdk> find(int minimumFeature, Map<String, String> env, Path runningJavaHome, Path jvmRoot) {
        Set<Path> explicit = new LinkedHashSet<>();
        for (String name : List.of("OPENSEARCH_JAVA_HOME", "JAVA_HOME")) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                explicit.add(Path.of(value.trim()));
            }
        }
        if (runningJavaHome != null) {
            explicit.add(runningJavaHome);
        }
        for (Path home : explicit) {
            Optional<Jdk> jdk = read(home).filter(j -> j.feature() >= minimumFeature);
            if (jdk.isPresent()) {
                return jdk;
            }
        }
        return scan(jvmRoot).stream()
                .filter(j -> j.feature() >= minimumFeature)
                .max(Comparator.comparingInt(Jdk::feature).thenComparing(Jdk::version));
    }

    /** Every readable JDK directly under {@code jvmRoot} (symlinked duplicates collapsed). */
    static List<Jdk> scan(Path jvmRoot) {
        List<Jdk> found = new ArrayList<>();
        if (jvmRoot == null || !Files.isDirectory(jvmRoot)) {
            return found;
        }
        Set<Path> seen = new LinkedHashSet<>();
        try (Stream<Path> children = Files.list(jvmRoot)) {
            for (Path child : children.sorted().toList()) {
                Path real;
                try {
                    real = child.toRealPath();
                } catch (IOException e) {
                    continue;
                }
                if (seen.add(real)) {
                    read(child).ifPresent(found::add);
                }
            }
        } catch (IOException e) {
            return found;
        }
        return found;
    }

    /** Reads {@code <home>/release}; empty when it is missing, unreadable or has no java binary. */
    static Optional<Jdk> read(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin").resolve("java"))) {
            return Optional.empty();
        }
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(release));
            if (!m.find()) {
                return Optional.empty();
            }
            String version = m.group(1);
            int feature = featureOf(version);
            return feature > 0 ? Optional.of(new Jdk(home, version, feature)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** "25.0.3" → 25, "21" → 21, "21-ea" → 21, "1.8.0_292" → 8; 0 when unparseable. */
    static int featureOf(String version) {
        Matcher m = Pattern.compile("^(\\d+)(?:\\.(\\d+))?").matcher(version);
        if (!m.find()) {
            return 0;
        }
        int first = Integer.parseInt(m.group(1));
        if (first == 1 && m.group(2) != null) {
            return Integer.parseInt(m.group(2));
        }
        return first;
    }
}
