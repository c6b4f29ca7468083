package io.userstreams.cli.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.userstreams.cli.CliException;
import io.userstreams.cli.CommandGroup;
import io.userstreams.cli.TargetCommand;
import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserConflictException;
import io.userstreams.core.user.UserJson;
import io.userstreams.core.user.UserNotFoundException;
import io.userstreams.core.user.UserStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * {@code users put|get|update|delete|expire|load}: writes to the users table with the same
 * versioned writes as the users API. Exit codes: 0 ok; 1 failure (not found, version conflict,
 * unreachable endpoint); 2 usage (bad options, invalid user fields — the field is named).
 */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Write and read users in the users table (local stack by default).",
        subcommands = {UsersCommand.Put.class, UsersCommand.Get.class, UsersCommand.Update.class,
                UsersCommand.Delete.class, UsersCommand.Expire.class, LoadCommand.class})
public final class UsersCommand extends CommandGroup {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Shared plumbing: target, clients, and mapping of store errors to messages and exit codes. */
    abstract static class Base extends TargetCommand {
        @Override
        public final Integer call() {
            try {
                prepare();
            } catch (UserJson.InvalidFieldsException e) {
                throw CliException.usage(e.getMessage());
            } catch (InvalidUserException e) {
                throw CliException.usage("invalid user: " + e.field() + ": " + e.reason());
            }
            target.checkReachable();
            try (DynamoDbClient dynamoDb = target.dynamoDb()) {
                return run(new UserStore(dynamoDb, target.usersTable()));
            } catch (UserJson.InvalidFieldsException e) {
                throw CliException.usage(e.getMessage());
            } catch (InvalidUserException e) {
                throw CliException.usage("invalid user: " + e.field() + ": " + e.reason());
            } catch (UserNotFoundException e) {
                throw new CliException(e.getMessage() + " in table " + target.usersTable());
            } catch (UserConflictException e) {
                throw new CliException("conflict (409): " + e.getMessage());
            } catch (ResourceNotFoundException e) {
                throw new CliException("table '" + target.usersTable() + "' not found at " + target.describe()
                        + ": is the local stack started (`bin/user-streams stack`), or pass --table");
            } catch (SdkClientException e) {
                throw target.unreachable("DynamoDB", target.dynamoDbEndpoint() == null
                        ? java.net.URI.create("https://dynamodb." + target.connection().region().id() + ".amazonaws.com")
                        : target.dynamoDbEndpoint(), e);
            } finally {
                target.close();
            }
        }

        /** Checks the arguments before any network call: usage errors come first. */
        void prepare() {
        }

        abstract Integer run(UserStore store);

        void print(User u) {
            try {
                out().println(JSON.writeValueAsString(UserJson.toJson(u)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Create a user (version 1). Fails if the id exists.")
    static final class Put extends Base {
        @Option(names = "--id", paramLabel = "USER_ID", description = "userId (required)") String userId;
        @Option(names = "--email", description = "email (required)") String email;
        @Option(names = "--name", description = "display name (required)") String name;
        @Option(names = "--plan", defaultValue = "free", description = "free | pro | enterprise (default ${DEFAULT-VALUE})") String plan;
        @Option(names = "--country", defaultValue = "US", description = "ISO 3166 alpha-2 (default ${DEFAULT-VALUE})") String country;
        @Option(names = "--locale", defaultValue = "en", description = "BCP-47 like en, ko, en-US (default ${DEFAULT-VALUE})") String locale;
        @Option(names = "--expires-at", paramLabel = "EPOCH_SECONDS", description = "TTL (optional)") Long expiresAt;

        private User user;

        @Override
        void prepare() {
            List<UserJson.FieldError> missing = new ArrayList<>();
            if (userId == null) missing.add(new UserJson.FieldError("userId", "missing: pass --id"));
            if (email == null) missing.add(new UserJson.FieldError("email", "missing: pass --email"));
            if (name == null) missing.add(new UserJson.FieldError("name", "missing: pass --name"));
            if (!missing.isEmpty()) {
                throw new UserJson.InvalidFieldsException(missing);
            }
            var body = JSON.createObjectNode().put("userId", userId).put("email", email).put("name", name)
                    .put("plan", plan).put("country", country).put("locale", locale);
            if (expiresAt != null) body.put("expiresAt", expiresAt);
            user = UserJson.forCreate(body, Instant.now());
        }

        @Override
        Integer run(UserStore store) {
            User created = store.create(user);
            print(created);
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a user as JSON.")
    static final class Get extends Base {
        @Parameters(paramLabel = "USER_ID") String userId;

        @Override
        Integer run(UserStore store) {
            var item = store.getItem(userId).orElseThrow(() -> new UserNotFoundException(userId));
            try {
                print(io.userstreams.core.user.UserItems.fromItem(item));
            } catch (InvalidUserException e) {
                // Written by another application: show it as it is, and say why it is not a valid user.
                out().println(io.userstreams.core.change.DynamoDbJson.toJson(item).toPrettyString());
                err().println("note: not a valid user: " + e.getMessage());
            }
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Change fields; bumps version with a conditional write "
            + "(conflict → exit 1).")
    static final class Update extends Base {
        @Parameters(paramLabel = "USER_ID") String userId;
        @Option(names = "--email") String email;
        @Option(names = "--name") String name;
        @Option(names = "--plan") String plan;
        @Option(names = "--country") String country;
        @Option(names = "--locale") String locale;
        @Option(names = "--expected-version", paramLabel = "N",
                description = "Only update if the user is still at this version (optimistic locking).")
        Long expectedVersion;

        private com.fasterxml.jackson.databind.node.ObjectNode body;

        @Override
        void prepare() {
            body = JSON.createObjectNode();
            if (email != null) body.put("email", email);
            if (name != null) body.put("name", name);
            if (plan != null) body.put("plan", plan);
            if (country != null) body.put("country", country);
            if (locale != null) body.put("locale", locale);
            if (body.isEmpty()) {
                throw CliException.usage("nothing to update: pass at least one of --email --name --plan --country --locale");
            }
        }

        @Override
        Integer run(UserStore store) {
            User updated = store.update(userId, expectedVersion == null ? OptionalLong.empty()
                    : OptionalLong.of(expectedVersion), current -> UserJson.applyUpdate(current, body));
            print(updated);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a user.")
    static final class Delete extends Base {
        @Parameters(paramLabel = "USER_ID") String userId;
        @Option(names = "--expected-version", paramLabel = "N") Long expectedVersion;

        @Override
        Integer run(UserStore store) {
            store.delete(userId, expectedVersion == null ? OptionalLong.empty() : OptionalLong.of(expectedVersion));
            out().println("deleted user " + userId);
            return 0;
        }
    }

    @Command(name = "expire", mixinStandardHelpOptions = true, description = "Set the TTL attribute (expiresAt) in the past: DynamoDB (Local too) "
            + "deletes the item itself, usually within a minute locally, with the TTL service identity on the "
            + "stream record.")
    static final class Expire extends Base {
        @Parameters(paramLabel = "USER_ID") String userId;
        @Option(names = "--seconds-ago", defaultValue = "60", description = "How far in the past (default ${DEFAULT-VALUE}).")
        long secondsAgo;
        @Option(names = "--wait", description = "Wait until the TTL service has deleted the item (up to --timeout).")
        boolean waitForDelete;
        @Option(names = "--timeout", defaultValue = "180", description = "Seconds to wait with --wait (default ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        @Override
        Integer run(UserStore store) {
            long at = Instant.now().getEpochSecond() - secondsAgo;
            User u = store.expire(userId, at);
            out().println("user " + userId + " expires: expiresAt=" + at + " (" + Instant.ofEpochSecond(at)
                    + "), version " + u.version() + "; the TTL service deletes it (locally within about a minute)");
            if (waitForDelete) {
                long start = System.nanoTime();
                long deadline = start + timeoutSeconds * 1_000_000_000L;
                while (store.getItem(userId).isPresent()) {
                    if (System.nanoTime() > deadline) {
                        throw new CliException("user " + userId + " still present after " + timeoutSeconds
                                + " s: is TTL enabled on the table (attribute expiresAt)?");
                    }
                    sleep(1000);
                }
                out().printf("user %s deleted by TTL after %.0f s%n", userId, (System.nanoTime() - start) / 1e9);
            }
            return 0;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }
}
