package io.userstreams.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.core.user.User;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class WelcomeMailTemplatesTest {

    final WelcomeMailTemplates templates = new WelcomeMailTemplates();

    static User user(String name, String locale) {
        return new User("u-1", "kim@example.com", name, "pro", "KR", locale, Instant.parse("2026-12-01T00:00:00Z"), 1,
                OptionalLong.empty());
    }

    @Test
    void koreanEnglishAndJapaneseHaveTheirOwnSubjectTextAndHtml() {
        var ko = templates.render(user("김민지", "ko-KR"));
        assertThat(ko.locale()).isEqualTo("ko");
        assertThat(ko.subject()).isEqualTo("김민지님, User Streams에 오신 것을 환영합니다!");
        assertThat(ko.text()).contains("김민지님, 안녕하세요.").contains("pro 요금제");
        assertThat(ko.html()).contains("<html lang=\"ko\">").contains("김민지님, 안녕하세요.").contains("<strong>pro</strong>");

        var en = templates.render(user("Alex", "en-US"));
        assertThat(en.locale()).isEqualTo("en");
        assertThat(en.subject()).isEqualTo("Welcome to User Streams, Alex!");
        assertThat(en.html()).contains("Hi Alex,");

        var ja = templates.render(user("佐藤花子", "ja"));
        assertThat(ja.locale()).isEqualTo("ja");
        assertThat(ja.subject()).isEqualTo("佐藤花子さん、User Streams へようこそ！");
        assertThat(ja.text()).contains("ご登録ありがとうございます");
        assertThat(ja.html()).contains("佐藤花子さん、こんにちは。");
        assertThat(ja.fellBack()).isFalse();
    }

    @Test
    void aLocaleWithoutTemplateFallsBackToEnglishAndSaysSo() {
        var fr = templates.render(user("Camille", "fr-FR"));
        assertThat(fr.locale()).isEqualTo("en");
        assertThat(fr.requestedLocale()).isEqualTo("fr-FR");
        assertThat(fr.fellBack()).isTrue();
        assertThat(fr.subject()).isEqualTo("Welcome to User Streams, Camille!");
    }

    @Test
    void theNameIsEscapedInHtmlAndCannotBreakTheSubjectLine() {
        var m = templates.render(user("<script>alert('x')</script> & co\r\nBcc: evil@example.com", "en"));
        assertThat(m.html()).doesNotContain("<script>").contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co");
        assertThat(m.subject()).doesNotContain("\r").doesNotContain("\n");
    }

    @Test
    void anOversizedNameIsRefusedForGood() {
        String longName = "가".repeat(WelcomeMailTemplates.MAX_NAME_CHARS + 1);
        assertThatThrownBy(() -> templates.render(user(longName, "ko")))
                .isInstanceOf(WelcomeMailTemplates.UnrenderableException.class)
                .satisfies(e -> assertThat(((WelcomeMailTemplates.UnrenderableException) e).reason()).isEqualTo("NameTooLong"));
        assertThat(templates.render(user("가".repeat(WelcomeMailTemplates.MAX_NAME_CHARS), "ko")).subject()).startsWith("가가");
    }
}
