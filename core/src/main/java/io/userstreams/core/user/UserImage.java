package io.userstreams.core.user;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An item parsed field by field ({@link UserValidator#parseFields}): a reaction checks only the
 * fields it uses, so one bad value (a plan another application invented) does not stop the others.
 *
 * @param user     the user; a field with a problem holds a placeholder and must not be used
 * @param problems field → why it cannot be used ({@link #ITEM} for the whole item), in field order
 */
public record UserImage(User user, Map<String, InvalidUserException> problems) {

    /** Problems of the whole item (size, nesting): every field is unusable. */
    public static final String ITEM = "item";

    public UserImage {
        problems = Collections.unmodifiableMap(new LinkedHashMap<>(problems));
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    public boolean usable(String field) {
        return !problems.containsKey(field) && !problems.containsKey(ITEM);
    }

    /** The first problem among {@code fields} (or of the whole item), or null when all are usable. */
    public InvalidUserException problemWith(Collection<String> fields) {
        InvalidUserException whole = problems.get(ITEM);
        if (whole != null) {
            return whole;
        }
        for (String field : fields) {
            InvalidUserException p = problems.get(field);
            if (p != null) {
                return p;
            }
        }
        return null;
    }
}
