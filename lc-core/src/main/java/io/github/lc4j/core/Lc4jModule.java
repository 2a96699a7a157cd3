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
 * The composition root behind {@link Lc4j.Builder}: backends discovered with
 * {@link java.util.ServiceLoader} into a {@code MapBinder<String, BackendProvider>}, the registry,
 * the C-step solvers and the LC algorithm.
 */
final class Lc4jModule extends AbstractModule {
    private final BackendConfig config;
    private final ClassLoader loader;
    private final List<BackendProvider> extraProviders;

    /** Uses {@code config} and discovers backends through {@code loader}. */
    Lc4jModule(BackendConfig config, ClassLoader loader, List<BackendProvider> extraProviders) {
        this.config = config;
        this.extraProviders = List.copyOf(extraProviders);
        this.loader = loader == null ? Lc4jModule.class.getClassLoader() : loader;
    }

    @Override
    protected void configure() {
        binder().requireExplicitBindings();
        MapBinder<String, BackendProvider> backends =
                MapBinder.newMapBinder(binder(), String.class, BackendProvider.class);
        Map<String, BackendProvider> providers = BackendRegistry.discover(loader);
        for (BackendProvider extra : extraProviders) {
            BackendProvider previous = providers.putIfAbsent(extra.name(), extra);
            if (previous != null) {
                throw new Lc4jException("two backends are called '" + extra.name() + "': "
                        + previous.getClass().getName() + " on the classpath and "
                        + extra.getClass().getName() + " added to the builder; rename or remove one");
            }
        }
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
