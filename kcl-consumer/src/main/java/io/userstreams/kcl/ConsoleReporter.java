package io.userstreams.kcl;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.ProcessingMetrics;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One human line per processed record for a newcomer watching the terminal, e.g.
 * {@code INSERT u-123 → welcome email to k***@example.com, users_by_email +1, stats plan#pro +1, indexed v1}.
 * Emails are masked; nothing else personal is printed. JSON logs go elsewhere.
 */
final class ConsoleReporter implements ProcessingMetrics, ShardProcessor.Listener {

    private final PrintStream out;
    private final Map<String, List<String>> effects = new ConcurrentHashMap<>();

    ConsoleReporter(PrintStream out) {
        this.out = out;
    }

    @Override
    public void recordProcessed(ReactionId reaction, ChangeRecord record) {
        String effect = describe(reaction, record);
        if (effect != null) {
            effects.computeIfAbsent(record.eventId(), k -> new ArrayList<>()).add(effect);
        }
    }

    @Override
    public void recordDeadLettered(ReactionId reaction, ChangeRecord record, Throwable error) {
        effects.computeIfAbsent(record.eventId(), k -> new ArrayList<>())
                .add(reaction.id() + " DEAD-LETTERED (" + error.getClass().getSimpleName() + ")");
    }

    @Override
    public void completed(String shardId, List<ChangeRecord> done) {
        StringBuilder lines = new StringBuilder();
        for (ChangeRecord r : done) {
            List<String> e = effects.remove(r.eventId());
            lines.append(r.kind()).append(r.ttlExpiry() ? " (TTL)" : "").append(' ')
                    .append(r.userId().orElse("?")).append(" → ")
                    .append(e == null || e.isEmpty() ? "nothing to do" : String.join(", ", e)).append('\n');
        }
        out.print(lines);
        out.flush();
    }

    static String describe(ReactionId reaction, ChangeRecord r) {
        Map<String, AttributeValue> img = r.kind() == ChangeKind.REMOVE ? r.oldImage() : r.newImage();
        return switch (reaction) {
            case WELCOME_EMAIL -> r.kind() == ChangeKind.INSERT ? "welcome email to " + mask(text(img, "email")) : null;
            case DERIVED_TABLES -> switch (r.kind()) {
                case INSERT -> "users_by_email +1, stats plan#" + text(img, "plan") + " +1 country#" + text(img, "country") + " +1";
                case MODIFY -> modified(r);
                case REMOVE -> "users_by_email -1, stats plan#" + text(img, "plan") + " -1 country#"
                        + text(img, "country") + " -1 " + (r.ttlExpiry() ? "total#expired" : "total#deleted") + " +1";
            };
            case SEARCH_INDEX -> r.kind() == ChangeKind.REMOVE ? "removed from index"
                    : "indexed v" + (img.containsKey("version") ? img.get("version").n() : "?");
        };
    }

    /** What a MODIFY changes in the derived tables (email mapping, plan and country counters). */
    private static String modified(ChangeRecord r) {
        List<String> parts = new ArrayList<>();
        for (String field : new String[] {"email", "plan", "country"}) {
            String before = text(r.oldImage(), field);
            String after = text(r.newImage(), field);
            if (!before.equals(after)) {
                parts.add(field.equals("email") ? "users_by_email " + mask(before) + " → " + mask(after)
                        : "stats " + field + "#" + before + " -1 " + field + "#" + after + " +1");
            }
        }
        return parts.isEmpty() ? "derived tables unchanged" : String.join(", ", parts);
    }

    private static String text(Map<String, AttributeValue> img, String name) {
        AttributeValue v = img.get(name);
        return v == null || v.s() == null ? "?" : v.s();
    }

    /** k***@example.com: enough to recognise a test user, not enough to leak an address. */
    static String mask(String email) {
        int at = email == null ? -1 : email.indexOf('@');
        if (at < 1) {
            return "***";
        }
        return email.charAt(0) + "***" + email.substring(at);
    }
}
