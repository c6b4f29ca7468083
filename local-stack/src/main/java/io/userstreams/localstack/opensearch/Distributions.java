package io.userstreams.localstack.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the OpenSearch integ-test zip that Maven resolved into the local repository (so Maven's
 * mirrors, proxies and offline mode apply; nothing is downloaded here) and unpacks it once per
 * version into a cache under the state root.
 *
 * <p>The build resolves both versions: the preferred one is a runtime dependency of local-stack
 * (projects using test-kit get it too), the JDK 17 fallback is fetched by local-stack's build.
 */
final class Distributions {

    static final String GROUP_ID = "org.opensearch.distribution.integ-test-zip";
    static final String ARTIFACT_ID = "opensearch";
    private static final String VERSIONS_RESOURCE = "distributions.properties";
    private static final Pattern SETTINGS_LOCAL_REPOSITORY =
            Pattern.compile("<localRepository>\\s*([^<]+?)\\s*</localRepository>");
    private static final Logger log = LoggerFactory.getLogger(Distributions.class);

    private Distributions() {
    }

    /**
     * A version the build wrote into {@value #VERSIONS_RESOURCE} from the root pom's
     * {@code opensearch.dist.*} properties: the ones it resolved.
     */
    static String buildVersion(String key) {
        Properties versions = new Properties();
        try (InputStream in = Distributions.class.getResourceAsStream(VERSIONS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(VERSIONS_RESOURCE + " missing next to " + Distributions.class.getName());
            }
            versions.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String version = versions.getProperty(key, "");
        if (version.isBlank() || version.contains("${")) {
            throw new IllegalStateException("No OpenSearch version '" + key + "' in " + VERSIONS_RESOURCE + ": " + version);
        }
        return version;
    }

    /**
     * Maven's local repository: {@code -Dmaven.repo.local} when set (the build's tests get it), else
     * {@code <localRepository>} of {@code ~/.m2/settings.xml}, else {@code ~/.m2/repository}.
     */
    static Path localRepository() {
        return localRepository(System.getProperty("maven.repo.local"), Path.of(System.getProperty("user.home")));
    }

    static Path localRepository(String configured, Path userHome) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path settings = userHome.resolve(".m2").resolve("settings.xml");
        if (Files.isRegularFile(settings)) {
            try {
                // the template settings.xml carries a commented-out example
                String xml = Files.readString(settings).replaceAll("(?s)<!--.*?-->", "");
                Matcher m = SETTINGS_LOCAL_REPOSITORY.matcher(xml);
                if (m.find()) {
                    return Path.of(m.group(1).replace("${user.home}", userHome.toString()));
                }
            } catch (IOException e) {
                log.atWarn().addKeyValue("settings", settings.toString()).addKeyValue("error", e.toString())
                        .log("Cannot read Maven settings; looking in the default local repository");
            }
        }
        return userHome.resolve(".m2").resolve("repository");
    }

    static Path zipPath(Path repository, String version) {
        return repository.resolve(GROUP_ID.replace('.', '/')).resolve(ARTIFACT_ID).resolve(version)
                .resolve(ARTIFACT_ID + "-" + version + ".zip");
    }

    /** The zip in the local repository, or an error that says how to have Maven resolve it. */
    static Path locateZip(Path repository, String version) {
        Path zip = zipPath(repository, version);
        if (Files.isRegularFile(zip)) {
            return zip;
        }
        String coordinates = GROUP_ID + ":" + ARTIFACT_ID + ":" + version + ":zip";
        throw new IllegalStateException("OpenSearch distribution " + version + " is not in the local Maven repository"
                + " (no " + zip + "). Maven resolves it (its mirrors, proxies and offline mode apply): building"
                + " user-streams does (mvn -B -DskipTests package), or run: mvn dependency:get -Dartifact="
                + coordinates + " (in your own project: a test dependency on " + coordinates + ").");
    }

    /**
     * The unpacked distribution home under {@code cacheRoot/<version>}. A partial unpack lives in a
     * temp folder and is only renamed into place once complete, so it is never reused.
     */
    static Path unpack(Path zip, Path cacheRoot, String version) {
        Path home = cacheRoot.resolve("opensearch-" + version);
        if (Files.isExecutable(home.resolve("bin").resolve("opensearch"))) {
            return home;
        }
        Path temp = cacheRoot.resolve(".unpack-" + version + "-" + UUID.randomUUID());
        long startNanos = System.nanoTime();
        try {
            Files.createDirectories(cacheRoot);
            Files.createDirectories(temp);
            try (FileSystem zipFs = FileSystems.newFileSystem(zip,
                    // entries without unix modes (zips made on other systems) are plain files
                    Map.<String, Object>of("enablePosixFileAttributes", "true", "defaultPermissions", "rw-r--r--"))) {
                Path top = zipFs.getPath("/opensearch-" + version);
                if (!Files.isDirectory(top)) {
                    throw new IOException(zip + " has no top folder opensearch-" + version);
                }
                copyTree(top, temp);
            }
            if (!Files.isRegularFile(temp.resolve("bin").resolve("opensearch"))) {
                throw new IOException(zip + " has no bin/opensearch");
            }
            try {
                Files.move(temp, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                // another JVM finished the same unpack first: use its copy
                log.atDebug().addKeyValue("home", home.toString()).log("Distribution unpacked concurrently");
            }
            log.atInfo().addKeyValue("home", home.toString())
                    .addKeyValue("ms", (System.nanoTime() - startNanos) / 1_000_000)
                    .log("Unpacked OpenSearch distribution");
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not unpack " + zip + " into " + home + ": " + e.getMessage(), e);
        } finally {
            FileTrees.deleteQuietly(temp);
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> entries = Files.walk(source)) {
            for (Path entry : entries.toList()) {
                String relative = source.relativize(entry).toString();
                Path out = relative.isEmpty() ? target : target.resolve(relative).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("zip entry escapes the target folder: " + entry);
                }
                if (Files.isDirectory(entry)) {
                    Files.createDirectories(out);
                    setPermissions(out, true, true);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(entry, out, StandardCopyOption.REPLACE_EXISTING);
                    boolean executable = isExecutable(entry) || "bin".equals(out.getParent().getFileName().toString());
                    setPermissions(out, false, executable);
                }
            }
        }
    }

    private static boolean isExecutable(Path zipEntry) {
        try {
            return Files.getPosixFilePermissions(zipEntry).contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** World-readable so the unprivileged user OpenSearch runs as (when we are root) can read it. */
    private static void setPermissions(Path path, boolean directory, boolean executable) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
        if (directory || executable) {
            perms.addAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE));
        }
        Files.setPosixFilePermissions(path, perms);
    }

    static void moveAtomically(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
