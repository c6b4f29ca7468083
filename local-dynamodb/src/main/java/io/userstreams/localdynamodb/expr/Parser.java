package io.userstreams.localdynamodb.expr;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.localdynamodb.expr.Ast.And;
import io.userstreams.localdynamodb.expr.Ast.Arithmetic;
import io.userstreams.localdynamodb.expr.Ast.Between;
import io.userstreams.localdynamodb.expr.Ast.Compare;
import io.userstreams.localdynamodb.expr.Ast.Condition;
import io.userstreams.localdynamodb.expr.Ast.Function;
import io.userstreams.localdynamodb.expr.Ast.IfNotExists;
import io.userstreams.localdynamodb.expr.Ast.In;
import io.userstreams.localdynamodb.expr.Ast.ListAppend;
import io.userstreams.localdynamodb.expr.Ast.Not;
import io.userstreams.localdynamodb.expr.Ast.Operand;
import io.userstreams.localdynamodb.expr.Ast.Or;
import io.userstreams.localdynamodb.expr.Ast.PathOperand;
import io.userstreams.localdynamodb.expr.Ast.SetAction;
import io.userstreams.localdynamodb.expr.Ast.SetValueAction;
import io.userstreams.localdynamodb.expr.Ast.SizeOperand;
import io.userstreams.localdynamodb.expr.Ast.Update;
import io.userstreams.localdynamodb.expr.Ast.ValueOperand;
import io.userstreams.localdynamodb.expr.Lexer.Kind;
import io.userstreams.localdynamodb.expr.Lexer.Token;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.item.Values;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Recursive-descent parser of DynamoDB's condition, key condition, update and projection expressions. */
public final class Parser {
    private static final Set<String> RESERVED = loadReservedWords();
    private static final Set<String> CONDITION_FUNCTIONS = Set.of(
            "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains");
    private static final Set<String> TYPES = Set.of("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M");
    private static final int MAX_IN_OPERANDS = 100;

    private final String text;
    private final String kind;
    private final ExpressionAttributes attributes;
    private final List<Token> tokens;
    private int position;

    private Parser(String text, String kind, ExpressionAttributes attributes) {
        this.text = text;
        this.kind = kind;
        this.attributes = attributes;
        if (text.isBlank()) {
            throw DynamoDbException.validation("Invalid " + kind + ": The expression can not be empty;");
        }
        this.tokens = Lexer.tokenize(text, kind);
    }

    /** ConditionExpression, FilterExpression or KeyConditionExpression (kind is the parameter name, for messages). */
    public static Condition condition(String text, String kind, ExpressionAttributes attributes) {
        Parser parser = new Parser(text, kind, attributes);
        Condition condition = parser.orCondition();
        parser.expect(Kind.EOF);
        return condition;
    }

    public static Update update(String text, ExpressionAttributes attributes) {
        Parser parser = new Parser(text, "UpdateExpression", attributes);
        Update update = parser.updateExpression();
        checkOverlaps(update.paths(), "UpdateExpression");
        return update;
    }

    public static List<Path> projection(String text, ExpressionAttributes attributes) {
        Parser parser = new Parser(text, "ProjectionExpression", attributes);
        List<Path> paths = new ArrayList<>();
        do {
            paths.add(parser.path());
        } while (parser.accept(Kind.COMMA));
        parser.expect(Kind.EOF);
        checkOverlaps(paths, "ProjectionExpression");
        return paths;
    }

    static void checkOverlaps(List<Path> paths, String kind) {
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                if (paths.get(i).overlaps(paths.get(j))) {
                    String problem = paths.get(i).equals(paths.get(j)) && kind.equals("UpdateExpression")
                            ? "Two document paths overlap with each other" : "Two document paths overlap with each other";
                    throw DynamoDbException.validation("Invalid " + kind + ": " + problem
                            + "; must remove or rewrite one of these paths; path one: " + paths.get(i).describe()
                            + ", path two: " + paths.get(j).describe());
                }
            }
        }
    }

    // ---------------------------------------------------------------- conditions

    private Condition orCondition() {
        Condition left = andCondition();
        while (peek().isWord("OR")) {
            position++;
            left = new Or(left, andCondition());
        }
        return left;
    }

    private Condition andCondition() {
        Condition left = notCondition();
        while (peek().isWord("AND")) {
            position++;
            left = new And(left, notCondition());
        }
        return left;
    }

    private Condition notCondition() {
        if (peek().isWord("NOT")) {
            position++;
            return new Not(notCondition());
        }
        return primaryCondition();
    }

    private Condition primaryCondition() {
        Token token = peek();
        if (token.kind() == Kind.LPAREN) {
            position++;
            Condition inner = orCondition();
            expect(Kind.RPAREN);
            return inner;
        }
        if (token.kind() == Kind.NAME && peekAt(1).kind() == Kind.LPAREN && !token.text().equals("size")) {
            String name = token.text();
            if (!CONDITION_FUNCTIONS.contains(name)) {
                if (name.equals("if_not_exists") || name.equals("list_append")) {
                    throw DynamoDbException.validation("Invalid " + kind
                            + ": The function is not allowed to be used this way in an expression; function: " + name);
                }
                throw DynamoDbException.validation("Invalid " + kind + ": Invalid function name; function: " + name);
            }
            position += 2;
            List<Operand> arguments = arguments();
            return function(name, arguments);
        }
        Operand left = operand();
        Token next = peek();
        switch (next.kind()) {
            case EQ, NE, LT, LE, GT, GE -> {
                position++;
                return new Compare(next.text(), left, operand());
            }
            default -> { }
        }
        if (next.isWord("BETWEEN")) {
            position++;
            Operand lower = operand();
            if (!peek().isWord("AND")) {
                throw syntaxError(peek());
            }
            position++;
            Operand upper = operand();
            if (lower instanceof ValueOperand lo && upper instanceof ValueOperand hi) {
                Integer order = Values.compareScalars(lo.value(), hi.value());
                if (order != null && order > 0) {
                    throw DynamoDbException.validation("Invalid " + kind
                            + ": The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                            + "lower bound operand: AttributeValue: " + render(lo.value()) + ", upper bound operand: AttributeValue: "
                            + render(hi.value()));
                }
            }
            return new Between(left, lower, upper);
        }
        if (next.isWord("IN")) {
            position++;
            expect(Kind.LPAREN);
            List<Operand> candidates = new ArrayList<>();
            do {
                candidates.add(operand());
            } while (accept(Kind.COMMA));
            expect(Kind.RPAREN);
            if (candidates.size() > MAX_IN_OPERANDS) {
                throw DynamoDbException.validation("Invalid " + kind
                        + ": The IN operator is provided with too many operands; number of operands: " + candidates.size());
            }
            return new In(left, candidates);
        }
        if (left instanceof SizeOperand) {
            throw DynamoDbException.validation("Invalid " + kind
                    + ": The function is not allowed to be used this way in an expression; function: size");
        }
        throw syntaxError(next);
    }

    private Condition function(String name, List<Operand> arguments) {
        int expected = name.startsWith("attribute_exists") || name.startsWith("attribute_not_exists") ? 1 : 2;
        if (arguments.size() != expected) {
            throw DynamoDbException.validation("Invalid " + kind
                    + ": Incorrect number of operands for operator or function; operator or function: " + name
                    + ", number of operands: " + arguments.size());
        }
        if (!(arguments.get(0) instanceof PathOperand) && !name.equals("begins_with") && !name.equals("contains")) {
            throw DynamoDbException.validation("Invalid " + kind
                    + ": Operator or function requires a document path; operator or function: " + name);
        }
        if (name.equals("attribute_type")) {
            if (!(arguments.get(1) instanceof ValueOperand type) || !Values.type(type.value()).equals("S")) {
                throw DynamoDbException.validation("Invalid " + kind
                        + ": Incorrect operand type for operator or function; operator or function: attribute_type, operand type: "
                        + operandType(arguments.get(1)));
            }
            String typeName = type.value().get("S").textValue();
            if (!TYPES.contains(typeName)) {
                throw DynamoDbException.validation("Invalid " + kind + ": Invalid attribute type name found; type: "
                        + typeName + ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
            }
        }
        if (name.equals("begins_with")) {
            for (Operand argument : arguments) {
                if (argument instanceof ValueOperand v) {
                    String t = Values.type(v.value());
                    if (!t.equals("S") && !t.equals("B")) {
                        throw DynamoDbException.validation("Invalid " + kind
                                + ": Incorrect operand type for operator or function; operator or function: begins_with, operand type: "
                                + typeName(t));
                    }
                }
            }
        }
        return new Function(name, arguments);
    }

    private List<Operand> arguments() {
        List<Operand> arguments = new ArrayList<>();
        if (accept(Kind.RPAREN)) {
            return arguments;
        }
        do {
            arguments.add(operand());
        } while (accept(Kind.COMMA));
        expect(Kind.RPAREN);
        return arguments;
    }

    /** A path, a :value, or size(path). */
    private Operand operand() {
        Token token = peek();
        if (token.kind() == Kind.VALUE) {
            position++;
            return new ValueOperand(attributes.value(token.text(), kind), token.text());
        }
        if (token.kind() == Kind.NAME && peekAt(1).kind() == Kind.LPAREN) {
            String name = token.text();
            if (!name.equals("size")) {
                if (CONDITION_FUNCTIONS.contains(name) || name.equals("if_not_exists") || name.equals("list_append")) {
                    throw DynamoDbException.validation("Invalid " + kind
                            + ": The function is not allowed to be used this way in an expression; function: " + name);
                }
                throw DynamoDbException.validation("Invalid " + kind + ": Invalid function name; function: " + name);
            }
            position += 2;
            List<Operand> arguments = arguments();
            if (arguments.size() != 1) {
                throw DynamoDbException.validation("Invalid " + kind
                        + ": Incorrect number of operands for operator or function; operator or function: size, number of operands: "
                        + arguments.size());
            }
            if (!(arguments.get(0) instanceof PathOperand path)) {
                throw DynamoDbException.validation("Invalid " + kind
                        + ": Operator or function requires a document path; operator or function: size");
            }
            return new SizeOperand(path.path());
        }
        if (token.kind() == Kind.NAME || token.kind() == Kind.HASH_NAME) {
            return new PathOperand(path());
        }
        throw syntaxError(token);
    }

    Path path() {
        List<Object> elements = new ArrayList<>();
        elements.add(pathName());
        while (true) {
            if (accept(Kind.DOT)) {
                elements.add(pathName());
            } else if (peek().kind() == Kind.LBRACKET) {
                position++;
                Token index = peek();
                if (index.kind() != Kind.NUMBER) {
                    throw syntaxError(index);
                }
                position++;
                expect(Kind.RBRACKET);
                try {
                    elements.add(Integer.parseInt(index.text()));
                } catch (NumberFormatException e) {
                    throw syntaxError(index);
                }
            } else {
                return new Path(elements);
            }
        }
    }

    private String pathName() {
        Token token = peek();
        if (token.kind() == Kind.HASH_NAME) {
            position++;
            return attributes.name(token.text(), kind);
        }
        if (token.kind() == Kind.NAME) {
            position++;
            if (RESERVED.contains(token.text().toUpperCase(Locale.ROOT))) {
                throw DynamoDbException.validation("Invalid " + kind
                        + ": Attribute name is a reserved keyword; reserved keyword: " + token.text());
            }
            return token.text();
        }
        throw syntaxError(token);
    }

    // ---------------------------------------------------------------- update expressions

    private Update updateExpression() {
        List<SetAction> sets = new ArrayList<>();
        List<Path> removes = new ArrayList<>();
        List<SetValueAction> adds = new ArrayList<>();
        List<SetValueAction> deletes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (peek().kind() != Kind.EOF) {
            Token section = peek();
            String name = section.kind() == Kind.NAME ? section.text().toUpperCase(Locale.ROOT) : "";
            if (!Set.of("SET", "REMOVE", "ADD", "DELETE").contains(name)) {
                throw syntaxError(section);
            }
            position++;
            if (!seen.add(name)) {
                throw DynamoDbException.validation("Invalid UpdateExpression: The \"" + name
                        + "\" section can only be used once in an update expression;");
            }
            do {
                switch (name) {
                    case "SET" -> {
                        Path path = path();
                        expect(Kind.EQ);
                        sets.add(new SetAction(path, setValue()));
                    }
                    case "REMOVE" -> removes.add(path());
                    default -> {
                        Path path = path();
                        Token valueToken = peek();
                        if (valueToken.kind() != Kind.VALUE) {
                            throw syntaxError(valueToken);
                        }
                        position++;
                        JsonNode value = attributes.value(valueToken.text(), kind);
                        String type = Values.type(value);
                        boolean allowed = name.equals("ADD")
                                ? Set.of("N", "SS", "NS", "BS").contains(type)
                                : Set.of("SS", "NS", "BS").contains(type);
                        if (!allowed) {
                            throw DynamoDbException.validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
                                    + name + ", operand type: " + typeName(type));
                        }
                        (name.equals("ADD") ? adds : deletes).add(new SetValueAction(path, new ValueOperand(value, valueToken.text())));
                    }
                }
            } while (accept(Kind.COMMA));
        }
        if (seen.isEmpty()) {
            throw DynamoDbException.validation("Invalid UpdateExpression: The expression can not be empty;");
        }
        return new Update(sets, removes, adds, deletes);
    }

    private Operand setValue() {
        Operand left = setOperand();
        if (peek().kind() == Kind.PLUS || peek().kind() == Kind.MINUS) {
            char operator = peek().text().charAt(0);
            position++;
            Operand right = setOperand();
            return new Arithmetic(left, operator, right);
        }
        return left;
    }

    private Operand setOperand() {
        Token token = peek();
        if (token.kind() == Kind.VALUE) {
            position++;
            return new ValueOperand(attributes.value(token.text(), kind), token.text());
        }
        if (token.kind() == Kind.LPAREN) {
            position++;
            Operand inner = setValue();
            expect(Kind.RPAREN);
            return inner;
        }
        if (token.kind() == Kind.NAME && peekAt(1).kind() == Kind.LPAREN) {
            String name = token.text();
            position += 2;
            if (name.equals("if_not_exists")) {
                Operand first = setValue();
                expect(Kind.COMMA);
                Operand second = setValue();
                expect(Kind.RPAREN);
                if (!(first instanceof PathOperand path)) {
                    throw DynamoDbException.validation("Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists");
                }
                return new IfNotExists(path.path(), second);
            }
            if (name.equals("list_append")) {
                Operand first = setValue();
                expect(Kind.COMMA);
                Operand second = setValue();
                expect(Kind.RPAREN);
                for (Operand o : List.of(first, second)) {
                    if (o instanceof ValueOperand v && !Values.type(v.value()).equals("L")) {
                        throw DynamoDbException.validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: "
                                + typeName(Values.type(v.value())));
                    }
                }
                return new ListAppend(first, second);
            }
            if (CONDITION_FUNCTIONS.contains(name) || name.equals("size")) {
                throw DynamoDbException.validation("Invalid UpdateExpression: The function is not allowed in an update expression; function: " + name);
            }
            throw DynamoDbException.validation("Invalid UpdateExpression: Invalid function name; function: " + name);
        }
        if (token.kind() == Kind.NAME || token.kind() == Kind.HASH_NAME) {
            return new PathOperand(path());
        }
        throw syntaxError(token);
    }

    // ---------------------------------------------------------------- helpers

    private Token peek() {
        return tokens.get(position);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(position + ahead, tokens.size() - 1));
    }

    private boolean accept(Kind tokenKind) {
        if (peek().kind() == tokenKind) {
            position++;
            return true;
        }
        return false;
    }

    private void expect(Kind tokenKind) {
        if (!accept(tokenKind)) {
            throw syntaxError(peek());
        }
    }

    private DynamoDbException syntaxError(Token token) {
        int nearStart = position > 0 ? tokens.get(position - 1).start() : token.start();
        int nearEnd = token.kind() == Kind.EOF ? token.end() : peekAt(1).kind() == Kind.EOF ? token.end() : peekAt(1).end();
        return Lexer.syntax(kind, token.text(), text, nearStart, nearEnd);
    }

    private static String operandType(Operand operand) {
        if (operand instanceof ValueOperand v) {
            return typeName(Values.type(v.value()));
        }
        return "PATH";
    }

    static String typeName(String type) {
        return switch (type) {
            case "S" -> "STRING";
            case "N" -> "NUMBER";
            case "B" -> "BINARY";
            case "BOOL" -> "BOOLEAN";
            case "NULL" -> "NULL";
            case "SS" -> "STRING_SET";
            case "NS" -> "NUMBER_SET";
            case "BS" -> "BINARY_SET";
            case "L" -> "LIST";
            case "M" -> "MAP";
            default -> type;
        };
    }

    private static String render(JsonNode value) {
        String type = Values.type(value);
        return "{" + type + ":" + Values.payload(value).asText() + "}";
    }

    private static Set<String> loadReservedWords() {
        Set<String> words = new HashSet<>();
        try (InputStream in = Parser.class.getResourceAsStream("reserved-words.txt")) {
            if (in == null) {
                throw new IllegalStateException("reserved-words.txt missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank()) {
                    words.add(line.trim().toUpperCase(Locale.ROOT));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(words);
    }
}
