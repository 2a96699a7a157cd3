package io.github.lc4j.spark;

import picocli.CommandLine.Option;

/** The options {@code compress} gains under {@code spark-submit}. */
final class SparkCompressOptions {
    @Option(
            names = "--spark-mode",
            defaultValue = "sync",
            paramLabel = "sync|average",
            description =
                    "sync: per minibatch the executors' gradients are summed on the driver (the same SGD as on one"
                            + " machine); average: local SGD, every executor takes --local-steps steps on its partition,"
                            + " then the driver averages. Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(
            names = "--local-steps",
            defaultValue = "1",
            paramLabel = "K",
            description = "With --spark-mode average: the steps each executor takes between averages."
                    + " Default: ${DEFAULT-VALUE}.")
    int localSteps;

    @Option(
            names = "--partitions",
            defaultValue = "0",
            paramLabel = "N",
            description = "Partitions of the training set (0: Spark's default parallelism; for a sharded --data folder,"
                    + " test.npz plus train-*.npz, one per file). Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Option(
            names = "--executor-backend",
            defaultValue = "cpu-java",
            paramLabel = "NAME",
            description = "The lc4j backend the executors train on; it must be on their classpath."
                    + " Default: ${DEFAULT-VALUE} (no native library needed).")
    String executorBackend;

    @Option(
            names = "--executor-threads",
            defaultValue = "1",
            paramLabel = "N",
            description = "Threads of each executor task's backend (match spark.task.cpus). Default: ${DEFAULT-VALUE}.")
    int executorThreads;

    @Option(
            names = "--spark-master",
            paramLabel = "URL",
            description = "Spark master when not set by spark-submit, e.g. local[2]. Default: spark-submit's, else"
                    + " local[*].")
    String master;

    SparkOptions toOptions() {
        SparkMode parsed = SparkMode.byKey(mode);
        if (localSteps < 1) {
            throw new IllegalArgumentException("--local-steps must be >= 1, got " + localSteps);
        }
        if (parsed == SparkMode.SYNCHRONOUS && localSteps != 1) {
            throw new IllegalArgumentException("--local-steps " + localSteps + " needs --spark-mode average; sync"
                    + " mode sums gradients after every minibatch");
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions must be >= 0, got " + partitions);
        }
        if (executorThreads < 1) {
            throw new IllegalArgumentException("--executor-threads must be >= 1, got " + executorThreads);
        }
        SparkOptions options =
                parsed == SparkMode.SYNCHRONOUS ? SparkOptions.synchronous() : SparkOptions.averaging(localSteps);
        return options.withPartitions(partitions).withExecutorBackend(executorBackend, executorThreads);
    }
}
