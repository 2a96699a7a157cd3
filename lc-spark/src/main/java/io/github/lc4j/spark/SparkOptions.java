package io.github.lc4j.spark;

import static io.github.lc4j.api.support.Checks.checkAtLeast;
import static java.util.Objects.requireNonNull;

import io.github.lc4j.api.support.Checks;
import java.io.Serializable;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.VoidFunction;

/**
 * How an L step spreads over a Spark cluster.
 *
 * @param mode            synchronous gradients or local SGD with averaging
 * @param localSteps      k, the steps each executor takes between averages ({@link SparkMode#AVERAGING}); 1 in sync mode
 * @param partitions      how many partitions hold the training set (0: Spark's default parallelism)
 * @param executorBackend the lc4j backend the executors train on (it must be on their classpath)
 * @param executorThreads threads each executor task's backend uses
 * @param taskHook        run at the start of every executor task (monitoring, fault injection in tests)
 */
public record SparkOptions(
        SparkMode mode,
        int localSteps,
        int partitions,
        String executorBackend,
        int executorThreads,
        VoidFunction<TaskContext> taskHook)
        implements Serializable {

    /** Checks the fields. */
    public SparkOptions {
        requireNonNull(mode, "mode is null");
        checkAtLeast(localSteps, 1, "local steps");
        Checks.checkArgument(
                mode == SparkMode.AVERAGING || localSteps == 1,
                "local steps (%d) apply to --spark-mode average; sync mode takes one step per round",
                localSteps);
        Checks.checkArgument(partitions >= 0, "partitions must be >= 0 (0: Spark's default), got %d", partitions);
        requireNonNull(executorBackend, "executorBackend is null");
        Checks.checkArgument(!executorBackend.isBlank(), "executor backend is blank");
        checkAtLeast(executorThreads, 1, "executor threads");
        requireNonNull(taskHook, "taskHook is null");
    }

    /** Returns synchronous mode on cpu-java with one thread per task and Spark's default partitions. */
    public static SparkOptions synchronous() {
        return new SparkOptions(SparkMode.SYNCHRONOUS, 1, 0, "cpu-java", 1, context -> {});
    }

    /** Returns local SGD with {@code localSteps} steps between averages, otherwise as {@link #synchronous()}. */
    public static SparkOptions averaging(int localSteps) {
        return new SparkOptions(SparkMode.AVERAGING, localSteps, 0, "cpu-java", 1, context -> {});
    }

    /** Returns these options with {@code count} partitions. */
    public SparkOptions withPartitions(int count) {
        return new SparkOptions(mode, localSteps, count, executorBackend, executorThreads, taskHook);
    }

    /** Returns these options with the executors on {@code backend} with {@code threads} threads per task. */
    public SparkOptions withExecutorBackend(String backend, int threads) {
        return new SparkOptions(mode, localSteps, partitions, backend, threads, taskHook);
    }

    /** Returns these options with {@code hook} run at the start of every executor task. */
    public SparkOptions withTaskHook(VoidFunction<TaskContext> hook) {
        return new SparkOptions(mode, localSteps, partitions, executorBackend, executorThreads, hook);
    }
}
