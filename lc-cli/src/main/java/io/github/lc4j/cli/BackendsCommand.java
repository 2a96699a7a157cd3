package io.github.lc4j.cli;

import io.github.lc4j.api.spi.BackendProperty;
import io.github.lc4j.core.BackendStatus;
import io.github.lc4j.core.Lc4j;
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
        for (BackendStatus backend : lc4j.backends()) {
            spec.commandLine().getOut().printf("%-12s %s%n", backend.name(), backend.detail());
            for (BackendProperty property : backend.properties()) {
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
