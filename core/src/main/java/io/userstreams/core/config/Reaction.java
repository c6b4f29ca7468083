package io.userstreams.core.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The reactions a runtime can host; each can be switched on or off with {@code REACTIONS}. */
public enum Reaction {
    WELCOME_EMAIL("welcome-email"),
    DERIVED_TABLES("derived-tables"),
    SEARCH_INDEX("search-index");

    private final String id;

    Reaction(String id) {
        this.id = id;
    }

    /** The name used in configuration, logs, metrics and dead letters. */
    public String id() {
        return id;
    }

    public static Reaction fromId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (Reaction r : values()) {
            if (r.id.equals(wanted)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown reaction '" + id + "': use one of "
                + Arrays.stream(values()).map(Reaction::id).collect(Collectors.joining(", ")));
    }

    /** Parses a comma-separated list; blank means none, {@code all} means every reaction. */
    public static Set<Reaction> parseList(String list) {
        if (list == null || list.isBlank()) {
            return EnumSet.noneOf(Reaction.class);
        }
        if (list.trim().equalsIgnoreCase("all")) {
            return EnumSet.allOf(Reaction.class);
        }
        EnumSet<Reaction> set = EnumSet.noneOf(Reaction.class);
        for (String part : list.split(",")) {
            if (!part.isBlank()) {
                set.add(fromId(part));
            }
        }
        return set;
    }

    public static String toList(Set<Reaction> reactions) {
        return reactions.stream().map(Reaction::id).collect(Collectors.joining(","));
    }
}
