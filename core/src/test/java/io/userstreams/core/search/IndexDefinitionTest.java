package io.userstreams.core.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class IndexDefinitionTest {

    @Test
    void readsTheIndexFromTheTemplateInTheJar() {
        IndexDefinition d = IndexDefinition.fromTemplate();
        assertThat(d.name()).isEqualTo("users");
        assertThat(d.settings()).containsEntry("gc_deletes", "15d");
        assertThat(d.mappings()).containsEntry("dynamic", "strict");
        assertThat(d.createBody()).contains("\"gc_deletes\":\"15d\"").contains("\"userId\":{\"type\":\"keyword\"}");
    }

    @Test
    void cloudFormationTagsAreOpaque() {
        String yaml = """
                Resources:
                  Fn:
                    Properties:
                      Role: !GetAtt Role.Arn
                      Env: !Sub "${AWS::Region}-x"
                      List: !Split [",", "a,b"]
                  SearchDomain:
                    Metadata:
                      UserStreams:
                        Index:
                          Name: !Ref IndexName
                """;
        Object root = IndexDefinition.loadTemplate(yaml);
        assertThat(root).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> fn = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) root)
                .get("Resources")).get("Fn");
        assertThat(fn.get("Properties").toString()).contains("!GetAtt=Role.Arn").contains("!Sub=${AWS::Region}-x");
        // A tag where a plain name is required is a clear error, not a crash.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> IndexDefinition.fromTemplate(yaml))
                .hasMessageContaining("Index.Name is missing");
    }
}
