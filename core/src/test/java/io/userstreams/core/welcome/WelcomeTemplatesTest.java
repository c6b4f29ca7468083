package io.userstreams.core.welcome;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.Fixtures;
import org.junit.jupiter.api.Test;

class WelcomeTemplatesTest {

    final WelcomeTemplates templates = new WelcomeTemplates();

    @Test
    void picksExactThenLanguageThenEnglish() {
        assertThat(templates.forLocale("en").locale()).isEqualTo("en");
        assertThat(templates.forLocale("ko").locale()).isEqualTo("ko");
        assertThat(templates.forLocale("en-US").locale()).isEqualTo("en");
        assertThat(templates.forLocale("ko-KR").locale()).isEqualTo("ko");
        assertThat(templates.forLocale("fr-FR").locale()).isEqualTo("en");
        assertThat(templates.forLocale("").locale()).isEqualTo("en");
        assertThat(templates.forLocale("../../etc").locale()).isEqualTo("en");
    }

    @Test
    void rendersSubjectAndBodyWithTheUsersFields() {
        WelcomeTemplates.Rendered en = templates.render(Fixtures.user("u1", "kim@example.com", "pro", "US", "en-US"));
        assertThat(en.subject()).isEqualTo("Welcome to User Streams, Name u1!");
        assertThat(en.body()).startsWith("Hi Name u1,").contains("pro plan").doesNotContain("{{");
        WelcomeTemplates.Rendered ko = templates.render(Fixtures.user("u2", "lee@example.com", "free", "KR", "ko"));
        assertThat(ko.subject()).isEqualTo("Name u2님, User Streams에 오신 것을 환영합니다!");
        assertThat(ko.body()).contains("free 요금제").doesNotContain("{{");
    }
}
