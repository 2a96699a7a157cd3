package io.github.lc4j.api;

/** Thrown when user-supplied input (a file, a parameter, a weight array) is malformed. */
public class InvalidInputException extends Lc4jException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message names the input and the fix. */
    public InvalidInputException(String message) {
        super(message);
    }

    /** Creates an exception whose message names the input and the fix, keeping the cause. */
    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
