package io.github.lc4j.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendRegistryTest {
    private static BackendProvider provider(String name, int rank) {
        BackendProvider provider = mock(BackendProvider.class);
        Backend backend = mock(Backend.class);
        when(backend.name()).thenReturn(name);
        when(provider.name()).thenReturn(name);
        when(provider.rank()).thenReturn(rank);
        when(provider.create(any())).thenReturn(backend);
        return provider;
    }

    private static BackendProvider failing(String name, int rank, String why) {
        BackendProvider provider = mock(BackendProvider.class);
        when(provider.name()).thenReturn(name);
        when(provider.rank()).thenReturn(rank);
        when(provider.create(any())).thenThrow(new UnsatisfiedLinkError(why));
        return provider;
    }

    private static BackendRegistry registry(Map<String, String> environment, BackendProvider... providers) {
        Map<String, BackendProvider> byName = new LinkedHashMap<>();
        for (BackendProvider provider : providers) {
            byName.put(provider.name(), provider);
        }
        return new BackendRegistry(byName, BackendConfig.withThreads(1), environment);
    }

    @AfterEach
    void clearProperty() {
        System.clearProperty(BackendRegistry.PROPERTY);
    }

    @Test
    void lowestRankWins() {
        BackendRegistry registry = registry(Map.of(), provider("slow", 100), provider("fast", 10));
        assertEquals("fast", registry.select(null).name());
        assertEquals(java.util.List.of("fast", "slow"), registry.names());
    }

    @Test
    void explicitNameBeatsPropertyBeatsEnvironmentBeatsRank() {
        BackendProvider a = provider("a", 1);
        BackendProvider b = provider("b", 2);
        BackendProvider c = provider("c", 3);
        BackendRegistry registry = registry(Map.of(BackendRegistry.ENVIRONMENT_VARIABLE, "c"), a, b, c);
        assertEquals("c", registry.select(null).name());
        System.setProperty(BackendRegistry.PROPERTY, "b");
        assertEquals("b", registry.select(null).name());
        assertEquals("a", registry.select("a").name());
    }

    @Test
    void unknownNameListsWhatWasFound() {
        BackendRegistry registry = registry(Map.of(), provider("cpu-java", 100), provider("nd4j", 20));
        BackendUnavailableException error =
                assertThrows(BackendUnavailableException.class, () -> registry.select("tensorflow"));
        assertTrue(
                error.getMessage().contains("tensorflow")
                        && error.getMessage().contains("cpu-java")
                        && error.getMessage().contains("nd4j"),
                error.getMessage());
    }

    @Test
    void unavailableBackendIsSkippedWithItsReasonUnlessAskedFor() {
        BackendProvider broken = failing("native", 1, "no libnative.so in java.library.path");
        BackendRegistry registry = registry(Map.of(), broken, provider("cpu-java", 100));
        assertEquals("cpu-java", registry.select(null).name());
        assertTrue(registry.availability().get("native").contains("libnative.so"));
        BackendUnavailableException error =
                assertThrows(BackendUnavailableException.class, () -> registry.select("native"));
        assertTrue(
                error.getMessage().contains("native")
                        && error.getMessage().contains("libnative.so")
                        && error.getMessage().contains("cpu-java is available"),
                error.getMessage());
    }

    @Test
    void noAvailableBackendExplainsEachFailure() {
        BackendRegistry registry = registry(Map.of(), failing("x", 1, "missing x"), failing("y", 2, "missing y"));
        BackendUnavailableException error =
                assertThrows(BackendUnavailableException.class, () -> registry.select(null));
        assertTrue(
                error.getMessage().contains("missing x") && error.getMessage().contains("missing y"),
                error.getMessage());
    }

    @Test
    void emptyClasspathSaysHowToAddABackend() {
        BackendUnavailableException error = assertThrows(
                BackendUnavailableException.class, () -> registry(Map.of()).select(null));
        assertTrue(error.getMessage().contains("backend-cpu-java"), error.getMessage());
    }

    @Test
    void backendsAreCreatedOnceAndOnlyWhenNeeded() {
        BackendProvider fast = provider("fast", 1);
        BackendProvider slow = provider("slow", 2);
        BackendRegistry registry = registry(Map.of(), fast, slow);
        assertSame(registry.select(null), registry.select("fast"));
        verify(fast).create(any());
        verify(slow, never()).create(any());
    }

    /** Two test providers that both call themselves "twin". */
    public static final class TwinOne implements BackendProvider {
        @Override
        public String name() {
            return "twin";
        }

        @Override
        public int rank() {
            return 1;
        }

        @Override
        public Backend create(BackendConfig config) {
            throw new UnsupportedOperationException();
        }
    }

    /** The second "twin". */
    public static final class TwinTwo implements BackendProvider {
        @Override
        public String name() {
            return "twin";
        }

        @Override
        public int rank() {
            return 2;
        }

        @Override
        public Backend create(BackendConfig config) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void duplicateNamesFailAtDiscovery(@TempDir Path folder) throws IOException {
        Path services = folder.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(
                services.resolve(BackendProvider.class.getName()),
                TwinOne.class.getName() + "\n" + TwinTwo.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(
                new URL[] {folder.toUri().toURL()}, getClass().getClassLoader())) {
            Lc4jException error = assertThrows(Lc4jException.class, () -> BackendRegistry.discover(loader));
            assertTrue(
                    error.getMessage().contains("twin")
                            && error.getMessage().contains("TwinOne")
                            && error.getMessage().contains("TwinTwo"),
                    error.getMessage());
        }
    }
}
