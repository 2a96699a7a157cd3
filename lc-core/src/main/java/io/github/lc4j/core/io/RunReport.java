package io.github.lc4j.core.io;

import io.github.lc4j.api.Evaluation;
import io.github.lc4j.api.IterationRecord;
import io.github.lc4j.api.LcResult;
import io.github.lc4j.api.QuantizedGroup;
import io.github.lc4j.api.RunTimes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON report of a run: its settings, every per-iteration record and the final codebooks. */
public final class RunReport {
    private RunReport() {}

    /** Returns the report of {@code result} with the run's {@code settings} as a JSON-ready map. */
    public static Map<String, Object> toMap(Map<String, Object> settings, LcResult result) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("settings", settings);
        report.put("compressionRatio", result.compressionRatio());
        report.put("stop", result.stop().name().toLowerCase(java.util.Locale.ROOT));
        report.put("stopDescription", result.stop().description());
        report.put("finalConstraintViolation", result.last().constraintViolation());
        List<Object> iterations = new ArrayList<>();
        for (IterationRecord record : result.history()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("iteration", record.iteration());
            entry.put("mu", record.mu());
            entry.put("learningRate", record.learningRate());
            entry.put("lStepLoss", record.lStepLoss());
            entry.put("constraintViolation", record.constraintViolation());
            entry.put("multiplierNorm", record.multiplierNorm());
            entry.put("weightNorm", record.weightNorm());
            entry.put("assignmentChanges", record.assignmentChanges());
            entry.put("train", evaluation(record.train()));
            entry.put("test", evaluation(record.test()));
            entry.put("codebooks", record.codebooks());
            if (!record.choices().isEmpty()) {
                entry.put("choices", record.choices());
            }
            entry.put("compressionRatio", record.compressionRatio());
            entry.put("lStepMillis", record.lStepMillis());
            entry.put("cStepMillis", record.cStepMillis());
            entry.put("evaluationMillis", record.evaluationMillis());
            entry.put("dataMillis", record.dataMillis());
            iterations.add(entry);
        }
        report.put("iterations", iterations);
        List<Object> groups = new ArrayList<>();
        for (QuantizedGroup group : result.groups()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("task", group.task());
            entry.put("codebook", group.codebook().describe());
            entry.put("values", group.values());
            entry.put("scale", group.scale());
            entry.put("parameters", List.copyOf(group.assignments().keySet()));
            entry.put("weights", group.weightCount());
            entry.put("bitsPerWeight", group.codebook().bitsPerWeight());
            groups.add(entry);
        }
        report.put("groups", groups);
        report.put("time", times(result.times()));
        return report;
    }

    /** Where a run's time went, in milliseconds, as a JSON-ready map. */
    public static Map<String, Object> times(RunTimes times) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("totalMillis", times.totalMillis());
        entry.put("lStepComputeMillis", times.computeMillis());
        entry.put("dataMillis", times.dataMillis());
        entry.put("cStepMillis", times.cStepMillis());
        entry.put("evaluationMillis", times.evaluationMillis());
        entry.put("checkpointMillis", times.checkpointMillis());
        entry.put("otherMillis", times.otherMillis());
        return entry;
    }

    /** Returns an evaluation as a JSON-ready map. */
    public static Map<String, Object> evaluation(Evaluation evaluation) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("loss", evaluation.count() == 0 ? Double.NaN : evaluation.meanLoss());
        entry.put("error", evaluation.errorRate());
        entry.put("samples", evaluation.count());
        return entry;
    }

    /** Writes {@code report} as JSON to {@code file}, atomically. */
    public static void write(Path file, Map<String, Object> report) {
        byte[] bytes = Json.write(report).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
