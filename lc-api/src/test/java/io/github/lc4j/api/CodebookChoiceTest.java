package io.github.lc4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CodebookChoiceTest {

    @Test
    void aChoiceCostsItsLargestCandidateUntilItChooses() {
        Codebook.Choice choice = Codebook.adaptiveChoice(1, 2, 4, 8, 16);
        assertEquals("auto:1,2,4,8,16", choice.describe());
        assertEquals(16, choice.size());
        assertEquals(4, choice.bitsPerWeight());
        assertEquals(Codebook.adaptive(16).storageBits(1000), choice.storageBits(1000));
        Codebook.Choice mixed = Codebook.choice(Codebook.scaledBinary(), Codebook.scaledTernary());
        assertEquals("auto:scaled:-1,1|scaled:-1,0,1", mixed.describe());
        assertEquals(2 * 1000 + 32, mixed.storageBits(1000));
    }

    @Test
    void aChoiceRefusesNestingRepeatsAndNothing() {
        IllegalArgumentException nested = assertThrows(
                IllegalArgumentException.class,
                () -> Codebook.choice(Codebook.adaptive(2), Codebook.adaptiveChoice(1, 2)));
        assertTrue(nested.getMessage().contains("another choice"), nested.getMessage());
        IllegalArgumentException repeated =
                assertThrows(IllegalArgumentException.class, () -> Codebook.adaptiveChoice(2, 4, 2));
        assertTrue(repeated.getMessage().contains("twice"), repeated.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Codebook.Choice(List.of()));
    }

    @Test
    void aBudgetCountsBitsPerCompressedWeightOrTheWholeNetsRatio() {
        // 1000 parameters, 900 compressed, 100 left in float32
        assertEquals(900 + 3200, BitBudget.bitsPerWeight(1).totalBits(1000, 900, 3200));
        assertEquals(1000 * 32 / 20, BitBudget.compressionRatio(20).totalBits(1000, 900, 3200));
        assertEquals("1 bit per weight", BitBudget.bitsPerWeight(1).describe());
        assertEquals("1.5 bits per weight", BitBudget.bitsPerWeight(1.5).describe());
        assertEquals("ρ ≥ 30", BitBudget.compressionRatio(30).describe());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> BitBudget.bitsPerWeight(0));
        assertTrue(zero.getMessage().contains("got 0"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BitBudget.compressionRatio(0.5));
    }

    @Test
    void aBudgetAndAChoosingTaskComeTogether() {
        CompressionTask choosing = new CompressionTask("fc1", List.of("fc1.weight"), Codebook.adaptiveChoice(1, 2));
        CompressionTask fixed = new CompressionTask("fc2", List.of("fc2.weight"), Codebook.adaptive(2));
        IllegalArgumentException noBudget = assertThrows(
                IllegalArgumentException.class,
                () -> LcOptions.builder().setTasks(List.of(choosing, fixed)).build());
        assertTrue(noBudget.getMessage().contains("fc1=auto:1,2"), noBudget.getMessage());
        IllegalArgumentException noChoice = assertThrows(
                IllegalArgumentException.class,
                () -> LcOptions.builder()
                        .setTasks(List.of(fixed))
                        .optBitBudget(BitBudget.bitsPerWeight(1))
                        .build());
        assertTrue(noChoice.getMessage().contains("1 bit per weight"), noChoice.getMessage());
        LcOptions options = LcOptions.builder()
                .setTasks(List.of(choosing, fixed))
                .optBitBudget(BitBudget.compressionRatio(20))
                .build();
        assertTrue(options.choosesCodebooks());
        assertEquals(BitBudget.compressionRatio(20), options.bitBudget());
    }
}
