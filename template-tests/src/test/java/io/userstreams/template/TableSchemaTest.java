package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tables' keys, TTL and stream match what the code writes and reads. */
class TableSchemaTest {

    private final Template template = Fixtures.template();

    @Test
    void tablesMatchTheCode() {
        assertThat(TemplateChecks.tableContracts()).extracting(TemplateChecks.TableContract::hashKey)
                .containsExactly("userId", "email", "statKey", "idempotencyKey");
        assertThat(TemplateChecks.tables(template)).isEmpty();
    }

    @Test
    void renamedKeyFails() {
        Template bad = template.mutate(r -> {
            Map<String, Object> p = Fixtures.properties(r, "UserStatsTable");
            p.put("KeySchema", List.of(Map.of("AttributeName", "stat", "KeyType", "HASH")));
            p.put("AttributeDefinitions", List.of(Map.of("AttributeName", "stat", "AttributeType", "S")));
        });
        assertThat(TemplateChecks.tables(bad)).anyMatch(e -> e.startsWith("UserStatsTable: key schema must be the single HASH key statKey"));
    }

    @Test
    void numericKeyOrExtraAttributeFails() {
        Template bad = template.mutate(r -> Fixtures.properties(r, "UsersByEmailTable").put("AttributeDefinitions",
                List.of(Map.of("AttributeName", "email", "AttributeType", "N"))));
        assertThat(TemplateChecks.tables(bad)).anyMatch(e -> e.startsWith("UsersByEmailTable: AttributeDefinitions must define exactly email as S"));
    }

    @Test
    void wrongTtlStreamOrEncryptionFails() {
        Template bad = template.mutate(r -> {
            Fixtures.at(r, "Resources", "IdempotencyTable", "Properties", "TimeToLiveSpecification").put("AttributeName", "ttl");
            Fixtures.at(r, "Resources", "UsersTable", "Properties", "StreamSpecification").put("StreamViewType", "NEW_IMAGE");
            Fixtures.properties(r, "UsersTable").remove("PointInTimeRecoverySpecification");
            Fixtures.properties(r, "UserStatsTable").remove("SSESpecification");
        });
        List<String> errors = TemplateChecks.tables(bad);
        assertThat(errors).anyMatch(e -> e.startsWith("IdempotencyTable: TTL must be enabled on expiresAt"));
        assertThat(errors).contains("UsersTable: stream must be NEW_AND_OLD_IMAGES, was NEW_IMAGE");
        assertThat(errors).contains("UsersTable: point-in-time recovery must be enabled");
        assertThat(errors).anyMatch(e -> e.startsWith("UserStatsTable: SSESpecification.SSEEnabled must be true"));
    }
}
