package io.github.lc4j.api;

import static io.github.lc4j.api.support.Checks.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One node of a model graph: a unique name (also the name of the tensor it outputs and the prefix
 * of its parameters' names), what it computes, and the names of the tensors it reads, either
 * {@link ModelSpec#INPUT} or earlier nodes.
 *
 * @param name   unique, non-blank name
 * @param op     what the node computes
 * @param inputs the tensors it reads, in the op's order
 */
public record Node(String name, Op op, List<String> inputs) implements java.io.Serializable {
    /** Checks and copies the inputs. */
    public Node {
        requireNonNull(name, "name is null");
        requireNonNull(op, "op is null");
        checkArgument(!name.isBlank(), "node name is blank");
        inputs = List.copyOf(requireNonNull(inputs, "inputs is null"));
        checkArgument(!inputs.isEmpty(), "node %s has no inputs", name);
        int arity = op.arity();
        checkArgument(
                arity == Op.VARIADIC ? inputs.size() >= 2 : inputs.size() == arity,
                "node %s: %s takes %s inputs, got %d %s",
                name,
                op,
                arity == Op.VARIADIC ? "two or more" : String.valueOf(arity),
                inputs.size(),
                inputs);
    }

    /** Returns a node. */
    public static Node of(String name, Op op, String... inputs) {
        return new Node(name, op, List.of(inputs));
    }
}
