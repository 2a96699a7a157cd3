package io.github.lc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The backend libraries' logging reaches the user only with --verbose. */
class QuietLibrariesTest {
    private final Level saved = Logger.getLogger("").getLevel();

    @AfterEach
    void restore() {
        Logger.getLogger("").setLevel(saved);
    }

    @Test
    void aLibrarysWarningsAreSilentUnlessVerbose() {
        Lc4jCommand.quietLibraries(false);
        // what ND4J logs through SLF4J lands in java.util.logging, below the threshold
        assertFalse(org.slf4j.LoggerFactory.getLogger("org.nd4j.linalg.factory.Nd4jBackend")
                .isWarnEnabled());
        assertEquals("slf4j", System.getProperty("org.bytedeco.javacpp.logger"));
        Lc4jCommand.quietLibraries(true);
        assertTrue(org.slf4j.LoggerFactory.getLogger("org.nd4j.linalg.factory.Nd4jBackend")
                .isInfoEnabled());
    }
}
