package io.userstreams.core.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SqsMessageBodiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void validTextIsReturnedAsIs() {
        String json = "{\"name\":\"김민준 \\uD83D\\uDE00 \\t ok\"}";
        assertThat(SqsMessageBodies.sqsSafe(json)).isSameAs(json);
        String emoji = "{\"name\":\"a \uD83D\uDE00 b\"}";
        assertThat(SqsMessageBodies.sqsSafe(emoji)).isSameAs(emoji);
    }

    @Test
    void charactersSqsRefusesBecomeJsonEscapesOfTheSameValue() throws Exception {
        String value = "bad \uDC80\uDCFF bytes \uFFFF end \uD800";
        String json = JSON.writeValueAsString(java.util.Map.of("name", value));
        String safe = SqsMessageBodies.sqsSafe(json);
        assertThat(safe).isEqualTo("{\"name\":\"bad \\udc80\\udcff bytes \\uffff end \\ud800\"}");
        assertThat(safe.chars()).allMatch(c -> c < 0xD800 || (c >= 0xE000 && c <= 0xFFFD));
        assertThat(JSON.readTree(safe).get("name").asText()).isEqualTo(value);
    }
}
