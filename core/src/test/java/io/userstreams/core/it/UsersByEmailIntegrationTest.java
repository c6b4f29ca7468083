package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A reused address is settled from the users table on the real DynamoDB, whatever order the users' records come in. */
@ExtendWith(LocalStackExtension.class)
class UsersByEmailIntegrationTest {

    @Test
    void anAddressTakenOverBeforeTheFormerOwnersRecordsAreProcessedEndsWithTheNewOwner(LocalStack stack) {
        String run = ItSupport.unique("reuse");
        String x = run + "-x@example.com";
        String y = run + "-y@example.com";
        User a = user(run + "-a", x, "free", "AQ", "ko");
        User aMoved = a.withEmail(y).withVersion(2);
        User b = user(run + "-b", x, "pro", "AQ", "en");
        // The table as the writers left it: A moved to y, B took x.
        stack.dynamoDb().putItem(p -> p.tableName(stack.resources().usersTable()).item(UserItems.toItem(aMoved)));
        stack.dynamoDb().putItem(p -> p.tableName(stack.resources().usersTable()).item(UserItems.toItem(b)));
        String byEmail = stack.resources().usersByEmailTable();
        try (UserStreamsCore core = ItSupport.core(stack, DerivedTablesIntegrationTest.DERIVED_ONLY, c -> { })) {
            // B's record (another shard) is processed before A's.
            assertThat(core.processor().process(List.of(insert(b))).isComplete()).isTrue();
            assertThat(core.processor().process(List.of(insert(a), modify(a, aMoved))).isComplete()).isTrue();
        }
        assertThat(DerivedTablesIntegrationTest.owner(stack.dynamoDb(), byEmail, x)).isEqualTo(b.userId());
        assertThat(DerivedTablesIntegrationTest.owner(stack.dynamoDb(), byEmail, y)).isEqualTo(a.userId());
    }
}
