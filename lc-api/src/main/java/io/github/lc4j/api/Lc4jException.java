package io.github.lc4j.api;

/**
 * Base of every exception lc4j throws on purpose. The message always names the bad input and,
 * where there is one, the fix; command-line front ends print it as one line.
 */
public class Lc4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message names the problem and the fix. */
    public Lc4jException(String message) {
        super(message);
    }

    /** Creates an exception whose message names the problem and the fix, keeping the cause. */
    public Lc4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
