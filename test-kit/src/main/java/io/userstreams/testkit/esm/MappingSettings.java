package io.userstreams.testkit.esm;

import io.userstreams.localstack.LocalStackOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The properties of one DynamoDB event source mapping (a SAM {@code Events: Type: DynamoDB} entry)
 * plus the function's timeout, as Lambda reads them. Defaults are Lambda's own (BatchSize 100, no
 * batching window, MaximumRetryAttempts -1, MaximumRecordAgeInSeconds -1, ParallelizationFactor 1).
 *
 * @param maximumRetryAttempts      -1 = retry until the record expires from the stream
 * @param maximumRecordAge          null = no age limit (-1 in the template)
 * @param filterPatterns            FilterCriteria patterns (JSON); a record passes when any matches
 * @param onFailureDestination      whether DestinationConfig.OnFailure is set (the emulator sends to
 *                                  the queue URL it is given)
 */
public record MappingSettings(int batchSize, Duration maximumBatchingWindow, StartingPosition startingPosition,
                              int maximumRetryAttempts, boolean bisectBatchOnFunctionError,
                              Duration maximumRecordAge, int parallelizationFactor, List<String> filterPatterns,
                              boolean reportBatchItemFailures, boolean onFailureDestination,
                              Duration functionTimeout) {

    public enum StartingPosition { TRIM_HORIZON, LATEST }

    /** The stack's two stream-triggered functions in template.yaml. */
    public static final String WELCOME_FUNCTION = "WelcomeFunction";
    public static final String REACTIONS_FUNCTION = "ReactionsFunction";

    public MappingSettings {
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("BatchSize must be 1..10000, was " + batchSize);
        }
        if (maximumRetryAttempts < -1) {
            throw new IllegalArgumentException("MaximumRetryAttempts must be -1 or more");
        }
        if (parallelizationFactor < 1 || parallelizationFactor > 10) {
            throw new IllegalArgumentException("ParallelizationFactor must be 1..10");
        }
        Objects.requireNonNull(maximumBatchingWindow, "maximumBatchingWindow");
        Objects.requireNonNull(startingPosition, "startingPosition");
        Objects.requireNonNull(functionTimeout, "functionTimeout");
        filterPatterns = List.copyOf(filterPatterns);
    }

    /** The mapping of {@code functionLogicalId} in the template.yaml bundled with the local stack. */
    public static MappingSettings fromTemplate(String functionLogicalId) {
        return fromTemplate(functionLogicalId, Map.of());
    }

    /** As {@link #fromTemplate(String)}, with template parameter values overriding their defaults. */
    public static MappingSettings fromTemplate(String functionLogicalId, Map<String, String> parameters) {
        return fromTemplate(bundledTemplate(), functionLogicalId, parameters);
    }

    /** Reads the function's one DynamoDB event (SAM) and its Timeout (or Globals.Function.Timeout). */
    public static MappingSettings fromTemplate(Reader template, String functionLogicalId, Map<String, String> parameters) {
        return fromTemplate(parse(template), functionLogicalId, parameters);
    }

    private static MappingSettings fromTemplate(Map<String, Object> root, String functionLogicalId,
                                                Map<String, String> parameters) {
        Map<String, Object> function = map(map(root.get("Resources")).get(functionLogicalId));
        if (function.isEmpty()) {
            throw new IllegalArgumentException("no resource " + functionLogicalId + " in template.yaml");
        }
        Map<String, Object> props = map(function.get("Properties"));
        Map<String, Object> event = null;
        for (Object e : map(props.get("Events")).values()) {
            Map<String, Object> ev = map(e);
            if ("DynamoDB".equals(ev.get("Type"))) {
                if (event != null) {
                    throw new IllegalArgumentException(functionLogicalId + " has more than one DynamoDB event");
                }
                event = map(ev.get("Properties"));
            }
        }
        if (event == null) {
            throw new IllegalArgumentException(functionLogicalId + " has no DynamoDB event");
        }
        Map<String, Object> params = map(root.get("Parameters"));
        Resolver r = new Resolver(params, parameters);
        Object timeout = props.containsKey("Timeout") ? props.get("Timeout")
                : map(map(root.get("Globals")).get("Function")).getOrDefault("Timeout", 3);
        List<String> patterns = new ArrayList<>();
        for (Object f : list(map(event.get("FilterCriteria")).get("Filters"))) {
            patterns.add(r.string(map(f).get("Pattern")));
        }
        boolean report = list(event.get("FunctionResponseTypes")).stream()
                .anyMatch(t -> "ReportBatchItemFailures".equals(r.string(t)));
        boolean onFailure = !map(map(event.get("DestinationConfig")).get("OnFailure")).isEmpty();
        long maxAge = r.number(event.get("MaximumRecordAgeInSeconds"), -1);
        return new MappingSettings(
                (int) r.number(event.get("BatchSize"), 100),
                Duration.ofSeconds(r.number(event.get("MaximumBatchingWindowInSeconds"), 0)),
                StartingPosition.valueOf(r.string(event.get("StartingPosition"))),
                (int) r.number(event.get("MaximumRetryAttempts"), -1),
                Boolean.parseBoolean(String.valueOf(event.getOrDefault("BisectBatchOnFunctionError", "false"))),
                maxAge < 0 ? null : Duration.ofSeconds(maxAge),
                (int) r.number(event.get("ParallelizationFactor"), 1),
                patterns, report, onFailure,
                Duration.ofSeconds(r.number(timeout, 3)));
    }

    /**
     * The function's literal environment variables in the bundled template.yaml (intrinsics such as
     * {@code !Ref} left out): e.g. which reactions it runs ({@code REACTIONS}).
     */
    public static Map<String, String> functionEnvironment(String functionLogicalId) {
        Map<String, Object> root = bundledTemplate();
        Map<String, Object> props = map(map(map(root.get("Resources")).get(functionLogicalId)).get("Properties"));
        Map<String, String> out = new LinkedHashMap<>();
        map(map(props.get("Environment")).get("Variables")).forEach((k, v) -> {
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                out.put(k, String.valueOf(v));
            }
        });
        return out;
    }

    /** The template.yaml bundled with the local stack, parsed. */
    private static Map<String, Object> bundledTemplate() {
        ClassLoader loader = MappingSettings.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(LocalStackOptions.TEMPLATE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("template.yaml not on the classpath: " + LocalStackOptions.TEMPLATE_RESOURCE);
            }
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read template.yaml: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> parse(Reader template) {
        return map(new Yaml(new CfnConstructor(new LoaderOptions())).load(template));
    }

    public MappingSettings withMaximumRetryAttempts(int attempts) {
        return with(f -> f.maximumRetryAttempts = attempts);
    }

    public MappingSettings withMaximumRecordAge(Duration age) {
        return with(f -> f.maximumRecordAge = age);
    }

    public MappingSettings withStartingPosition(StartingPosition position) {
        return with(f -> f.startingPosition = position);
    }

    public MappingSettings withFunctionTimeout(Duration timeout) {
        return with(f -> f.functionTimeout = timeout);
    }

    public MappingSettings withParallelizationFactor(int factor) {
        return with(f -> f.parallelizationFactor = factor);
    }

    public MappingSettings withBatchSize(int size) {
        return with(f -> f.batchSize = size);
    }

    /** A copy with what {@code change} sets; checked by the constructor like any other. */
    private MappingSettings with(Consumer<Fields> change) {
        Fields f = new Fields(this);
        change.accept(f);
        return new MappingSettings(f.batchSize, f.maximumBatchingWindow, f.startingPosition, f.maximumRetryAttempts,
                f.bisectBatchOnFunctionError, f.maximumRecordAge, f.parallelizationFactor, f.filterPatterns,
                f.reportBatchItemFailures, f.onFailureDestination, f.functionTimeout);
    }

    /** The components, mutable, for {@link #with}. */
    private static final class Fields {
        int batchSize;
        Duration maximumBatchingWindow;
        StartingPosition startingPosition;
        int maximumRetryAttempts;
        boolean bisectBatchOnFunctionError;
        Duration maximumRecordAge;
        int parallelizationFactor;
        List<String> filterPatterns;
        boolean reportBatchItemFailures;
        boolean onFailureDestination;
        Duration functionTimeout;

        Fields(MappingSettings s) {
            batchSize = s.batchSize;
            maximumBatchingWindow = s.maximumBatchingWindow;
            startingPosition = s.startingPosition;
            maximumRetryAttempts = s.maximumRetryAttempts;
            bisectBatchOnFunctionError = s.bisectBatchOnFunctionError;
            maximumRecordAge = s.maximumRecordAge;
            parallelizationFactor = s.parallelizationFactor;
            filterPatterns = s.filterPatterns;
            reportBatchItemFailures = s.reportBatchItemFailures;
            onFailureDestination = s.onFailureDestination;
            functionTimeout = s.functionTimeout;
        }
    }

    /** {@code !Ref Parameter} resolved to the given value or the parameter's Default; literals as they are. */
    private record Resolver(Map<String, Object> declared, Map<String, String> given) {
        String string(Object v) {
            if (v instanceof Intrinsic i) {
                if (!"!Ref".equals(i.tag) || !(i.value instanceof String name)) {
                    throw new IllegalArgumentException("cannot evaluate " + i.tag + " " + i.value + " in a mapping property");
                }
                if (given.containsKey(name)) {
                    return given.get(name);
                }
                Object def = map(declared.get(name)).get("Default");
                if (def == null) {
                    throw new IllegalArgumentException("parameter " + name + " has no Default and no value was given");
                }
                return String.valueOf(def);
            }
            return v == null ? null : String.valueOf(v);
        }

        long number(Object v, long absent) {
            String s = string(v);
            return s == null ? absent : Long.parseLong(s.trim());
        }
    }

    private record Intrinsic(String tag, Object value) {
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
            return out;
        }
        return Map.of();
    }

    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? new ArrayList<>(l) : List.of();
    }

    /** Safe YAML with every CloudFormation short-form intrinsic kept as an {@link Intrinsic}. */
    private static final class CfnConstructor extends SafeConstructor {
        CfnConstructor(LoaderOptions options) {
            super(options);
            this.yamlConstructors.put(null, new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    Object value = node instanceof ScalarNode s ? constructScalar(s)
                            : node instanceof SequenceNode s ? constructSequence(s)
                            : node instanceof MappingNode m ? constructMapping(m) : null;
                    return new Intrinsic(node.getTag().getValue(), value);
                }
            });
        }
    }
}
