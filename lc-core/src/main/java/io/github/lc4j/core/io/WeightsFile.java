package io.github.lc4j.core.io;

import io.github.lc4j.api.InvalidInputException;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.ParameterSpec;
import io.github.lc4j.api.Weights;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Weights as a NumPy {@code .npz} archive: one float32 {@code <parameter>.npy} entry per
 * parameter, in the shapes of {@link io.github.lc4j.api.Layer}. {@code numpy.load} reads it.
 */
public final class WeightsFile {
    private WeightsFile() {}

    /** Writes {@code weights} of {@code model} to {@code file}, atomically. */
    public static void write(Path file, ModelSpec model, Weights weights) {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (ParameterSpec parameter : model.parameters()) {
                zip.putNextEntry(new ZipEntry(parameter.name() + ".npy"));
                NpyArray.ofFloats(parameter.shape(), weights.get(parameter.name()))
                        .write(zip);
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    /**
     * Reads weights of {@code model} from {@code file}.
     *
     * @throws InvalidInputException when the file is missing or corrupt, or does not fit the model
     */
    public static Weights read(Path file, ModelSpec model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        try (InputStream stream = new BufferedInputStream(Files.newInputStream(file));
                ZipInputStream zip = new ZipInputStream(stream)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName();
                if (!name.endsWith(".npy")) {
                    continue;
                }
                String parameterName = name.substring(0, name.length() - 4);
                int[] expected = model.parameter(parameterName).shape();
                NpyArray array = NpyArray.read(
                                zip,
                                file + "!" + name,
                                model.parameter(parameterName).size())
                        .requireFloats(file + "!" + name);
                if (!Arrays.equals(expected, array.shape())) {
                    throw new InvalidInputException(file + ": parameter " + parameterName + " has shape "
                            + Arrays.toString(array.shape()) + " but model " + model.name() + " needs "
                            + Arrays.toString(expected));
                }
                values.put(parameterName, array.toFloats());
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("weights file " + file + " does not exist", e);
        } catch (ZipException | IllegalArgumentException e) {
            // ZipInputStream reports a malformed entry name as an IllegalArgumentException
            throw new InvalidInputException(
                    "weights file " + file + " is not a valid .npz archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read weights file " + file + ": " + e, e);
        }
        if (values.isEmpty()) {
            throw new InvalidInputException(
                    "weights file " + file + " holds no .npy entries; is it an .npz written" + " by 'lc4j train'?");
        }
        return Weights.of(model, values);
    }
}
