package io.userstreams.core.reaction;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.record;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.search.BulkItemResult;
import io.userstreams.core.sink.InMemorySinks;
import io.userstreams.core.user.LogSafe;
import io.userstreams.core.user.UserItems;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** What a person typed never reaches the logs or a dead letter's reason, whichever field they typed it in. */
class PersonalDataInLogsTest {

    static final String TYPED = "Kim Minji 010-1234-5678";

    final InMemorySinks sinks = new InMemorySinks();
    final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void capture() {
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
    }

    ChangeRecord insertWith(String id, String field, AttributeValue value) {
        Map<String, AttributeValue> item = new HashMap<>(UserItems.toItem(user(id)));
        item.put(field, value);
        return record(ChangeKind.INSERT, false, id, Map.of(), item);
    }

    @Test
    void valuesOfEveryFieldAndTheIndexsErrorReasonsAreMasked() {
        List<ChangeRecord> batch = new ArrayList<>(List.of(
                insertWith("p", "plan", AttributeValue.fromS(TYPED)),
                insertWith("c", "country", AttributeValue.fromS(TYPED)),
                insertWith("l", "locale", AttributeValue.fromS(TYPED)),
                insertWith("t", "createdAt", AttributeValue.fromS(TYPED)),
                insertWith("e", "email", AttributeValue.fromS("kim.minji@example.com ")),
                insertWith("v", "version", AttributeValue.fromN("12.5")),
                insert(user("rejected"))));
        sinks.search.perOperation = op -> op.id().equals("rejected") ? new BulkItemResult(400, "mapper_parsing_exception",
                "failed to parse field [name] of type [long] in document with id 'rejected'. Preview of field's value: '"
                        + TYPED + "'") : null;
        UserStreamsCore core = UserStreamsCore.builder().settings(CoreSettings.fromEnvironment(Map.of()))
                .sinks(sinks.sinks()).retryPolicy(RetryPolicy.fast(2)).sleeper(d -> { }).build();
        assertThat(core.processor().process(batch).isComplete()).isTrue();

        List<DeadLetter> letters = sinks.deadLetters.letters();
        assertThat(letters).isNotEmpty();
        for (DeadLetter l : letters) {
            assertThat(l.error()).doesNotContain("Kim").doesNotContain("010-1234").doesNotContain("kim.minji");
        }
        assertThat(letters).anySatisfy(l -> assertThat(l.error()).contains("mapper_parsing_exception")
                .contains("[name]").contains("[long]"));
        assertThat(appender.list).isNotEmpty();
        for (ILoggingEvent e : appender.list) {
            StringBuilder text = new StringBuilder(e.getFormattedMessage());
            if (e.getKeyValuePairs() != null) {
                e.getKeyValuePairs().forEach(kv -> text.append(' ').append(kv.key).append('=').append(kv.value));
            }
            assertThat(text.toString()).as(e.getLoggerName()).doesNotContain("Kim").doesNotContain("010-1234")
                    .doesNotContain("kim.minji");
        }
    }

    @Test
    void redactionKeepsWhatFailedAndDropsTheValues() {
        assertThat(LogSafe.redact("failed to parse field [createdAt] of type [date] in document with id 'u1'. "
                + "Preview of field's value: 'tomorrow at Kim''s'"))
                .isEqualTo("failed to parse field [createdAt] of type [date] in document with id '***'. Preview of field's value: ***");
        assertThat(LogSafe.redact("Invalid parameter: attribute email has value kim@example.com [Kim Minji]"))
                .isEqualTo("Invalid parameter: attribute email has value k***@example.com [***]");
        assertThat(LogSafe.describe("gold")).isEqualTo("a value of 4 characters");
    }
}
