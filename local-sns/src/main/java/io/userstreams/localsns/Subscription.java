package io.userstreams.localsns;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A confirmed subscription. Attributes can change while publishes read them, hence the volatile snapshot. */
final class Subscription {

    final String arn;
    final String topicArn;
    final String protocol;
    final String endpoint;
    private volatile Settings settings;

    /** The attributes a delivery needs, parsed once when set. */
    record Settings(Map<String, String> attributes, boolean raw, FilterPolicy filterPolicy, boolean bodyScope) {
    }

    Subscription(String arn, String topicArn, String protocol, String endpoint, Settings settings) {
        this.arn = arn;
        this.topicArn = topicArn;
        this.protocol = protocol;
        this.endpoint = endpoint;
        this.settings = settings;
    }

    Settings settings() {
        return settings;
    }

    void settings(Settings s) {
        this.settings = s;
    }

    Map<String, String> attributes() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(settings.attributes()));
    }
}
