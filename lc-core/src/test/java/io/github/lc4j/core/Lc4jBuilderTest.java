package io.github.lc4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The facade's builder: providers added by the host, name clashes, the backend it is bound to. */
class Lc4jBuilderTest {
    private static BackendProvider provider(String name) {
        ModelSpec model = ModelSpec.of("m", new int[] {2}, List.of(Layer.dense("d", 2)));
        return new BackendProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int rank() {
                return 1;
            }

            @Override
            public Backend create(BackendConfig config) {
                return new QuadraticBackend(WeightInitializer.initialize(model, 1)) {
                    @Override
                    public String name() {
                        return name;
                    }
                };
            }
        };
    }

    @Test
    void anAddedProviderIsSelectableByName() {
        Lc4j lc4j = Lc4j.builder().addProvider(provider("mine")).backend("mine").build();
        assertEquals("mine", lc4j.backendName());
        assertEquals(
                List.of("mine"),
                lc4j.backends().stream().map(BackendStatus::name).toList());
    }

    @Test
    void twoProvidersWithOneNameAreOneLc4jErrorNamingBoth() {
        Lc4jException error = assertThrows(
                Lc4jException.class,
                () -> Lc4j.builder()
                        .addProvider(provider("twin"))
                        .addProvider(provider("twin"))
                        .build());
        assertTrue(error.getMessage().contains("two backends are called 'twin'"), error.getMessage());
    }
}
