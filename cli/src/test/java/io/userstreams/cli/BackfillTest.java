package io.userstreams.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.cli.backfill.BackfillCommand;
import io.userstreams.cli.users.UserGenerator;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserStore;
import io.userstreams.localstack.LocalStack;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(UserStreamsExtension.class)
class BackfillTest {

    /** Inserts, updates (plan, country, email, name) and deletes users until stopped. */
    static final class Writer implements Runnable {
        final UserStore store;
        final List<String> live;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong inserts = new AtomicLong();
        final AtomicLong updates = new AtomicLong();
        final AtomicLong deletes = new AtomicLong();
        final UserGenerator gen = new UserGenerator(42);
        final Random random = new Random(42);
        volatile Throwable failure;

        Writer(UserStore store, List<String> live) {
            this.store = store;
            this.live = new ArrayList<>(live);
        }

        @Override
        public void run() {
            String[] plans = {"free", "pro", "enterprise"};
            String[] countries = {"KR", "JP", "DE", "ES", "US", "BR"};
            try {
                while (!stop.get()) {
                    int op = random.nextInt(10);
                    if (op < 4 || live.size() < 10) {
                        User u = gen.next(Instant.now());
                        store.create(u);
                        live.add(u.userId());
                        inserts.incrementAndGet();
                    } else if (op < 8) {
                        String id = live.get(random.nextInt(live.size()));
                        store.update(id, OptionalLong.empty(), u -> switch (random.nextInt(4)) {
                            case 0 -> u.withPlan(plans[random.nextInt(plans.length)]);
                            case 1 -> u.withCountry(countries[random.nextInt(countries.length)]);
                            case 2 -> u.withEmail("changed." + random.nextInt(1_000_000) + "." + u.userId() + "@example.com");
                            default -> new User(u.userId(), u.email(), u.name() + "!", u.plan(), u.country(), u.locale(),
                                    u.createdAt(), u.version(), u.expiresAt());
                        });
                        updates.incrementAndGet();
                    } else {
                        String id = live.remove(random.nextInt(live.size()));
                        store.delete(id, OptionalLong.empty());
                        deletes.incrementAndGet();
                    }
                    Thread.sleep(2);
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    @Test
    void backfillWhileWritesContinueThenHandOverToTheStream(LocalStack stack, TestKit kit, @TempDir Path dir)
            throws Exception {
        assertThat(Cli.run(stack, "users", "load", "--count", "1500", "--seed", "11").exit()).isZero();
        // Nothing consumed the stream yet: the index and the derived tables are empty (a new reaction, or
        // a consumer that was down longer than the stream's retention).
        assertThat(kit.effects().indexedUsers()).isEmpty();
        assertThat(kit.effects().usersByEmail()).isEmpty();

        Writer writer = new Writer(kit.users(), new ArrayList<>(kit.effects().tableUsers().keySet()));
        Thread writing = new Thread(writer, "writer");
        writing.start();
        Thread.sleep(500);
        Cli.Run backfill = Cli.run(stack, "backfill", "--segments", "4");
        long opsDuringBackfill = writer.inserts.get() + writer.updates.get() + writer.deletes.get();
        Thread.sleep(1000); // writes after the hand-over position are the consumer's to apply
        writer.stop.set(true);
        writing.join();
        assertThat(writer.failure).isNull();
        assertThat(backfill.exit()).as(backfill.toString()).isZero();
        assertThat(backfill.out()).contains("backfill done").contains("hand-over position");
        var result = ((BackfillCommand) backfill.command()).result();
        assertThat(result.scanned()).isGreaterThanOrEqualTo(1500);
        assertThat(result.streamRecords()).isGreaterThan(1500); // the load plus writes made during the scan
        assertThat(opsDuringBackfill).isGreaterThan(0);
        System.out.printf("writer: %d inserts, %d updates, %d deletes (%d before backfill returned)%n",
                writer.inserts.get(), writer.updates.get(), writer.deletes.get(), opsDuringBackfill);

        // Hand over: a consumer with no checkpoint reads the stream from TRIM_HORIZON. Records up to the
        // hand-over position are claimed (skipped for counts; older index versions rejected); later ones apply.
        Path all = dir.resolve("stream.jsonl");
        assertThat(Cli.run(stack, "capture", "--out", all.toString(), "--idle", "2").exit()).isZero();
        Cli.Run consume = Cli.run(stack, "replay", all.toString(), "--reactions", "derived-tables,search-index");
        assertThat(consume.exit()).as(consume.toString()).isZero();

        kit.effects().assertIndexMatchesTable();
        kit.effects().assertDerivedTablesMatchTable();
        assertThat(kit.effects().stat(DerivedEffects.DELETED)).isEqualTo(writer.deletes.get());
        assertThat(kit.effects().deadLetters()).isEmpty();

        // A second backfill with everything consistent changes nothing.
        var statsBefore = kit.effects().stats();
        Cli.Run again = Cli.run(stack, "backfill");
        assertThat(again.exit()).isZero();
        assertThat(kit.effects().stats()).isEqualTo(statsBefore);
        kit.effects().assertIndexMatchesTable();
        kit.effects().assertDerivedTablesMatchTable();
    }
}
