package io.userstreams.localstack.opensearch;

import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which OpenSearch version to run and on which JDK. */
record DistributionChoice(String version, Path javaHome, int javaFeature) {

    /** Needs Java 21+ (3.6.0; the root pom's {@code opensearch.dist.version}). */
    static final String PREFERRED_VERSION = Distributions.buildVersion("preferred");
    /**
     * Runs on Java 17 but fails on Java 25: only used when no JDK 21+ exists (2.19.6; the root
     * pom's {@code opensearch.dist.fallback.version}).
     */
    static final String FALLBACK_VERSION = Distributions.buildVersion("fallback");

    private static final Logger log = LoggerFactory.getLogger(DistributionChoice.class);

    static DistributionChoice detect() {
        Path running = Path.of(System.getProperty("java.home"));
        int runningFeature = Runtime.version().feature();
        return choose(JdkLocator.findJdk(21), running, runningFeature);
    }

    /** 3.6.0 on a JDK 21+ when one exists, otherwise 2.19.6 on the running JDK, said in one log line. */
    static DistributionChoice choose(Optional<JdkLocator.Jdk> jdk21, Path runningJavaHome, int runningFeature) {
        if (jdk21.isPresent()) {
            JdkLocator.Jdk jdk = jdk21.get();
            return new DistributionChoice(PREFERRED_VERSION, jdk.home(), jdk.feature());
        }
        log.atWarn()
                .addKeyValue("version", FALLBACK_VERSION)
                .addKeyValue("javaHome", runningJavaHome.toString())
                .addKeyValue("javaFeature", runningFeature)
                .log("No JDK 21+ found (OPENSEARCH_JAVA_HOME, JAVA_HOME, /usr/lib/jvm): running OpenSearch "
                        + FALLBACK_VERSION + " on Java " + runningFeature + " instead of " + PREFERRED_VERSION
                        + " (minimal distribution: no painless, no reindex)");
        return new DistributionChoice(FALLBACK_VERSION, runningJavaHome, runningFeature);
    }
}
