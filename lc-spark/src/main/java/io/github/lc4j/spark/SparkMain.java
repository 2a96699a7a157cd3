package io.github.lc4j.spark;

import io.github.lc4j.cli.Lc4jCommand;
import io.github.lc4j.cli.TrainingLocation;
import java.io.PrintWriter;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code spark-submit --class io.github.lc4j.spark.SparkMain lc-spark.jar compress …}: the
 * {@code lc4j} command line, with {@code compress} training on the cluster (its options plus
 * {@code --spark-mode}, {@code --local-steps}, {@code --partitions}, {@code --executor-backend},
 * {@code --executor-threads}); the other commands run on the driver as usual.
 */
public final class SparkMain {
    private SparkMain() {}

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code; stops the Spark context it started. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        ClusterLocation location = new ClusterLocation(err);
        try {
            return Lc4jCommand.execute(args, out, err, location);
        } finally {
            location.stop();
        }
    }

    /** Starts Spark only when {@code compress} loads its data, so that {@code --help} and bad options stay fast. */
    private static final class ClusterLocation implements TrainingLocation {
        private final SparkCompressOptions options = new SparkCompressOptions();
        private final PrintWriter err;
        private JavaSparkContext spark;
        private SparkLc.Data data;

        ClusterLocation(PrintWriter err) {
            this.err = err;
        }

        @Override
        public Object options() {
            return options;
        }

        @Override
        public Data load(String choice) {
            SparkOptions parsed = options.toOptions();
            SparkConf conf = new SparkConf().setAppName("lc4j compress");
            if (options.master != null) {
                conf.setMaster(options.master);
            } else if (!conf.contains("spark.master")) {
                conf.setMaster("local[*]");
            }
            spark = new JavaSparkContext(conf);
            spark.setLogLevel("WARN");
            data = SparkLc.data(spark, choice, parsed);
            err.printf(
                    "L step on Spark (%s): %s, %s mode%s, executors on %s%n",
                    spark.master(),
                    data.training(),
                    parsed.mode().key(),
                    parsed.mode() == SparkMode.AVERAGING ? " with " + parsed.localSteps() + " local steps" : "",
                    parsed.executorBackend());
            return new Data(data.training(), data.test(), data.description());
        }

        void stop() {
            if (data != null) {
                data.close();
            }
            if (spark != null) {
                spark.stop();
            }
        }
    }
}
