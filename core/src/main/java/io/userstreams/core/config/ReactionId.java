package io.userstreams.core.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Names the reactions a runtime can host (configuration, logs, metrics, dead letters); each can be
 * switched on or off with {@code REACTIONS}. The reactions themselves implement
 * {@link io.userstreams.core.reaction.RecordReaction}.
 */
public enum ReactionId {
    WELCOME_EMAIL("welcome-email"),
    DERIVED_TABLES("derived-tables"),
    SEARCH_INDEX("search-index");

    private final String id;

    ReactionId(String id) {
        this.id = id;
    }

    /** The name used in configuration, logs, metrics and dead letters. */
    public String id() {
        return id;
    }

    public static ReactionId fromId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (ReactionId r : values()) {
            if (r.id.equals(wanted)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown reaction '" + id + "': use one of "
                + Arrays.stream(values()).map(ReactionId::id).collect(Collectors.joining(", ")));
    }

    /** Parses a comma-separated list; blank means none, {@code all} means every reaction. */
    public static Set<ReactionId> parseList(String list) {
        if (list == null || list.isBlank()) {
            return EnumSet.noneOf(ReactionId.class);
        }
        if (list.trim().equalsIgnoreCase("all")) {
            return EnumSet.allOf(ReactionId.class);
        }
        EnumSet<ReactionId> set = EnumSet.noneOf(ReactionId.class);
        for (String part : list.split(",")) {
            if (!part.isBlank()) {
                set.add(fromId(part));
            }
        }
        return set;
    }

    public static String toList(Set<ReactionId> reactions) {
        return reactions.stream().map(ReactionId::id).collect(Collectors.joining(","));
    }
}
