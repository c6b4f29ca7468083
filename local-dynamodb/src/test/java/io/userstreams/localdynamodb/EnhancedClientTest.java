package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSortKey;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.enhanced.dynamodb.model.UpdateItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

class EnhancedClientTest extends ServerTestBase {

    @DynamoDbBean
    public static class Note {
        private String owner;
        private Integer seq;
        private String text;
        private Long version;
        private List<String> tags;

        @DynamoDbPartitionKey
        public String getOwner() { return owner; }
        public void setOwner(String owner) { this.owner = owner; }
        @DynamoDbSortKey
        public Integer getSeq() { return seq; }
        public void setSeq(Integer seq) { this.seq = seq; }
        public String getText() { return text; }
        public void setText(String text) { this.text = text; }
        @software.amazon.awssdk.enhanced.dynamodb.extensions.annotations.DynamoDbVersionAttribute
        public Long getVersion() { return version; }
        public void setVersion(Long version) { this.version = version; }
        public List<String> getTags() { return tags; }
        public void setTags(List<String> tags) { this.tags = tags; }
    }

    @Test
    void roundTripWithOptimisticLockingAndQuery() {
        DynamoDbEnhancedClient enhanced = DynamoDbEnhancedClient.builder().dynamoDbClient(client).build();
        DynamoDbTable<Note> notes = enhanced.table(uniqueName("notes"), TableSchema.fromBean(Note.class));
        notes.createTable();
        for (int i = 0; i < 3; i++) {
            Note note = new Note();
            note.setOwner("ann");
            note.setSeq(i);
            note.setText("note " + i);
            note.setTags(List.of("t" + i));
            notes.putItem(note);
        }
        Note first = notes.getItem(Key.builder().partitionValue("ann").sortValue(0).build());
        assertThat(first.getText()).isEqualTo("note 0");
        assertThat(first.getVersion()).isEqualTo(1L);
        first.setText("edited");
        Note updated = notes.updateItem(UpdateItemEnhancedRequest.builder(Note.class).item(first).build());
        assertThat(updated.getVersion()).isEqualTo(2L);
        Note stale = notes.getItem(Key.builder().partitionValue("ann").sortValue(0).build());
        stale.setVersion(1L);
        assertError(ConditionalCheckFailedException.class, "ConditionalCheckFailedException", null, () -> notes.putItem(stale));

        List<Note> after = notes.query(r -> r.queryConditional(QueryConditional.sortGreaterThan(Key.builder().partitionValue("ann").sortValue(0).build()))
                .filterExpression(Expression.builder().expression("contains(tags, :t)")
                        .putExpressionValue(":t", AttributeValue.fromS("t2")).build()))
                .items().stream().toList();
        assertThat(after).extracting(Note::getSeq).containsExactly(2);
        notes.deleteItem(Key.builder().partitionValue("ann").sortValue(1).build());
        assertThat(notes.scan().items().stream().count()).isEqualTo(2);
    }
}
