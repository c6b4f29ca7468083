package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Every Handler names a compiled stream-handlers class with the signature its events need. */
class HandlerConsistencyTest {

    private final Template template = Fixtures.template();
    private final ClassLoader loader = getClass().getClassLoader();

    @Test
    void everyHandlerExistsWithTheRightSignature() {
        assertThat(TemplateChecks.handlers(template, loader)).isEmpty();
    }

    @Test
    void handlersComeFromTheModuleTheCodeUriPackages() throws Exception {
        Object codeUri = template.functionProperty("WelcomeFunction", "CodeUri");
        assertThat(codeUri).isEqualTo("stream-handlers/target/stream-handlers-0.1.0-SNAPSHOT-lambda.jar");
        for (String id : template.ofType("AWS::Serverless::Function")) {
            String handler = (String) template.functionProperty(id, "Handler");
            Class<?> type = Class.forName(handler.substring(0, handler.indexOf("::")), false, loader);
            String location = type.getProtectionDomain().getCodeSource().getLocation().toString();
            String module = String.valueOf(template.functionProperty(id, "CodeUri"));
            assertThat(location).as(id).contains(module.substring(0, module.indexOf('/')));
        }
    }

    @Test
    void everyFunctionSkipsSamBuildBecauseMavenBuiltTheJar() {
        for (String id : template.ofType("AWS::Serverless::Function")) {
            Object codeUri = template.functionProperty(id, "CodeUri");
            if (String.valueOf(codeUri).endsWith(".jar")) {
                assertThat(Template.map(template.resource(id).get("Metadata"))).as(id).containsEntry("SkipBuild", true);
            }
        }
    }

    @Test
    void theDeployedJarContainsEveryHandler() throws Exception {
        Path jar = Path.of(System.getProperty("userstreams.template", "../template.yaml")).getParent()
                .resolve(String.valueOf(template.functionProperty("WelcomeFunction", "CodeUri")));
        // The shaded jar exists after `package` (mvn install / verify); `mvn test` alone stops before it.
        Assumptions.assumeTrue(Files.isRegularFile(jar), jar + " not built in this run");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (String id : template.ofType("AWS::Serverless::Function")) {
                if (!template.functionProperty(id, "CodeUri").equals(template.functionProperty("WelcomeFunction", "CodeUri"))) {
                    continue; // another package (the mail sender's): MailPathTemplateTest
                }
                String handler = (String) template.functionProperty(id, "Handler");
                String entry = handler.substring(0, handler.indexOf("::")).replace('.', '/') + ".class";
                assertThat(zip.getEntry(entry)).as(id + " " + entry + " in " + jar).isNotNull();
            }
            // The handlers' runtime dependencies are inside (the jar is the whole deployment package).
            assertThat(zip.getEntry("com/amazonaws/services/lambda/runtime/events/DynamodbEvent.class")).isNotNull();
            assertThat(zip.getEntry("io/userstreams/core/config/CoreSettings.class")).isNotNull();
        }
    }

    @Test
    void missingClassFails() {
        Template bad = template.mutate(r -> Fixtures.properties(r, "WelcomeFunction")
                .put("Handler", "io.userstreams.lambda.WelcomeHandler::handleRequest"));
        assertThat(TemplateChecks.handlers(bad, loader))
                .contains("WelcomeFunction: handler class io.userstreams.lambda.WelcomeHandler does not exist");
    }

    @Test
    void wrongEventTypeFails() {
        // The API handler on a stream trigger: it exists, but takes HTTP events.
        Template bad = template.mutate(r -> Fixtures.properties(r, "WelcomeFunction")
                .put("Handler", "io.userstreams.lambda.api.UsersApiHandler::handleRequest"));
        List<String> errors = TemplateChecks.handlers(bad, loader);
        assertThat(errors).anyMatch(e -> e.startsWith("WelcomeFunction: io.userstreams.lambda.api.UsersApiHandler is "
                + "RequestHandler<com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent"));
        assertThat(errors).anyMatch(e -> e.contains("has no public handleRequest(DynamodbEvent, Context)"));
    }

    @Test
    void missingMethodAndNonHandlerClassFail() {
        Template bad = template.mutate(r -> {
            Fixtures.properties(r, "WelcomeFunction").put("Handler", "io.userstreams.lambda.UserStreamHandler::handle");
            Fixtures.properties(r, "UsersApiFunction").put("Handler", "io.userstreams.core.config.CoreSettings::fromEnvironment");
        });
        List<String> errors = TemplateChecks.handlers(bad, loader);
        assertThat(errors).contains("WelcomeFunction: io.userstreams.lambda.UserStreamHandler has no public "
                + "handle(DynamodbEvent, Context)");
        assertThat(errors).contains("UsersApiFunction: io.userstreams.core.config.CoreSettings does not implement RequestHandler");
    }
}
