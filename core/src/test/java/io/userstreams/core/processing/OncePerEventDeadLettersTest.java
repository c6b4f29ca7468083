package io.userstreams.core.processing;

import static io.userstreams.core.Fixtures.poison;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.sink.InMemorySinks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Once per (eventID, reaction), with the in-memory claims; the real table is in DeadLetterIntegrationTest. */
class OncePerEventDeadLettersTest {

    final Instant now = Instant.parse("2026-12-06T12:00:00Z");
    final InMemorySinks.Idempotency claims = new InMemorySinks.Idempotency();
    final List<DeadLetter> sent = new ArrayList<>();
    final List<UnconvertibleRecord> sentRaw = new ArrayList<>();
    /** One record, delivered again and again. */
    final io.userstreams.core.change.ChangeRecord record = poison("u-1");

    OncePerEventDeadLetters letters(DeadLetterQueue queue) {
        return new OncePerEventDeadLetters(queue, sentRaw::add, claims, Clock.fixed(now, ZoneOffset.UTC));
    }

    DeadLetter letter(String reaction) {
        return new DeadLetter(record, reaction, "bad", "validation", 1, now, now);
    }

    @Test
    void eachEventAndReactionIsSentOnce() {
        OncePerEventDeadLetters first = letters(sent::add);
        OncePerEventDeadLetters otherWorker = letters(sent::add);
        first.send(letter("validation"));
        first.send(letter("validation"));
        otherWorker.send(letter("validation"));
        first.send(letter("search-index"));
        assertThat(sent).extracting(DeadLetter::reaction).containsExactly("validation", "search-index");
    }

    @Test
    void aFailedSendReleasesTheClaimSoTheRedeliverySends() {
        List<DeadLetter> attempts = new ArrayList<>();
        OncePerEventDeadLetters flaky = letters(l -> {
            attempts.add(l);
            if (attempts.size() == 1) {
                throw new IllegalStateException("sqs unreachable");
            }
        });
        assertThatThrownBy(() -> flaky.send(letter("validation"))).hasMessage("sqs unreachable");
        letters(sent::add).send(letter("validation"));
        assertThat(sent).hasSize(1);
    }

    @Test
    void anotherWorkersLiveClaimIsSystemicNotASkip() {
        String key = OncePerEventDeadLetters.claimKey(record.eventId(), "validation");
        claims.claim(key, "someone-else", now, now.plus(Duration.ofSeconds(30)), now.plus(Duration.ofDays(1)));
        assertThatThrownBy(() -> letters(sent::add).send(letter("validation")))
                .isInstanceOf(SystemicFailureException.class);
        assertThat(sent).isEmpty();
    }

    @Test
    void unconvertibleRecordsOncePerEventIdAndAlwaysWithoutOne() {
        OncePerEventDeadLetters letters = letters(sent::add);
        UnconvertibleRecord raw = new UnconvertibleRecord("e-raw", "shard-1", "1", "{}", "no type");
        UnconvertibleRecord anonymous = new UnconvertibleRecord(null, "shard-1", null, "null", "null record");
        letters.send(raw);
        letters.send(raw);
        letters.send(anonymous);
        letters.send(anonymous);
        assertThat(sentRaw).containsExactly(raw, anonymous, anonymous);
    }
}
