package io.userstreams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.mget.MultiGetResponseItem;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Watches the effects of chosen users from outside any runtime, as a user of the product sees them:
 * the search document (realtime multi-get every 20 ms: visible to a GET, before the index refresh)
 * and the welcome message (read from the queue the welcome topic delivers into).
 */
final class EffectWatch implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenSearchClient openSearch;
    private final String index;
    private final SqsClient sqs;
    private final String welcomeQueueUrl;
    /** userId → when it was written. */
    private final Map<String, Long> pendingIndexed = new ConcurrentHashMap<>();
    private final Map<String, Long> pendingWelcome = new ConcurrentHashMap<>();
    /** userId → when it was written, for every watched user. */
    final Map<String, Long> writtenAt = new ConcurrentHashMap<>();
    final Map<String, Long> indexedAt = new ConcurrentHashMap<>();
    final Map<String, Long> welcomedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> welcomeSeen = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    private final List<Thread> threads = new ArrayList<>();

    EffectWatch(OpenSearchClient openSearch, String index, SqsClient sqs, String welcomeQueueUrl) {
        this.openSearch = openSearch;
        this.index = index;
        this.sqs = sqs;
        this.welcomeQueueUrl = welcomeQueueUrl;
        threads.add(start("watch-index", this::pollIndex));
        if (welcomeQueueUrl != null) {
            threads.add(start("watch-welcome", this::pollWelcome));
        }
    }

    private Thread start(String name, Runnable loop) {
        Thread t = new Thread(() -> {
            while (!stopped) {
                try {
                    loop.run();
                } catch (RuntimeException e) {
                    sleep(50);
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Starts watching a user written at {@code writtenAt}. */
    void watch(String userId, long writtenAt, boolean welcome) {
        this.writtenAt.put(userId, writtenAt);
        pendingIndexed.put(userId, writtenAt);
        if (welcome && welcomeQueueUrl != null) {
            Long seen = welcomeSeen.get(userId);
            if (seen != null) {
                welcomedAt.put(userId, seen);
            } else {
                pendingWelcome.put(userId, writtenAt);
            }
        }
    }

    private void pollIndex() {
        List<String> ids = new ArrayList<>(pendingIndexed.keySet());
        if (ids.isEmpty()) {
            sleep(10);
            return;
        }
        for (int from = 0; from < ids.size(); from += 200) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 200));
            try {
                var response = openSearch.mget(m -> m.index(index).ids(chunk).realtime(true), Map.class);
                long now = System.currentTimeMillis();
                for (MultiGetResponseItem<Map> item : response.docs()) {
                    if (item.isResult() && item.result().found()) {
                        String id = item.result().id();
                        if (pendingIndexed.remove(id) != null) {
                            indexedAt.put(id, now);
                        }
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                sleep(50);
            }
        }
        sleep(20);
    }

    private void pollWelcome() {
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(welcomeQueueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(1).messageAttributeNames("All")).messages();
        long now = System.currentTimeMillis();
        List<DeleteMessageBatchRequestEntry> delete = new ArrayList<>();
        for (Message m : messages) {
            String id = userId(m);
            if (id != null) {
                welcomeSeen.putIfAbsent(id, now);
                if (pendingWelcome.remove(id) != null) {
                    welcomedAt.put(id, now);
                }
            }
            delete.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(delete.size()))
                    .receiptHandle(m.receiptHandle()).build());
        }
        if (!delete.isEmpty()) {
            sqs.deleteMessageBatch(r -> r.queueUrl(welcomeQueueUrl).entries(delete));
        }
    }

    private static String userId(Message m) {
        var attribute = m.messageAttributes().get("userId");
        if (attribute != null) {
            return attribute.stringValue();
        }
        try {
            JsonNode body = JSON.readTree(m.body());
            JsonNode value = body.path("MessageAttributes").path("userId").path("Value");
            return value.isMissingNode() ? null : value.asText();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopped = true;
        for (Thread t : threads) {
            try {
                t.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
