package io.userstreams.localsns;

import java.util.List;
import java.util.Map;

/** The parameters of one call, independent of the wire protocol (Query form or AWS JSON). */
interface ActionInput {

    String string(String name);

    /** A string-to-string map such as {@code Attributes}. */
    Map<String, String> stringMap(String name);

    /** The {@code MessageAttributes} map of Publish or a batch entry. */
    Map<String, MessageAttribute> messageAttributes(String name);

    /** A list of structures such as {@code PublishBatchRequestEntries}. */
    List<ActionInput> list(String name);
}
