package io.github.lc4j.api;

/**
 * Thrown when a backend cannot be created (native libraries missing, unsupported platform) or
 * when the requested backend is not on the classpath. The message names the backend and the cause.
 */
public class BackendUnavailableException extends Lc4jException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception naming the backend and why it is unavailable. */
    public BackendUnavailableException(String message) {
        super(message);
    }

    /** Creates an exception naming the backend and why it is unavailable, keeping the cause. */
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Runs {@code loader} (which loads a backend's native libraries) and turns any failure into
     * one exception that names {@code backend}, the {@code natives} it needs and the root cause.
     */
    public static <T> T whileLoading(String backend, String natives, java.util.function.Supplier<T> loader) {
        try {
            return loader.get();
        } catch (BackendUnavailableException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            throw new BackendUnavailableException(
                    backend + " could not load its native libraries (" + natives + "): " + cause, e);
        }
    }
}
