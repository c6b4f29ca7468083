package io.userstreams.core.change;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.Fixtures;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

class StreamRecordConverterTest {

    static final Instant CREATED = Instant.parse("2026-11-25T12:00:00Z");

    static Record remove(User old, Identity identity) {
        return Record.builder().eventID("e1").eventName(OperationType.REMOVE).userIdentity(identity)
                .dynamodb(StreamRecord.builder().keys(UserItems.key(old.userId())).oldImage(UserItems.toItem(old))
                        .sequenceNumber("000000000000000000042").approximateCreationDateTime(CREATED).build())
                .build();
    }

    @Test
    void convertsAnInsert() {
        User u = Fixtures.user("u1");
        Record r = Record.builder().eventID("e0").eventName(OperationType.INSERT)
                .dynamodb(StreamRecord.builder().keys(UserItems.key("u1")).newImage(UserItems.toItem(u))
                        .sequenceNumber("111111111111111111111").approximateCreationDateTime(CREATED).build())
                .build();
        ChangeRecord c = StreamRecordConverter.convert(r, "shardId-1");
        assertThat(c.eventId()).isEqualTo("e0");
        assertThat(c.kind()).isEqualTo(ChangeKind.INSERT);
        assertThat(c.ttlExpiry()).isFalse();
        assertThat(c.userId()).contains("u1");
        assertThat(c.oldImage()).isEmpty();
        assertThat(c.newImage()).isEqualTo(UserItems.toItem(u));
        assertThat(c.shardId()).isEqualTo("shardId-1");
        assertThat(c.sequenceNumber()).isEqualTo("111111111111111111111");
        assertThat(c.approximateCreationTime()).isEqualTo(CREATED);
    }

    @Test
    void ttlServiceIdentityMeansExpiry() {
        Identity ttl = Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build();
        assertThat(StreamRecordConverter.convert(remove(Fixtures.user("u1"), ttl), "s").ttlExpiry()).isTrue();
    }

    @Test
    void removeWithPastExpiresAtMeansExpiryEvenWithoutIdentity() {
        User expired = Fixtures.user("u1").withExpiresAt(OptionalLong.of(CREATED.getEpochSecond() - 5));
        assertThat(StreamRecordConverter.convert(remove(expired, null), "s").ttlExpiry()).isTrue();
        User exactlyNow = Fixtures.user("u1").withExpiresAt(OptionalLong.of(CREATED.getEpochSecond()));
        assertThat(StreamRecordConverter.convert(remove(exactlyNow, null), "s").ttlExpiry()).isTrue();
    }

    @Test
    void removeByAUserIsNotExpiry() {
        User future = Fixtures.user("u1").withExpiresAt(OptionalLong.of(CREATED.getEpochSecond() + 3600));
        assertThat(StreamRecordConverter.convert(remove(future, null), "s").ttlExpiry()).isFalse();
        assertThat(StreamRecordConverter.convert(remove(Fixtures.user("u1"), null), "s").ttlExpiry()).isFalse();
        Identity someone = Identity.builder().type("Service").principalId("lambda.amazonaws.com").build();
        assertThat(StreamRecordConverter.convert(remove(Fixtures.user("u1"), someone), "s").ttlExpiry()).isFalse();
    }

    @Test
    void changeRecordJsonRoundTrips() throws Exception {
        ChangeRecord c = Fixtures.modify(Fixtures.user("u1"), Fixtures.user("u1").withPlan("pro").withVersion(2));
        String json = new ObjectMapper().writeValueAsString(ChangeRecordJson.toJson(c));
        assertThat(json).contains("\"plan\":{\"S\":\"pro\"}").contains("\"version\":{\"N\":\"2\"}");
        assertThat(ChangeRecordJson.fromJson(new ObjectMapper().readTree(json))).isEqualTo(c);
    }

    @Test
    void dynamoDbJsonCoversEveryType() {
        Map<String, AttributeValue> item = Map.of(
                "s", AttributeValue.fromS("x"), "n", AttributeValue.fromN("1.5"), "bool", AttributeValue.fromBool(true),
                "nul", AttributeValue.fromNul(true), "ss", AttributeValue.fromSs(java.util.List.of("a", "b")),
                "l", AttributeValue.fromL(java.util.List.of(AttributeValue.fromS("y"))),
                "m", AttributeValue.fromM(Map.of("k", AttributeValue.fromN("2"))),
                "b", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromUtf8String("bin")));
        assertThat(DynamoDbJson.itemFromJson(DynamoDbJson.toJson(item))).isEqualTo(item);
    }
}
