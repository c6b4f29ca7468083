package io.userstreams.core.effects;

import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.user.User;
import io.userstreams.core.user.UserImage;
import io.userstreams.core.user.UserItems;
import io.userstreams.core.user.UserValidator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** What the derived stores must hold, computed from the users table the one way every suite shares. */
class EffectsReaderTest {

    @Test
    void expectedCountsAndEmailsOfValidUsers() {
        User kim = user("u-kim").withPlan("pro");
        User lena = user("u-lena");
        assertThat(EffectsReader.expectedCounts(List.of(kim, lena))).isEqualTo(Map.of(
                "plan#pro", 1L, "plan#" + lena.plan(), 1L, "country#" + kim.country(), 2L));
        assertThat(EffectsReader.expectedEmails(List.of(kim, lena)))
                .isEqualTo(Map.of(kim.email(), "u-kim", lena.email(), "u-lena"));
    }

    @Test
    void eachUsableFieldOfAnItemCountsOnItsOwn() {
        Map<String, AttributeValue> badPlan = new TreeMap<>(UserItems.toItem(user("u-a")));
        badPlan.put("plan", AttributeValue.fromS("gold")); // a value the validator refuses
        Map<String, UserImage> images = new TreeMap<>(Map.of("u-a", UserValidator.parseFields(badPlan),
                "u-b", UserValidator.parseFields(UserItems.toItem(user("u-b").withPlan("pro")))));

        Map<String, Long> counts = EffectsReader.expectedCountsOfImages(images.values());

        assertThat(counts).containsEntry("plan#pro", 1L).doesNotContainKey("plan#gold")
                .containsEntry("country#" + user("u-a").country(), 2L);
        assertThat(EffectsReader.expectedEmailsOfImages(images)).containsOnlyKeys(user("u-a").email(), user("u-b").email());
    }

    @Test
    void onlyPlanAndCountryCountersAreCurrentCounts() {
        assertThat(EffectsReader.isCurrentCount("plan#pro")).isTrue();
        assertThat(EffectsReader.isCurrentCount("country#KR")).isTrue();
        assertThat(EffectsReader.isCurrentCount("total#deleted")).isFalse();
    }
}
