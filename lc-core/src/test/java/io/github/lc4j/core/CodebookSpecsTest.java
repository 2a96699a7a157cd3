package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Codebook;
import io.github.lc4j.api.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CodebookSpecsTest {
    @Test
    void everyFormParses() {
        assertEquals(Codebook.adaptive(4), CodebookSpecs.parse("adaptive", 4));
        assertEquals(Codebook.adaptive(8), CodebookSpecs.parse("adaptive:8", null));
        assertEquals(
                Codebook.adaptive(8, Codebook.Adaptive.Method.LLOYD), CodebookSpecs.parse("adaptive:8:lloyd", null));
        assertEquals(
                Codebook.adaptive(8, Codebook.Adaptive.Method.EXACT), CodebookSpecs.parse("adaptive:8:exact", null));
        assertEquals(
                "adaptive:8:lloyd",
                Codebook.adaptive(8, Codebook.Adaptive.Method.LLOYD).describe());
        assertEquals(Codebook.binary(), CodebookSpecs.parse("binary", null));
        assertEquals(Codebook.ternary(), CodebookSpecs.parse("ternary", null));
        assertEquals(Codebook.scaledBinary(), CodebookSpecs.parse("scaled-binary", null));
        assertEquals(Codebook.scaledTernary(), CodebookSpecs.parse("scaled-ternary", null));
        assertEquals(Codebook.powersOfTwo(3), CodebookSpecs.parse("pow2:3", null));
        assertEquals(Codebook.scaledPowersOfTwo(2), CodebookSpecs.parse("scaled-pow2:2", null));
        assertEquals(Codebook.fixed(-3, -1, 1, 3), CodebookSpecs.parse("fixed:3,-1,1,-3", null));
        assertEquals(Codebook.scaled(-3, -1, 1, 3), CodebookSpecs.parse("scaled:-3,-1,1,3", null));
        assertEquals(Codebook.partiallyFixed(2, 0), CodebookSpecs.parse("partial:0+2", null));
        assertEquals("partial:0+2", Codebook.partiallyFixed(2, 0).describe());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "adaptive",
                "adaptive:0",
                "adaptive:x",
                "kmeans:4",
                "binary:2",
                "pow2",
                "fixed:1,1",
                "fixed:a",
                "partial:0",
                "scaled:0",
                "pow2:99",
                "adaptive:4:fast",
                "adaptive:4:exact:x"
            })
    void badSpecsAreRejectedWithTheGrammar(String spec) {
        InvalidInputException error = assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse(spec, null));
        assertTrue(error.getMessage().contains("'" + spec + "'"), error.getMessage());
        assertTrue(error.getMessage().contains("adaptive[:K[:exact|lloyd]]"), error.getMessage());
    }

    @Test
    void kMustAgreeWithTheSpec() {
        assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse("adaptive:4", 8));
        assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse("adaptive", 0));
        assertThrows(InvalidInputException.class, () -> CodebookSpecs.parse("ternary", 2));
    }
}
