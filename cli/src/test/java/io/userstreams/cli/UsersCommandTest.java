package io.userstreams.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;

@ExtendWith(UserStreamsExtension.class)
class UsersCommandTest {

    @Test
    void putGetUpdateDelete(LocalStack stack, TestKit kit) {
        Cli.Run put = Cli.run(stack, "users", "put", "--id", "u-kim", "--email", "kim@example.com", "--name", "김민준",
                "--plan", "pro", "--country", "KR", "--locale", "ko");
        assertThat(put.exit()).isZero();
        assertThat(put.out()).contains("\"version\" : 1").contains("김민준");

        Cli.Run again = Cli.run(stack, "users", "put", "--id", "u-kim", "--email", "kim2@example.com", "--name", "Kim");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("409").contains("already exists");

        Cli.Run get = Cli.run(stack, "users", "get", "u-kim");
        assertThat(get.exit()).isZero();
        assertThat(get.out()).contains("kim@example.com").contains("\"plan\" : \"pro\"");

        Cli.Run update = Cli.run(stack, "users", "update", "u-kim", "--plan", "enterprise");
        assertThat(update.exit()).isZero();
        assertThat(kit.users().get("u-kim")).get().extracting(User::version, User::plan).containsExactly(2L, "enterprise");

        // Someone else wrote version 3 meanwhile: an update expecting version 2 is refused (409-like), nothing written.
        kit.users().update("u-kim", java.util.OptionalLong.empty(), u -> u.withCountry("JP"));
        Cli.Run conflict = Cli.run(stack, "users", "update", "u-kim", "--plan", "free", "--expected-version", "2");
        assertThat(conflict.exit()).isEqualTo(1);
        assertThat(conflict.err()).contains("409").contains("version conflict").contains("expected version 2")
                .contains("has 3");
        assertThat(kit.users().get("u-kim")).get().extracting(User::version, User::plan).containsExactly(3L, "enterprise");

        Cli.Run delete = Cli.run(stack, "users", "delete", "u-kim");
        assertThat(delete.exit()).isZero();
        assertThat(kit.users().get("u-kim")).isEmpty();

        Cli.Run missing = Cli.run(stack, "users", "get", "u-kim");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("user 'u-kim' not found");
        assertThat(Cli.run(stack, "users", "delete", "u-kim").exit()).isEqualTo(1);
    }

    @Test
    void invalidUserIsRefusedWithTheFieldNamed(LocalStack stack, TestKit kit) {
        Cli.Run badEmail = Cli.run(stack, "users", "put", "--id", "u-1", "--email", "not-an-email", "--name", "A");
        assertThat(badEmail.exit()).isEqualTo(2);
        assertThat(badEmail.err()).contains("invalid user").contains("email");

        Cli.Run noId = Cli.run(stack, "users", "put", "--email", "a@example.com", "--name", "A");
        assertThat(noId.exit()).isEqualTo(2);
        assertThat(noId.err()).contains("userId").contains("missing");

        Cli.Run badCountry = Cli.run(stack, "users", "put", "--id", "u-2", "--email", "b@example.com", "--name", "B",
                "--country", "XX");
        assertThat(badCountry.exit()).isEqualTo(2);
        assertThat(badCountry.err()).contains("country");

        Cli.Run badUpdate = Cli.run(stack, "users", "put", "--id", "u-3", "--email", "c@example.com", "--name", "C");
        assertThat(badUpdate.exit()).isZero();
        Cli.Run badPlan = Cli.run(stack, "users", "update", "u-3", "--plan", "platinum");
        assertThat(badPlan.exit()).isEqualTo(2);
        assertThat(badPlan.err()).contains("plan");
        assertThat(kit.effects().tableUsers().keySet()).containsExactly("u-3");
    }

    @Test
    void unreachableEndpointNamesItAndHowToStartTheStack() {
        Cli.Run r = Cli.raw("users", "get", "u-1", "--endpoint", "http://127.0.0.1:1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("http://127.0.0.1:1").contains("bin/user-streams stack")
                .doesNotContain("Exception in thread").doesNotContain("\tat ");
        Cli.Run load = Cli.raw("users", "load", "--count", "10", "--endpoint", "http://127.0.0.1:1");
        assertThat(load.exit()).isEqualTo(1);
        assertThat(load.err()).contains("http://127.0.0.1:1");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(Cli.raw("users", "load").exit()).isEqualTo(2); // --count missing
        assertThat(Cli.raw("users", "load", "--count", "5", "--batch", "26").exit()).isEqualTo(2);
        assertThat(Cli.raw("nonsense").exit()).isEqualTo(2);
        assertThat(Cli.raw("users", "update", "u-1").exit()).isEqualTo(2); // nothing to update
    }

    @Test
    void expireLetsTheTtlServiceDeleteTheUser(LocalStack stack, TestKit kit) {
        assertThat(Cli.run(stack, "users", "put", "--id", "u-ttl", "--email", "ttl@example.com", "--name", "T").exit()).isZero();
        Cli.Run expire = Cli.run(stack, "users", "expire", "u-ttl", "--wait", "--timeout", "240");
        assertThat(expire.exit()).as(expire.toString()).isZero();
        assertThat(expire.out()).contains("deleted by TTL");
        assertThat(kit.users().get("u-ttl")).isEmpty();

        // The stream's REMOVE carries the TTL service identity, and the core reads it as an expiry.
        var streams = stack.dynamoDbStreams();
        String arn = stack.dynamoDb().describeTable(b -> b.tableName("users")).table().latestStreamArn();
        var shard = streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards().get(0);
        String it = streams.getShardIterator(b -> b.streamArn(arn).shardId(shard.shardId())
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
        List<Record> records = new ArrayList<>(streams.getRecords(b -> b.shardIterator(it)).records());
        Record remove = records.get(records.size() - 1);
        assertThat(remove.eventNameAsString()).isEqualTo("REMOVE");
        assertThat(remove.userIdentity().principalId()).isEqualTo("dynamodb.amazonaws.com");
        assertThat(StreamRecordConverter.convert(remove, shard.shardId()).ttlExpiry()).isTrue();
    }
}
