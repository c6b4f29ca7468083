package io.userstreams.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.reaction.RecordReaction;
import io.userstreams.core.sink.Sinks;
import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;

class UserStreamsCoreTest {

    @Test
    void onlyEnabledReactionsAreBuilt() {
        CoreSettings settings = CoreSettings.fromEnvironment(Map.of("REACTIONS", "search-index,welcome-email"));
        try (UserStreamsCore core = UserStreamsCore.withSinks(settings, Sinks.noOp())) {
            assertThat(core.reactions()).extracting(RecordReaction::reaction)
                    .containsExactly(ReactionId.WELCOME_EMAIL, ReactionId.SEARCH_INDEX);
        }
    }

    @Test
    void buildsRealClientsWithoutTouchingTheNetworkAndClosesThem() {
        CoreSettings settings = CoreSettings.fromEnvironment(Map.of("OPENSEARCH_ENDPOINT", "http://127.0.0.1:1",
                "DEAD_LETTER_QUEUE_URL", "http://127.0.0.1:1/000000000000/user-streams-dlq",
                "WELCOME_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:user-streams-welcome.fifo"));
        AwsConnection local = AwsConnection.local(Region.US_EAST_1, Map.of(
                AwsConnection.Service.DYNAMODB, URI.create("http://127.0.0.1:1"),
                AwsConnection.Service.SNS, URI.create("http://127.0.0.1:1"),
                AwsConnection.Service.SQS, URI.create("http://127.0.0.1:1")));
        try (var http = Apache5HttpClient.builder().build();
             UserStreamsCore core = UserStreamsCore.builder().settings(settings).connection(local).httpClient(http)
                     .build()) {
            assertThat(core.reactions()).hasSize(3);
        }
    }

    @Test
    void searchWithoutEndpointOutsideLocalModeIsAClearError() {
        CoreSettings settings = CoreSettings.fromEnvironment(Map.of()).withReactions(EnumSet.of(ReactionId.SEARCH_INDEX));
        AwsConnection aws = new AwsConnection(Region.EU_WEST_1, AwsConnection.LOCAL_CREDENTIALS.create(
                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("a", "b")), Map.of());
        try (var http = Apache5HttpClient.builder().build()) {
            assertThatThrownBy(() -> UserStreamsCore.builder().settings(settings).connection(aws).httpClient(http).build())
                    .hasMessageContaining("OPENSEARCH_ENDPOINT is not set");
        }
    }
}
