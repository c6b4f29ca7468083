package io.userstreams.localstack.sns;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A topic: its settable attributes and its subscriptions (copy-on-write: publishes far outnumber subscribes). */
final class Topic {

    final String name;
    final String arn;
    private final Map<String, String> attributes;
    final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    Topic(String name, String arn, Map<String, String> attributes) {
        this.name = name;
        this.arn = arn;
        this.attributes = new LinkedHashMap<>(attributes);
    }

    synchronized Map<String, String> attributes() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    synchronized void setAttribute(String name, String value) {
        attributes.put(name, value);
    }
}
