package io.userstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.user.User;
import io.userstreams.lambda.LambdaStreamJson;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Unit tests (no stack): the builders produce what DynamoDB and Lambda produce, and round-trip. */
class StreamRecordsTest {

    private final User kim = TestKit.user("u-kim");

    @Test
    void buildersProduceLambdaFormatRecordsThatTheCoreReadsBack() {
        ObjectNode insert = StreamRecords.insert(kim);
        assertThat(insert.path("eventName").asText()).isEqualTo("INSERT");
        assertThat(insert.path("eventSource").asText()).isEqualTo("aws:dynamodb");
        assertThat(insert.path("dynamodb").path("Keys").path("userId").path("S").asText()).isEqualTo("u-kim");
        assertThat(insert.path("dynamodb").path("NewImage").path("email").path("S").asText()).isEqualTo("u-kim@example.com");
        assertThat(insert.path("dynamodb").has("OldImage")).isFalse();
        assertThat(insert.path("dynamodb").path("SequenceNumber").asText()).hasSize(21);

        ChangeRecord ttl = StreamRecordConverter.convert(LambdaStreamJson.fromJson(StreamRecords.ttlExpiry(kim)), "s");
        assertThat(ttl.kind()).isEqualTo(ChangeKind.REMOVE);
        assertThat(ttl.ttlExpiry()).isTrue();
        ChangeRecord remove = StreamRecordConverter.convert(LambdaStreamJson.fromJson(StreamRecords.remove(kim)), "s");
        assertThat(remove.ttlExpiry()).isFalse();

        ChangeRecord modify = StreamRecordConverter.convert(
                LambdaStreamJson.fromJson(StreamRecords.modify(kim, kim.withPlan("pro").withVersion(2))), "s");
        assertThat(modify.oldImage().get("plan").s()).isEqualTo("free");
        assertThat(modify.newImage().get("plan").s()).isEqualTo("pro");
    }

    @Test
    void sequenceNumbersIncreaseInBuildOrder() {
        long a = Long.parseLong(StreamRecords.insert(kim).path("dynamodb").path("SequenceNumber").asText());
        long b = Long.parseLong(StreamRecords.remove(kim).path("dynamodb").path("SequenceNumber").asText());
        assertThat(b).isGreaterThan(a);
    }

    @Test
    void lambdaEventConversionKeepsEverything() {
        DynamodbEvent event = LambdaEvents.toEvent(StreamRecords.event(StreamRecords.insert(kim), StreamRecords.ttlExpiry(kim)));
        assertThat(event.getRecords()).hasSize(2);
        var remove = event.getRecords().get(1);
        assertThat(remove.getEventName()).isEqualTo("REMOVE");
        assertThat(remove.getUserIdentity().getPrincipalId()).isEqualTo("dynamodb.amazonaws.com");
        assertThat(remove.getDynamodb().getOldImage().get("expiresAt").getN()).isNotNull();
        assertThat(remove.getEventSourceARN()).isEqualTo(StreamRecords.STREAM_ARN);
    }

    @Test
    void malformedRecordsSayWhatIsWrong() throws Exception {
        var mapper = LambdaStreamJson.MAPPER;
        assertThatThrownBy(() -> LambdaStreamJson.fromJson(mapper.readTree("{\"eventName\":\"INSERT\"}")))
                .hasMessageContaining("eventID");
        assertThatThrownBy(() -> LambdaStreamJson.fromJson(mapper.readTree(
                "{\"eventID\":\"1\",\"eventName\":\"UPSERT\",\"dynamodb\":{}}"))).hasMessageContaining("UPSERT");
        assertThatThrownBy(() -> LambdaStreamJson.fromJson(mapper.readTree(
                "{\"eventID\":\"1\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\"}}")))
                .hasMessageContaining("Keys");
        assertThatThrownBy(() -> LambdaStreamJson.fromJson(mapper.readTree(
                "{\"eventID\":\"1\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\",\"Keys\":{\"userId\":{\"X\":\"a\"}}}}")))
                .hasMessageContaining("Keys");
        assertThat(LambdaStreamJson.records(mapper.readTree("{\"Records\":[{},{}]}"))).hasSize(2);
        assertThat(LambdaStreamJson.records(mapper.readTree("{\"eventID\":\"x\"}"))).hasSize(1);
    }
}
