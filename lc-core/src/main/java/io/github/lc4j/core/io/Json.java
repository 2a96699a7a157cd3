package io.github.lc4j.core.io;

import java.util.Collection;
import java.util.Map;

/**
 * Serializes maps, collections, strings, numbers, booleans, float/double/int arrays and null to
 * JSON text. Non-finite numbers become {@code null}, as JSON has no NaN.
 */
final class Json {
    private Json() {}

    /** Returns {@code value} as indented JSON. */
    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value, 0);
        return out.append('\n').toString();
    }

    private static void append(StringBuilder out, Object value, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String text) {
            appendString(out, text);
        } else if (value instanceof Boolean flag) {
            out.append(flag);
        } else if (value instanceof Double || value instanceof Float) {
            appendNumber(out, ((Number) value).doubleValue());
        } else if (value instanceof Number number) {
            out.append(number);
        } else if (value instanceof float[] array) {
            double[] doubles = new double[array.length];
            for (int i = 0; i < array.length; i++) {
                doubles[i] = array[i];
            }
            append(out, doubles, depth);
        } else if (value instanceof double[] array) {
            out.append('[');
            for (int i = 0; i < array.length; i++) {
                out.append(i > 0 ? ", " : "");
                appendNumber(out, array[i]);
            }
            out.append(']');
        } else if (value instanceof int[] array) {
            out.append('[');
            for (int i = 0; i < array.length; i++) {
                out.append(i > 0 ? ", " : "").append(array[i]);
            }
            out.append(']');
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.append(first ? "\n" : ",\n").append("  ".repeat(depth + 1));
                appendString(out, String.valueOf(entry.getKey()));
                out.append(": ");
                append(out, entry.getValue(), depth + 1);
                first = false;
            }
            out.append(first ? "}" : "\n" + "  ".repeat(depth) + "}");
        } else if (value instanceof Collection<?> list) {
            out.append('[');
            boolean first = true;
            for (Object element : list) {
                out.append(first ? "\n" : ",\n").append("  ".repeat(depth + 1));
                append(out, element, depth + 1);
                first = false;
            }
            out.append(first ? "]" : "\n" + "  ".repeat(depth) + "]");
        } else {
            appendString(out, value.toString());
        }
    }

    private static void appendNumber(StringBuilder out, double number) {
        if (!Double.isFinite(number)) {
            out.append("null");
        } else if (number == Math.rint(number) && Math.abs(number) < 1e15) {
            out.append((long) number);
        } else {
            out.append(number);
        }
    }

    private static void appendString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
