package io.github.lc4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.CompressionMethod;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.core.Lc4j;
import io.github.lc4j.core.data.DataSets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host's whole ONNX path through the facade: read (file, bytes, stream), compress, write plain and compact. */
class OnnxNetTest {
    @TempDir
    Path folder;

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = OnnxNetTest.class.getResourceAsStream("/io/github/lc4j/onnx/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aFileItsBytesAndAStreamOfThemReadAsOneNet() throws IOException {
        byte[] bytes = fixture("lenet300.onnx");
        Path file = folder.resolve("lenet300.onnx");
        Files.write(file, bytes);
        OnnxNet fromFile = OnnxNet.read(file);
        OnnxNet fromBytes = OnnxNet.read(bytes, "lenet300");
        OnnxNet fromStream = OnnxNet.read(new ByteArrayInputStream(bytes), "lenet300");
        for (OnnxNet net : new OnnxNet[] {fromBytes, fromStream}) {
            assertEquals(fromFile.model().parameters(), net.model().parameters());
            assertEquals(fromFile.weights(), net.weights());
        }
        InvalidInputException garbage =
                assertThrows(InvalidInputException.class, () -> OnnxNet.read(new byte[] {1, 2, 3, 4}, "upload-7"));
        assertTrue(garbage.getMessage().startsWith("ONNX model upload-7"), garbage.getMessage());
    }

    @Test
    void aCompressedNetWritesBackPlainAndCompactAndReadsAsTheQuantizedNet() throws IOException {
        OnnxNet net = OnnxNet.read(fixture("lenet300.onnx"), "lenet300");
        LcResult result;
        try (Lc4j lc4j = Lc4j.builder().backend("cpu-java").threads(1).build()) {
            result = lc4j.compress(net.compression()
                    .data(DataSets.embeddedFashionMnist())
                    .codebook(Codebook.adaptive(2))
                    .method(CompressionMethod.DIRECT_COMPRESSION)
                    .build());
        }
        Path plain = folder.resolve("plain.onnx");
        Path compact = folder.resolve("compact.onnx");
        net.write(plain, result.quantized());
        net.writeCompact(compact, result.quantized());
        assertTrue(Files.size(compact) * 5 < Files.size(plain), Files.size(compact) + " against " + Files.size(plain));
        for (Path file : new Path[] {plain, compact}) {
            OnnxNet back = OnnxNet.read(file);
            assertEquals(result.quantized(), back.weights(), file.toString());
            for (ParameterSpec parameter : back.model().parameters()) {
                if (parameter.role() == ParameterSpec.Role.WEIGHT) {
                    Set<Float> values = new HashSet<>();
                    for (float value : back.weights().get(parameter.name())) {
                        values.add(value);
                    }
                    assertEquals(2, values.size(), file + " " + parameter.name());
                }
            }
        }
    }
}
