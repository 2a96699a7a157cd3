package io.github.lc4j.core.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.github.lc4j.api.InvalidInputException;
import java.io.IOException;

/**
 * lc4j's JSON through Jackson: reports (non-finite numbers written as {@code null}, as JSON has no
 * NaN) and checkpoint manifests (exact round trips: NaN kept as the string {@code "NaN"}).
 */
final class Json {
    private static final ObjectMapper REPORTS = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            // "key": value, as people and most tools write JSON
            .defaultPrettyPrinter(new DefaultPrettyPrinter()
                    .withSeparators(
                            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)))
            .addModule(new SimpleModule("lc4j-reports").addSerializer(Double.class, new FiniteOrNull()))
            .build();

    private static final ObjectMapper EXACT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    /** Returns {@code value} as indented JSON with non-finite numbers as {@code null}. */
    static String write(Object value) {
        try {
            return REPORTS.writeValueAsString(value) + "\n";
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write a report value as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Returns {@code value} as compact JSON that {@link #readExact} reads back to equal values. */
    static byte[] writeExact(Object value) {
        try {
            return EXACT.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write a value as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads JSON written by {@link #writeExact} as a tree.
     *
     * @throws InvalidInputException naming {@code source} when the text is not JSON
     */
    static JsonNode readExact(byte[] json, String source) {
        try {
            return EXACT.readTree(json);
        } catch (IOException e) {
            throw new InvalidInputException(source + " is not valid JSON: " + firstLine(e), e);
        }
    }

    /**
     * Converts a tree read by {@link #readExact} to {@code type}.
     *
     * @throws InvalidInputException naming {@code source} when the tree does not fit the type
     */
    static <T> T convert(JsonNode node, Class<T> type, String source) {
        try {
            return EXACT.treeToValue(node, type);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new InvalidInputException(
                    source + " does not hold a valid " + type.getSimpleName() + ": " + firstLine(e), e);
        }
    }

    private static String firstLine(Exception e) {
        String message = e instanceof JacksonException jackson ? jackson.getOriginalMessage() : e.getMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** Writes NaN and infinities as {@code null}. */
    private static final class FiniteOrNull extends StdSerializer<Double> {
        FiniteOrNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
            if (Double.isFinite(value)) {
                out.writeNumber(value);
            } else {
                out.writeNull();
            }
        }
    }
}
