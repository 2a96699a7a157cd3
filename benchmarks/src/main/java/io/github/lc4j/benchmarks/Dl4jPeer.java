package io.github.lc4j.benchmarks;

import io.github.lc4j.api.Layer;
import io.github.lc4j.api.ModelSpec;
import io.github.lc4j.api.spi.Batch;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** DL4J's own training of the same network, one {@code fit} per minibatch. */
final class Dl4jPeer {
    private Dl4jPeer() {}

    /** DL4J's throughput with libnd4j's own operations on {@code opThreads} threads and OpenBLAS on {@code blasThreads}. */
    static double stepsPerSecond(ModelSpec model, List<Batch> batches, int opThreads, int blasThreads) {
        Nd4j.getEnvironment().setMaxThreads(opThreads);
        Nd4j.getEnvironment().setMaxMasterThreads(opThreads);
        Nd4j.factory().blas().setMaxThreads(blasThreads);
        MultiLayerNetwork network = new MultiLayerNetwork(configuration(model));
        network.init();
        List<DataSet> data = new ArrayList<>();
        for (Batch batch : batches) {
            float[] labels = new float[batch.size() * model.classCount()];
            for (int i = 0; i < batch.size(); i++) {
                labels[i * model.classCount() + batch.labels()[i]] = 1;
            }
            data.add(new DataSet(
                    Nd4j.create(batch.inputs(), new long[] {batch.size(), batch.sampleSize()}, 'c'),
                    Nd4j.create(labels, new long[] {batch.size(), model.classCount()}, 'c')));
        }
        return StepTimer.stepsPerSecond(i -> network.fit(data.get(i % data.size())));
    }

    private static org.deeplearning4j.nn.conf.MultiLayerConfiguration configuration(ModelSpec model) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(1)
                .updater(new Nesterovs(0.01, 0.9))
                .l2(1e-4)
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .list();
        List<Layer> layers = model.layers();
        Activation pending = Activation.IDENTITY;
        int denseCount = (int)
                layers.stream().filter(layer -> layer instanceof Layer.Dense).count();
        int seenDense = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            Activation activation = i + 1 < layers.size() ? activationOf(layers.get(i + 1)) : Activation.IDENTITY;
            if (layer instanceof Layer.Dense dense) {
                seenDense++;
                if (seenDense == denseCount) {
                    list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                            .nOut(dense.units())
                            .activation(Activation.SOFTMAX)
                            .build());
                } else {
                    list.layer(new DenseLayer.Builder()
                            .nOut(dense.units())
                            .activation(activation)
                            .build());
                }
            } else if (layer instanceof Layer.Conv2d conv) {
                list.layer(new ConvolutionLayer.Builder(conv.kernelSize(), conv.kernelSize())
                        .stride(conv.stride(), conv.stride())
                        .padding(conv.padding(), conv.padding())
                        .nOut(conv.filters())
                        .activation(activation)
                        .build());
            } else if (layer instanceof Layer.MaxPool2d pool) {
                list.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(pool.size(), pool.size())
                        .stride(pool.stride(), pool.stride())
                        .build());
            }
        }
        int[] input = model.inputShape();
        list.setInputType(InputType.convolutionalFlat(input[1], input[2], input[0]));
        return list.build();
    }

    private static Activation activationOf(Layer next) {
        if (next instanceof Layer.Tanh) {
            return Activation.TANH;
        }
        if (next instanceof Layer.Relu) {
            return Activation.RELU;
        }
        return Activation.IDENTITY;
    }
}
