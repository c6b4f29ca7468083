package io.userstreams.localdynamodb.expr;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The expression trees: operands, conditions and update actions (names and values already substituted). */
public final class Ast {
    private Ast() { }

    /** Something that evaluates to an AttributeValue (or to nothing, when a path is missing). */
    public sealed interface Operand permits PathOperand, ValueOperand, SizeOperand, IfNotExists, ListAppend, Arithmetic {}

    public record PathOperand(Path path) implements Operand {}

    public record ValueOperand(JsonNode value, String token) implements Operand {}

    public record SizeOperand(Path path) implements Operand {}

    public record IfNotExists(Path path, Operand fallback) implements Operand {}

    public record ListAppend(Operand first, Operand second) implements Operand {}

    public record Arithmetic(Operand left, char operator, Operand right) implements Operand {}

    /** A boolean condition. */
    public sealed interface Condition permits And, Or, Not, Compare, Between, In, Function {}

    public record And(Condition left, Condition right) implements Condition {}

    public record Or(Condition left, Condition right) implements Condition {}

    public record Not(Condition condition) implements Condition {}

    /** operator: = <> < <= > >= */
    public record Compare(String operator, Operand left, Operand right) implements Condition {}

    public record Between(Operand value, Operand lower, Operand upper) implements Condition {}

    public record In(Operand value, List<Operand> candidates) implements Condition {}

    /** attribute_exists, attribute_not_exists, attribute_type, begins_with, contains */
    public record Function(String name, List<Operand> arguments) implements Condition {}

    /** SET path = value */
    public record SetAction(Path path, Operand value) {}

    /** ADD path value / DELETE path value */
    public record SetValueAction(Path path, Operand value) {}

    public record Update(List<SetAction> sets, List<Path> removes, List<SetValueAction> adds, List<SetValueAction> deletes) {
        public List<Path> paths() {
            List<Path> paths = new java.util.ArrayList<>();
            sets.forEach(a -> paths.add(a.path()));
            paths.addAll(removes);
            adds.forEach(a -> paths.add(a.path()));
            deletes.forEach(a -> paths.add(a.path()));
            return paths;
        }
    }
}
