package io.github.lc4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One local Spark context for every test of the module: two worker threads, a task may fail up to 3 times. */
final class SparkTestContext {
    private static JavaSparkContext context;

    private SparkTestContext() {}

    static synchronized JavaSparkContext get() {
        if (context == null) {
            SparkConf conf = new SparkConf()
                    .setMaster("local[2,4]")
                    .setAppName("lc4j-spark-tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1");
            context = new JavaSparkContext(conf);
            context.setLogLevel("ERROR");
        }
        return context;
    }

    /** Stops the shared context (a JVM holds one at a time), for a test that starts its own; get() starts a new one. */
    static synchronized void stop() {
        if (context != null) {
            context.stop();
            context = null;
        }
    }
}
