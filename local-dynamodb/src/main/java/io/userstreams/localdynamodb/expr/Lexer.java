package io.userstreams.localdynamodb.expr;

import io.userstreams.localdynamodb.http.DynamoDbException;
import java.util.ArrayList;
import java.util.List;

/** Splits an expression into tokens; keeps offsets for DynamoDB's "near" in syntax errors. */
final class Lexer {
    enum Kind { NAME, HASH_NAME, VALUE, NUMBER, LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, DOT, EQ, NE, LT, LE, GT, GE, PLUS, MINUS, EOF }

    record Token(Kind kind, String text, int start, int end) {
        boolean isWord(String word) {
            return kind == Kind.NAME && text.equalsIgnoreCase(word);
        }
    }

    private Lexer() { }

    static List<Token> tokenize(String text, String kind) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int start = i;
            if (c == '#' || c == ':') {
                i++;
                while (i < n && isWordChar(text.charAt(i))) {
                    i++;
                }
                if (i == start + 1) {
                    throw syntax(kind, String.valueOf(c), text, start, i);
                }
                tokens.add(new Token(c == '#' ? Kind.HASH_NAME : Kind.VALUE, text.substring(start, i), start, i));
                continue;
            }
            if (isWordChar(c)) {
                boolean digits = true;
                while (i < n && isWordChar(text.charAt(i))) {
                    digits &= Character.isDigit(text.charAt(i));
                    i++;
                }
                tokens.add(new Token(digits ? Kind.NUMBER : Kind.NAME, text.substring(start, i), start, i));
                continue;
            }
            Kind punct;
            int length = 1;
            switch (c) {
                case '(' -> punct = Kind.LPAREN;
                case ')' -> punct = Kind.RPAREN;
                case '[' -> punct = Kind.LBRACKET;
                case ']' -> punct = Kind.RBRACKET;
                case ',' -> punct = Kind.COMMA;
                case '.' -> punct = Kind.DOT;
                case '=' -> punct = Kind.EQ;
                case '+' -> punct = Kind.PLUS;
                case '-' -> punct = Kind.MINUS;
                case '<' -> {
                    if (i + 1 < n && text.charAt(i + 1) == '=') {
                        punct = Kind.LE;
                        length = 2;
                    } else if (i + 1 < n && text.charAt(i + 1) == '>') {
                        punct = Kind.NE;
                        length = 2;
                    } else {
                        punct = Kind.LT;
                    }
                }
                case '>' -> {
                    if (i + 1 < n && text.charAt(i + 1) == '=') {
                        punct = Kind.GE;
                        length = 2;
                    } else {
                        punct = Kind.GT;
                    }
                }
                default -> throw syntax(kind, String.valueOf(c), text, start, start + 1);
            }
            i += length;
            tokens.add(new Token(punct, text.substring(start, i), start, i));
        }
        tokens.add(new Token(Kind.EOF, "<EOF>", n, n));
        return tokens;
    }

    private static boolean isWordChar(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }

    static DynamoDbException syntax(String kind, String token, String text, int nearStart, int nearEnd) {
        String near = text.substring(Math.max(0, nearStart), Math.min(text.length(), nearEnd));
        return DynamoDbException.validation("Invalid " + kind + ": Syntax error; token: \"" + token + "\", near: \"" + near + "\"");
    }
}
