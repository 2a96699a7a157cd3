package io.github.lc4j.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.registry.BackendRegistry;
import java.util.List;
import java.util.Map;

/**
 * The composition root behind {@link Lc4j.Builder}: the backend providers in a
 * {@code MapBinder<String, BackendProvider>}, the registry, the C-step solvers and the LC
 * algorithm.
 */
final class Lc4jModule extends AbstractModule {
    private final BackendConfig config;
    private final Map<String, BackendProvider> providers;

    /** Binds {@code providers} (see {@link #providers}) with {@code config}. */
    Lc4jModule(BackendConfig config, Map<String, BackendProvider> providers) {
        this.config = config;
        this.providers = Map.copyOf(providers);
    }

    /**
     * Returns the providers found through {@code loader} plus {@code extra}, by name. Runs before
     * Guice, so that a clash is one {@link Lc4jException}, not wrapped in Guice's errors.
     *
     * @throws Lc4jException when two providers share a name, naming both classes
     */
    static Map<String, BackendProvider> providers(ClassLoader loader, List<BackendProvider> extra) {
        Map<String, BackendProvider> providers =
                BackendRegistry.discover(loader == null ? Lc4jModule.class.getClassLoader() : loader);
        for (BackendProvider provider : extra) {
            BackendProvider previous = providers.putIfAbsent(provider.name(), provider);
            if (previous != null) {
                throw new Lc4jException("two backends are called '" + provider.name() + "': "
                        + previous.getClass().getName() + " on the classpath and "
                        + provider.getClass().getName() + " added to the builder; rename or remove one");
            }
        }
        return providers;
    }

    @Override
    protected void configure() {
        binder().requireExplicitBindings();
        MapBinder<String, BackendProvider> backends =
                MapBinder.newMapBinder(binder(), String.class, BackendProvider.class);
        providers.forEach((name, provider) -> backends.addBinding(name).toInstance(provider));
        bind(BackendConfig.class).toInstance(config);
        bind(CStepSolverFactory.class).toInstance(CStepSolverFactory.DEFAULT);
        bind(LcAlgorithm.class).in(Singleton.class);
    }

    @Provides
    @Singleton
    BackendRegistry registry(Map<String, BackendProvider> providers, BackendConfig backendConfig) {
        return new BackendRegistry(providers, backendConfig, System.getenv());
    }
}
