package io.userstreams.localstack.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the OpenSearch integ-test zip into the local Maven repository (downloading it from Maven
 * Central when missing) and unpacks it once per version into a cache under the state root.
 */
final class Distributions {

    static final URI MAVEN_CENTRAL = URI.create("https://repo.maven.apache.org/maven2/");
    private static final String GROUP_PATH = "org/opensearch/distribution/integ-test-zip/opensearch";
    private static final Logger log = LoggerFactory.getLogger(Distributions.class);

    private Distributions() {
    }

    /** {@code -Dmaven.repo.local} when set, else {@code ~/.m2/repository}. */
    static Path localRepository() {
        String configured = System.getProperty("maven.repo.local");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    static Path zipPath(Path repository, String version) {
        return repository.resolve(GROUP_PATH).resolve(version).resolve("opensearch-" + version + ".zip");
    }

    /** The zip in the local repository; downloaded (checked against its .sha1) when missing. */
    static Path resolveZip(Path repository, URI remote, String version) {
        Path zip = zipPath(repository, version);
        if (Files.isRegularFile(zip)) {
            return zip;
        }
        URI url = remote.resolve(GROUP_PATH + "/" + version + "/opensearch-" + version + ".zip");
        try {
            download(url, zip);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not download OpenSearch " + version + " from " + url
                    + " into " + zip + ": " + e.getMessage()
                    + ". Fetch it with: mvn dependency:get -Dartifact=org.opensearch.distribution.integ-test-zip:opensearch:"
                    + version + ":zip", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while downloading " + url, e);
        }
        return zip;
    }

    /** Downloads to a temp file next to the target, verifies the .sha1, then moves it in atomically. */
    static void download(URI url, Path target) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpResponse<String> sha1Response = http.send(
                HttpRequest.newBuilder(URI.create(url + ".sha1")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (sha1Response.statusCode() != 200) {
            throw new IOException("GET " + url + ".sha1 answered HTTP " + sha1Response.statusCode());
        }
        String expectedSha1 = sha1Response.body().trim().split("\\s+")[0].toLowerCase();

        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            HttpResponse<InputStream> response = http.send(
                    HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(30)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IOException("GET " + url + " answered HTTP " + response.statusCode());
            }
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            log.atInfo().addKeyValue("url", url.toString()).addKeyValue("bytes", total)
                    .log("Downloading OpenSearch distribution (once; kept in the local Maven repository)");
            MessageDigest sha1 = sha1();
            long copied = 0;
            int lastDecile = 0;
            long startNanos = System.nanoTime();
            try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(temp)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    sha1.update(buffer, 0, n);
                    copied += n;
                    int decile = total > 0 ? (int) (copied * 10 / total) : (int) (copied / (16L << 20));
                    if (decile > lastDecile) {
                        lastDecile = decile;
                        log.atInfo()
                                .addKeyValue("downloadedMb", copied >> 20)
                                .addKeyValue("totalMb", total > 0 ? total >> 20 : -1)
                                .addKeyValue("percent", total > 0 ? decile * 10 : -1)
                                .log("Downloading OpenSearch distribution");
                    }
                }
            }
            String actual = HexFormat.of().formatHex(sha1.digest());
            if (!actual.equals(expectedSha1)) {
                throw new IOException("SHA-1 mismatch for " + url + ": expected " + expectedSha1 + ", got " + actual);
            }
            Files.writeString(target.resolveSibling(target.getFileName() + ".sha1"), expectedSha1);
            moveAtomically(temp, target);
            log.atInfo().addKeyValue("path", target.toString()).addKeyValue("bytes", copied)
                    .addKeyValue("seconds", (System.nanoTime() - startNanos) / 1_000_000_000L)
                    .log("Downloaded OpenSearch distribution");
        } finally {
            Files.deleteIfExists(temp);
        }
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

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
