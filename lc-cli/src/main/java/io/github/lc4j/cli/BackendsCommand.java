package io.github.lc4j.cli;

import io.github.lc4j.api.spi.BackendProperty;
import io.github.lc4j.api.spi.BackendProvider;
import io.github.lc4j.core.Lc4j;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists the backends on the classpath and whether each can run here. */
@Command(
        name = "backends",
        mixinStandardHelpOptions = true,
        description = "List the backends found on the classpath and whether each is available.")
final class BackendsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Lc4j lc4j = new CommonOptions().lc4j();
        Map<String, String> availability = lc4j.registry().availability();
        for (BackendProvider provider : lc4j.registry().providers()) {
            spec.commandLine().getOut().printf("%-12s %s%n", provider.name(), availability.get(provider.name()));
            for (BackendProperty property : provider.properties()) {
                spec.commandLine()
                        .getOut()
                        .printf(
                                "%-12s   --backend-property %s=... (default: %s) %s%n",
                                "", property.key(), property.defaultValue(), property.description());
            }
        }
        return 0;
    }
}
