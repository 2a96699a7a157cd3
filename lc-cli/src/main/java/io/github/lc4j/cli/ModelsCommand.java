package io.github.lc4j.cli;

import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.core.zoo.ModelZoo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists the zoo's models: what each is, its size and which of its parameters LC quantizes by default. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "List the zoo's models (for --model NAME): nodes, stored values and the weights LC quantizes.")
final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(ModelZoo.describe());
        spec.commandLine().getOut().println();
        spec.commandLine().getOut().printf("%-18s %6s %10s %10s%n", "model", "nodes", "values", "weights");
        for (String name : ModelZoo.names()) {
            ModelSpec model = ModelZoo.byName(name);
            long weights = model.parameters().stream()
                    .filter(parameter -> parameter.role() == ParameterSpec.Role.WEIGHT)
                    .mapToLong(ParameterSpec::size)
                    .sum();
            spec.commandLine()
                    .getOut()
                    .printf("%-18s %6d %10d %10d%n", name, model.nodes().size(), model.parameterCount(), weights);
        }
        return 0;
    }
}
