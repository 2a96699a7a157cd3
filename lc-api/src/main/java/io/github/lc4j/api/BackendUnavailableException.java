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
}
