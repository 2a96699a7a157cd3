package io.github.lc4j.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.core.cstep.CStepSolverFactory;
import io.github.lc4j.core.registry.BackendRegistry;
import java.util.Map;

/**
 * The composition root: backends discovered with {@link java.util.ServiceLoader} into a
 * {@code MapBinder<String, BackendProvider>}, the registry, the C-step solvers and the LC
 * service. A host overrides any binding with {@code Modules.override(new Lc4jModule(...))}.
 */
public final class Lc4jModule extends AbstractModule {
    private final BackendConfig config;
    private final ClassLoader loader;

    /** Uses every processor and the context class loader. */
    public Lc4jModule() {
        this(BackendConfig.defaults(), Thread.currentThread().getContextClassLoader());
    }

    /** Uses {@code config} and discovers backends through {@code loader}. */
    public Lc4jModule(BackendConfig config, ClassLoader loader) {
        this.config = config;
        this.loader = loader == null ? Lc4jModule.class.getClassLoader() : loader;
    }

    @Override
    protected void configure() {
        binder().requireExplicitBindings();
        MapBinder<String, BackendProvider> backends =
                MapBinder.newMapBinder(binder(), String.class, BackendProvider.class);
        BackendRegistry.discover(loader)
                .forEach((name, provider) -> backends.addBinding(name).toInstance(provider));
        bind(BackendConfig.class).toInstance(config);
        bind(CStepSolverFactory.class).toInstance(CStepSolverFactory.DEFAULT);
        bind(LcAlgorithm.class).in(Singleton.class);
        bind(Lc4j.class).in(Singleton.class);
    }

    @Provides
    @Singleton
    BackendRegistry registry(Map<String, BackendProvider> providers, BackendConfig backendConfig) {
        return new BackendRegistry(providers, backendConfig, System.getenv());
    }
}
