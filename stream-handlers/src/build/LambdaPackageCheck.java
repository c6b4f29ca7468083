import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Build check for the Lambda deployment package, run by the exec plugin in {@code verify} as a
 * single-file program ({@code java LambdaPackageCheck.java <jar> <maxZippedMb> <maxUnzippedMb>}).
 * The jar is itself the zip Lambda receives, so its file size is the zipped size; the unzipped
 * size is the sum of the entries' uncompressed sizes. Exits 1 over a limit, or when classes that
 * must never ship in the function (KCL, the Streams adapter, the local DynamoDB and stack) are in it.
 */
public class LambdaPackageCheck {

    private static final String[] FORBIDDEN = {
            "software/amazon/kinesis/",
            "com/amazonaws/services/dynamodbv2/streamsadapter/",
            "io/userstreams/localstack/",
            "io/userstreams/localdynamodb/",
            "io/userstreams/kcl/",
            "org/elasticmq/",
    };

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: java LambdaPackageCheck.java <jar> <maxZippedMb> <maxUnzippedMb>");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        long maxZipped = Long.parseLong(args[1]) * 1024 * 1024;
        long maxUnzipped = Long.parseLong(args[2]) * 1024 * 1024;
        if (!Files.isRegularFile(jar)) {
            System.err.println("[lambda-package] ERROR: " + jar + " not found: run the package phase first");
            System.exit(1);
        }
        long zipped = Files.size(jar);
        long unzipped = 0;
        int entries = 0;
        List<String> forbidden = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                entries++;
                unzipped += Math.max(0, entry.getSize());
                for (String prefix : FORBIDDEN) {
                    if (entry.getName().startsWith(prefix) && !forbidden.contains(prefix)) {
                        forbidden.add(prefix);
                    }
                }
            }
        }
        System.out.printf("[lambda-package] %s: zipped %.1f MB (limit %d MB), unzipped %.1f MB (limit %d MB), %d entries%n",
                jar.getFileName(), mb(zipped), maxZipped / 1024 / 1024, mb(unzipped), maxUnzipped / 1024 / 1024, entries);
        boolean ok = true;
        if (zipped > maxZipped) {
            System.err.printf("[lambda-package] ERROR: zipped size %.1f MB exceeds the Lambda limit of %d MB%n",
                    mb(zipped), maxZipped / 1024 / 1024);
            ok = false;
        }
        if (unzipped > maxUnzipped) {
            System.err.printf("[lambda-package] ERROR: unzipped size %.1f MB exceeds the Lambda limit of %d MB%n",
                    mb(unzipped), maxUnzipped / 1024 / 1024);
            ok = false;
        }
        if (!forbidden.isEmpty()) {
            System.err.println("[lambda-package] ERROR: classes that must stay out of the function are in the jar: "
                    + forbidden + " (check the shade plugin's artifactSet excludes and the dependency scopes)");
            ok = false;
        }
        System.exit(ok ? 0 : 1);
    }

    private static double mb(long bytes) {
        return bytes / 1024.0 / 1024.0;
    }
}
