package io.userstreams.core.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.core.Fixtures;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class UserValidatorTest {

    static Map<String, AttributeValue> valid() {
        Map<String, AttributeValue> item = new HashMap<>(UserItems.toItem(Fixtures.user("u1")
                .withExpiresAt(OptionalLong.of(1_800_000_000L))));
        return item;
    }

    static void assertInvalid(Map<String, AttributeValue> item, String field, String reasonPart) {
        assertThatThrownBy(() -> UserValidator.parse(item))
                .isInstanceOfSatisfying(InvalidUserException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.reason()).contains(reasonPart);
                });
    }

    @Test
    void roundTripsThroughTheItemMapping() {
        User u = Fixtures.user("u1").withExpiresAt(OptionalLong.of(1_800_000_000L));
        assertThat(UserItems.fromItem(UserItems.toItem(u))).isEqualTo(u);
        assertThat(UserItems.toItem(u).get("version").n()).isEqualTo("1");
    }

    @Test
    void itemWithoutVersionIsValidWithNoVersion() {
        Map<String, AttributeValue> item = valid();
        item.remove("version");
        User u = UserValidator.parse(item);
        assertThat(u.hasVersion()).isFalse();
        assertThat(UserItems.toItem(u)).doesNotContainKey("version");
    }

    @Test
    void loneSurrogatesAreRefusedButPairsAndReplacementCharactersAreNot() {
        Map<String, AttributeValue> item = valid();
        item.put("name", AttributeValue.fromS("Ann \uD800 Lee"));
        assertInvalid(item, "name", "lone surrogate at character 4");
        item = valid();
        item.put("userId", AttributeValue.fromS("u\uDC00"));
        assertInvalid(item, "userId", "not valid Unicode");
        item = valid();
        item.put("name", AttributeValue.fromS("Ann \uD83D\uDE00 \uFFFD"));
        assertThat(UserValidator.parse(item).name()).isEqualTo("Ann \uD83D\uDE00 \uFFFD");
    }

    @Test
    void documentsNestedDeeperThanDynamoDbAllowsAreRefused() {
        Map<String, AttributeValue> item = valid();
        item.put("prefs", nested(32));
        assertThat(UserValidator.parse(item).userId()).isEqualTo("u1");
        item.put("prefs", nested(33));
        assertInvalid(item, "prefs", "nests deeper than the 32 levels");
        item.put("prefs", nested(5_000));
        assertInvalid(item, "prefs", "nests deeper");
    }

    /** A map {@code levels} deep (level 1 = the attribute itself). */
    static AttributeValue nested(int levels) {
        AttributeValue v = AttributeValue.fromS("leaf");
        for (int i = 0; i < levels; i++) {
            v = AttributeValue.fromM(Map.of("k", v));
        }
        return v;
    }

    @Test
    void missingField() {
        Map<String, AttributeValue> item = valid();
        item.remove("plan");
        assertInvalid(item, "plan", "missing");
    }

    @Test
    void wrongAttributeTypes() {
        Map<String, AttributeValue> item = valid();
        item.put("email", AttributeValue.fromN("5"));
        assertInvalid(item, "email", "expected a string (S), got N");
        item = valid();
        item.put("version", AttributeValue.fromS("3"));
        assertInvalid(item, "version", "expected a number (N), got S");
        item = valid();
        item.put("version", AttributeValue.fromN("1.5"));
        assertInvalid(item, "version", "not a whole number");
    }

    @Test
    void invalidEmailIsReportedMasked() {
        Map<String, AttributeValue> item = valid();
        item.put("email", AttributeValue.fromS("kim@@example"));
        assertThatThrownBy(() -> UserValidator.parse(item)).hasMessage("email: 'k***@example' is not a valid address");
        item.put("email", AttributeValue.fromS("kim@example"));
        assertInvalid(item, "email", "not a valid address");
        item.put("email", AttributeValue.fromS("x".repeat(65) + "@example.com"));
        assertInvalid(item, "email", "not a valid address");
    }

    @Test
    void unknownPlanBadCountryBadLocale() {
        Map<String, AttributeValue> item = valid();
        item.put("plan", AttributeValue.fromS("gold"));
        assertInvalid(item, "plan", "unknown plan (a value of 4 characters)"); // the value itself stays out of logs
        item = valid();
        item.put("country", AttributeValue.fromS("kr"));
        assertInvalid(item, "country", "ISO 3166");
        item.put("country", AttributeValue.fromS("XX"));
        assertInvalid(item, "country", "ISO 3166");
        item = valid();
        item.put("locale", AttributeValue.fromS("en_US"));
        assertInvalid(item, "locale", "BCP-47");
        item.put("locale", AttributeValue.fromS("qq"));
        assertInvalid(item, "locale", "unknown language");
        item.put("locale", AttributeValue.fromS("en-ZZ"));
        assertInvalid(item, "locale", "unknown region");
    }

    @Test
    void acceptedLocales() {
        for (String tag : new String[] {"en", "ko", "en-US", "ko-KR", "zh-Hant-TW", "es-419"}) {
            Map<String, AttributeValue> item = valid();
            item.put("locale", AttributeValue.fromS(tag));
            assertThat(UserValidator.parse(item).locale()).isEqualTo(tag);
        }
    }

    @Test
    void badCreatedAtAndVersionRange() {
        Map<String, AttributeValue> item = valid();
        item.put("createdAt", AttributeValue.fromS("yesterday"));
        assertInvalid(item, "createdAt", "ISO-8601");
        item = valid();
        item.put("version", AttributeValue.fromN(Long.toString(1L << 20)));
        assertInvalid(item, "version", "between 1 and");
    }

    @Test
    void oversizedItem() {
        Map<String, AttributeValue> item = valid();
        item.put("bio", AttributeValue.fromS("x".repeat(70_000)));
        assertInvalid(item, "item", "more than the 65536 allowed");
    }

    @Test
    void emptyImage() {
        assertInvalid(Map.of(), "item", "missing or empty");
    }

    @Test
    void handWrittenEmailCheckAgreesWithTheGrammar() {
        String[] inputs = {"kim@example.com", "k.i.m+tag@sub.example.co.kr", "a@b.c", "x@localhost", "@example.com",
            "kim@", "kim@@example.com", "kim@-example.com", "kim@example-.com", "kim@exa_mple.com", "kim@example..com",
            "kim@.example.com", "kim@example.com.", "ki m@example.com", "kim@exam ple.com", "kim@" + "a".repeat(63) + ".com",
            "kim@" + "a".repeat(64) + ".com", "o'brien@example.ie", "kim(x)@example.com", "김@example.com",
            "kim@例え.jp", "x".repeat(64) + "@example.com", "user@1.2.3.4"};
        for (String email : inputs) {
            boolean grammar = UserValidator.EMAIL_PATTERN.matcher(email).matches() && email.indexOf('@') <= 64;
            assertThat(UserValidator.isEmail(email)).as(email).isEqualTo(grammar);
        }
    }

    @Test
    void fastInstantParsingAgreesWithInstantParse() {
        String[] inputs = {"2026-11-25T10:00:00Z", "2026-11-25T10:00:00.5Z", "2026-11-25T10:00:00.123456789Z",
            "1970-01-01T00:00:00Z", "2024-02-29T23:59:59.999Z", "2026-11-25T10:00:00+09:00"};
        for (String text : inputs) {
            assertThat(UserValidator.parseInstant(text)).as(text).isEqualTo(java.time.Instant.parse(text));
        }
        for (String bad : new String[] {"2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-25 10:00:00Z",
            "2026-11-25T10:00:00", "yesterday"}) {
            assertThatThrownBy(() -> UserValidator.parseInstant(bad)).as(bad).isInstanceOf(InvalidUserException.class);
        }
    }

    @Test
    void masksEmails() {
        assertThat(Emails.mask("kim@example.com")).isEqualTo("k***@example.com");
        assertThat(Emails.mask("a@b.co")).isEqualTo("a***@b.co");
        assertThat(Emails.mask("nope")).isEqualTo("***");
        assertThat(Emails.mask("@example.com")).isEqualTo("***");
        assertThat(Emails.mask(null)).isEqualTo("***");
        assertThat(Fixtures.user("kim").toString()).contains("k***@example.com").doesNotContain("kim@example.com");
    }

    @Test
    void createdAtOutsideTheVersionSchemesRangeIsRefusedWithAClearReason() {
        Map<String, AttributeValue> before1970 = valid();
        before1970.put("createdAt", AttributeValue.fromS("1969-12-31T23:59:59Z"));
        assertInvalid(before1970, "createdAt", "between 1970-01-01T00:00:00Z and 2248-09-26T15:10:22.207Z");
        Map<String, AttributeValue> after2248 = valid();
        after2248.put("createdAt", AttributeValue.fromS("2248-09-26T15:10:22.208Z"));
        assertInvalid(after2248, "createdAt", "between");
        Map<String, AttributeValue> farFuture = valid();
        farFuture.put("createdAt", AttributeValue.fromS("+100000-01-01T00:00:00Z"));
        assertInvalid(farFuture, "createdAt", "between");

        Map<String, AttributeValue> first = valid();
        first.put("createdAt", AttributeValue.fromS("1970-01-01T00:00:00Z"));
        assertThat(UserValidator.parse(first).createdAt()).isEqualTo(java.time.Instant.EPOCH);
        Map<String, AttributeValue> last = valid();
        last.put("createdAt", AttributeValue.fromS("2248-09-26T15:10:22.207Z"));
        assertThat(UserValidator.parse(last).createdAt()).isEqualTo(java.time.Instant.ofEpochMilli(8_796_093_022_207L));
    }
}
