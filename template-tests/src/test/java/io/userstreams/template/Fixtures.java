package io.userstreams.template;

import java.util.List;
import java.util.Map;

/** Loaded once per test JVM: the template and the two specifications are read-only. */
final class Fixtures {

    private Fixtures() {
    }

    private static final class TemplateHolder {
        static final Template TEMPLATE = Template.load();
    }

    private static final class SpecHolder {
        static final ServiceSpec SPEC = ServiceSpec.load();
    }

    private static final class SamHolder {
        static final SamSchema SAM = SamSchema.load();
    }

    static Template template() {
        return TemplateHolder.TEMPLATE;
    }

    static ServiceSpec serviceSpec() {
        return SpecHolder.SPEC;
    }

    static SamSchema samSchema() {
        return SamHolder.SAM;
    }

    /** Both values of ChangeReactionsRuntime (everything else at its default). */
    static List<Scenario> scenarios(Template t) {
        return Scenario.forEachValueOf(t, "ChangeReactionsRuntime");
    }

    static Scenario scenario(Template t, String runtime) {
        return new Scenario(t, Map.of("ChangeReactionsRuntime", runtime));
    }

    /** The mutable map at a path of resource ids / property names (for the negative tests). */
    static Map<String, Object> at(Map<String, Object> root, String... path) {
        Map<String, Object> current = root;
        for (String key : path) {
            Object next = current.get(key);
            if (!(next instanceof Map<?, ?>)) {
                throw new IllegalArgumentException("no mapping at " + key + " in " + String.join(".", path));
            }
            current = Template.map(next);
        }
        return current;
    }

    static Map<String, Object> properties(Map<String, Object> root, String resource) {
        return at(root, "Resources", resource, "Properties");
    }
}
