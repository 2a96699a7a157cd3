package io.github.lc4j.core.registry;

import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.BackendUnavailableException;
import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.Lc4jException;
import io.github.lc4j.api.spi.Backend;
import io.github.lc4j.api.spi.BackendConfig;
import io.github.lc4j.api.spi.BackendProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backends found on the classpath and the rule that picks one: an explicit name, else the
 * system property {@value #PROPERTY}, else the environment variable {@value #ENVIRONMENT_VARIABLE},
 * else the available backend of lowest rank. Created backends are cached per name.
 */
public final class BackendRegistry {
    /** System property naming the backend to use. */
    public static final String PROPERTY = "lc4j.backend";
    /** Environment variable naming the backend to use. */
    public static final String ENVIRONMENT_VARIABLE = "LC4J_BACKEND";

    private final Map<String, BackendProvider> providers;
    private final BackendConfig config;
    private final Map<String, String> environment;
    private final Map<String, Backend> created = new ConcurrentHashMap<>();

    /**
     * Creates a registry over {@code providers} (name → provider).
     *
     * @param environment where {@value #ENVIRONMENT_VARIABLE} is looked up, normally {@link System#getenv()}
     */
    public BackendRegistry(
            Map<String, BackendProvider> providers, BackendConfig config, Map<String, String> environment) {
        this.providers = Map.copyOf(requireNonNull(providers, "providers is null"));
        this.config = requireNonNull(config, "config is null");
        this.environment = Map.copyOf(requireNonNull(environment, "environment is null"));
    }

    /**
     * Finds every provider on the class path of {@code loader}.
     *
     * @throws Lc4jException when two providers share a name, naming both classes
     */
    public static Map<String, BackendProvider> discover(ClassLoader loader) {
        Map<String, BackendProvider> found = new LinkedHashMap<>();
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class, loader)) {
            BackendProvider previous = found.putIfAbsent(provider.name(), provider);
            if (previous != null) {
                throw new Lc4jException("two backends are called '" + provider.name() + "': "
                        + previous.getClass().getName() + " and "
                        + provider.getClass().getName()
                        + "; remove one of their jars from the classpath");
            }
        }
        return found;
    }

    /** Returns the providers, lowest rank first. */
    public List<BackendProvider> providers() {
        return sortedProviders();
    }

    /** Returns the provider names, lowest rank first. */
    public List<String> names() {
        return sortedProviders().stream().map(BackendProvider::name).toList();
    }

    /**
     * Returns the backend to use.
     *
     * @param explicitName a name given by the caller (API or {@code --backend}), or {@code null}
     * @throws BackendUnavailableException when the chosen name is unknown or cannot be created, or
     *                                     when no backend is available; the message lists every
     *                                     backend found and why each is unavailable
     */
    public Backend select(String explicitName) {
        String requested =
                firstNonBlank(explicitName, System.getProperty(PROPERTY), environment.get(ENVIRONMENT_VARIABLE));
        if (providers.isEmpty()) {
            throw new BackendUnavailableException("no lc4j backend is on the classpath; add one, e.g. the Maven"
                    + " artifact io.github.lc4j:backend-cpu-java");
        }
        if (requested != null) {
            BackendProvider provider = providers.get(requested);
            if (provider == null) {
                throw new BackendUnavailableException(
                        "unknown backend '" + requested + "'; backends found: " + names());
            }
            config.checkKeys(provider.name(), provider.properties());
            try {
                return create(provider);
            } catch (BackendUnavailableException e) {
                throw new BackendUnavailableException(
                        "backend '" + requested + "' is unavailable: " + e.getMessage() + describeOthers(requested), e);
            }
        }
        List<String> reasons = new ArrayList<>();
        for (BackendProvider provider : sortedProviders()) {
            Backend backend;
            try {
                backend = create(provider);
            } catch (BackendUnavailableException e) {
                reasons.add(provider.name() + ": " + e.getMessage());
                continue;
            }
            config.checkKeys(provider.name(), provider.properties());
            return backend;
        }
        throw new BackendUnavailableException("no lc4j backend is available: " + String.join("; ", reasons));
    }

    /** Returns, for every provider, "available" or the reason it cannot be created. */
    public Map<String, String> availability() {
        Map<String, String> status = new LinkedHashMap<>();
        for (BackendProvider provider : sortedProviders()) {
            try {
                create(provider);
                status.put(provider.name(), "available (rank " + provider.rank() + ")");
            } catch (BackendUnavailableException e) {
                status.put(provider.name(), "unavailable: " + e.getMessage());
            }
        }
        return status;
    }

    private String describeOthers(String requested) {
        StringBuilder text = new StringBuilder();
        availability().forEach((name, status) -> {
            if (!name.equals(requested)) {
                text.append("; ").append(name).append(" is ").append(status);
            }
        });
        return text.toString();
    }

    private Backend create(BackendProvider provider) {
        Backend existing = created.get(provider.name());
        if (existing != null) {
            return existing;
        }
        Backend backend;
        try {
            backend = provider.create(config);
        } catch (BackendUnavailableException | InvalidInputException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException(provider.name() + " failed to start: " + e, e);
        }
        created.put(provider.name(), backend);
        return backend;
    }

    private List<BackendProvider> sortedProviders() {
        List<BackendProvider> sorted = new ArrayList<>(providers.values());
        sorted.sort(Comparator.comparingInt(BackendProvider::rank).thenComparing(BackendProvider::name));
        return sorted;
    }

    private static String firstNonBlank(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.trim();
            }
        }
        return null;
    }
}
